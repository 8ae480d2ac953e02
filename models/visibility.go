package models

import "github.com/uptrace/bun"

// Viewer is who is looking at activity and messages: staff, or the users of
// one client. It is the one answer to "who sees what", used alike by pages,
// exports, the live hub, the replay of missed events and e-mail; it fails
// closed, so a zero Viewer sees nothing and an event or message whose
// audience is unknown is staff-only.
type Viewer struct {
	staff    bool
	clientID int64
}

// StaffViewer sees every event and message of every client.
func StaffViewer() Viewer { return Viewer{staff: true} }

// ClientViewer is a user of the given client: its public events and its
// messages that are not internal notes.
func ClientViewer(clientID int64) Viewer { return Viewer{clientID: clientID} }

// ViewerOf is the viewer a signed-in user is: staff, or a user of their
// client. Anyone else (no user, a client user without a client) sees nothing.
func ViewerOf(u *User) Viewer {
	switch {
	case u == nil:
		return Viewer{}
	case u.IsStaff():
		return StaffViewer()
	case u.ClientID != nil:
		return ClientViewer(*u.ClientID)
	}
	return Viewer{}
}

// Viewer is who the scope's queries show events and messages to.
func (s Scope) Viewer() Viewer { return ClientViewer(s.clientID) }

// Staff reports whether the viewer works for the MSP.
func (v Viewer) Staff() bool { return v.staff }

// ClientID is the client whose user the viewer is; 0 for staff.
func (v Viewer) ClientID() int64 { return v.clientID }

// SeesEvent reports whether the viewer may see the event.
func (v Viewer) SeesEvent(e *ActivityEvent) bool {
	if v.staff {
		return true
	}
	return v.clientID > 0 && e.ClientID == v.clientID && e.Audience == AudiencePublic
}

// SeesMessage reports whether the viewer may see the message: an internal
// note never reaches a client.
func (v Viewer) SeesMessage(m *Message) bool {
	if v.staff {
		return true
	}
	return v.clientID > 0 && m.ClientID == v.clientID && !m.Internal
}

// SeesAttachment reports whether the viewer may see a file: the rule of the
// message it came with, so a client never sees one of an internal note.
func (v Viewer) SeesAttachment(a *Attachment) bool {
	if v.staff {
		return true
	}
	return v.clientID > 0 && a.ClientID == v.clientID && !a.Internal
}

// whereSeesEvents narrows a query over activity events (table alias alias) to
// what SeesEvent admits, so that a page, an export and a replay read only
// what the viewer may see rather than filtering afterwards.
func (v Viewer) whereSeesEvents(q *bun.SelectQuery, alias string) *bun.SelectQuery {
	if v.staff {
		return q
	}
	return q.Where("?.client_id = ?", bun.Ident(alias), v.clientID).
		Where("?.audience = ?", bun.Ident(alias), AudiencePublic)
}

// whereSeesMessages narrows a query over messages (table alias alias) to what
// SeesMessage admits. Attachments carry the same two columns (client_id and
// internal, copied from their message) and go through it too, so that
// SeesAttachment and their queries cannot drift apart.
func (v Viewer) whereSeesMessages(q *bun.SelectQuery, alias string) *bun.SelectQuery {
	if v.staff {
		return q
	}
	return q.Where("?.client_id = ?", bun.Ident(alias), v.clientID).
		Where("?.internal = ?", bun.Ident(alias), false)
}
