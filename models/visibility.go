package models

import (
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

// Viewer is who is looking at activity and messages: staff, or a user of
// one client. It is the one answer to "who sees what", used alike by pages,
// exports, the live hub, the replay of missed events and e-mail; it fails
// closed, so a zero Viewer sees nothing and an event or message whose
// audience is unknown is staff-only.
//
// A client user sees all of their company's requests, unless they are a
// member of a client whose members see only their own (company_roles.go):
// then only requests they opened or follow, and events about the company
// that name no request only when they are about its hours. Hours and
// monthly summaries may be hidden from members as well.
type Viewer struct {
	staff    bool
	clientID int64
	// ownOf is the id of a member restricted to the requests they opened
	// or follow; 0 sees all of the client's requests.
	ownOf int64
	// noHours hides hours, hour events and monthly summaries.
	noHours bool
}

// StaffViewer sees every event and message of every client.
func StaffViewer() Viewer { return Viewer{staff: true} }

// ClientViewer is a user of the given client who sees all of it: its
// public events and its messages that are not internal notes.
func ClientViewer(clientID int64) Viewer { return Viewer{clientID: clientID} }

// ViewerOf is the viewer a signed-in user is: staff, or a user of their
// client as their company role and the client's settings allow (the user's
// Client must be loaded for a member to see more than the least).
// Anyone else (no user, a client user without a client) sees nothing.
func ViewerOf(u *User) Viewer {
	switch {
	case u == nil:
		return Viewer{}
	case u.IsStaff():
		return StaffViewer()
	case u.ClientID != nil:
		return clientUserViewer(u, u.Client)
	}
	return Viewer{}
}

// Viewer is who the scope's queries show events and messages to.
func (s Scope) Viewer() Viewer {
	if s.viewer.clientID == s.clientID && !s.viewer.staff {
		return s.viewer
	}
	return ClientViewer(s.clientID)
}

// Staff reports whether the viewer works for the MSP.
func (v Viewer) Staff() bool { return v.staff }

// ClientID is the client whose user the viewer is; 0 for staff.
func (v Viewer) ClientID() int64 { return v.clientID }

// SeesAllRequests reports whether the viewer sees every request of their
// client (staff: of every client).
func (v Viewer) SeesAllRequests() bool { return v.staff || (v.clientID > 0 && v.ownOf == 0) }

// SeesHours reports whether the viewer sees hours: the hour bank, time
// logged and the events about them.
func (v Viewer) SeesHours() bool { return v.staff || (v.clientID > 0 && !v.noHours) }

// SeesSummaries reports whether the viewer reads the monthly summaries:
// they count every request of the month and its hours, so only a viewer who
// sees both does.
func (v Viewer) SeesSummaries() bool { return v.SeesAllRequests() && v.SeesHours() }

// hourKinds are the events about hours, hidden with them.
var hourKinds = []string{EventTimeLogged, EventTimeDeleted, EventTimeQuestioned, EventTimeQuestionAnswer,
	EventHoursPurchased, EventHourPurchaseEdit, EventHourPurchaseVoid, EventHoursAlert, EventSummaryBuilt}

// companyKinds are the public events naming no request that a member
// restricted to their own requests still sees: the company's hour bank
// (when hours are shown to them).
var companyKinds = []string{EventHoursPurchased, EventHourPurchaseEdit, EventHourPurchaseVoid, EventHoursAlert}

// SeesEvent reports whether the viewer may see the event. For a member
// restricted to their own requests the event must carry its request's
// watchers (Watchers, read with the event by withWatchers); an event read
// without them is not seen.
func (v Viewer) SeesEvent(e *ActivityEvent) bool {
	if v.staff {
		return true
	}
	if v.clientID <= 0 || e.ClientID != v.clientID || e.Audience != AudiencePublic {
		return false
	}
	if (!v.SeesHours() && slices.Contains(hourKinds, e.Kind)) || (!v.SeesSummaries() && e.Kind == EventSummaryBuilt) {
		return false
	}
	if v.ownOf == 0 {
		return true
	}
	if e.RequestID == nil {
		return slices.Contains(companyKinds, e.Kind)
	}
	return e.watchedBy(v.ownOf)
}

// SeesMessage reports whether the viewer may see the message: an internal
// note never reaches a client. Whether a restricted member's request is
// theirs is the request's gate (SeesEvent for the event announcing the
// message, the scope's request lookups, whereSeesMessages in queries), so
// a message is only ever asked about once its request was admitted.
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
	a := bun.Ident(alias)
	q = q.Where("?.client_id = ?", a, v.clientID).
		Where("?.audience = ?", a, AudiencePublic)
	if !v.SeesHours() {
		q = q.Where("?.kind NOT IN (?)", a, bun.List(hourKinds))
	}
	if !v.SeesSummaries() {
		q = q.Where("?.kind <> ?", a, EventSummaryBuilt)
	}
	if v.ownOf == 0 {
		return q
	}
	return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("?.request_id IN (?)", a, v.ownRequestIDs()).
			WhereOr("?.request_id IS NULL AND ?.kind IN (?)", a, a, bun.List(companyKinds))
	})
}

// whereSeesMessages narrows a query over messages (table alias alias) to what
// SeesMessage admits, and for a restricted member to their own requests.
// Attachments carry the same columns (client_id, request_id and internal,
// copied from their message) and go through it too, so that SeesAttachment
// and their queries cannot drift apart.
func (v Viewer) whereSeesMessages(q *bun.SelectQuery, alias string) *bun.SelectQuery {
	if v.staff {
		return q
	}
	q = q.Where("?.client_id = ?", bun.Ident(alias), v.clientID).
		Where("?.internal = ?", bun.Ident(alias), false)
	if v.ownOf != 0 {
		q = q.Where("?.request_id IN (?)", bun.Ident(alias), v.ownRequestIDs())
	}
	return q
}

// whereSeesRequests narrows a query over requests (table alias alias) to
// the ones the viewer sees: for a restricted member those they opened or
// follow. A zero viewer sees none.
func (v Viewer) whereSeesRequests(q *bun.SelectQuery, alias string) *bun.SelectQuery {
	switch {
	case v.staff:
		return q
	case v.clientID <= 0:
		return q.Where("1 = 0")
	}
	q = q.Where("?.client_id = ?", bun.Ident(alias), v.clientID)
	if v.ownOf != 0 {
		q = q.Where("?.id IN (?)", bun.Ident(alias), v.ownRequestIDs())
	}
	return q
}

// ownRequestIDs is the ids of the restricted member's requests: those they
// opened (requests_client_requester) and those they follow
// (request_followers_user).
func (v Viewer) ownRequestIDs() bun.Safe {
	return bun.Safe("SELECT own_r.id FROM requests AS own_r WHERE own_r.client_id = " + strconv.FormatInt(v.clientID, 10) +
		" AND own_r.requester_id = " + strconv.FormatInt(v.ownOf, 10) +
		" UNION SELECT own_f.request_id FROM request_followers AS own_f WHERE own_f.user_id = " + strconv.FormatInt(v.ownOf, 10))
}

// watchedBy reports whether user is the requester or a follower of the
// event's request, as read with the event (withWatchers).
func (e *ActivityEvent) watchedBy(user int64) bool {
	return user > 0 && strings.Contains(e.Watchers, ","+strconv.FormatInt(user, 10)+",")
}

// withWatchers reads, with each event of q (alias activity_event), who its
// request's requester and followers are, as ",1,2,": what SeesEvent needs
// to tell a restricted member's events from a colleague's.
func withWatchers(db bun.IDB, q *bun.SelectQuery) *bun.SelectQuery {
	agg := "group_concat(w, ',')"
	if IsPostgres(db) {
		agg = "string_agg(w::text, ',')"
	}
	return q.ColumnExpr("activity_event.*").
		ColumnExpr("coalesce(',' || (SELECT " + agg + " FROM (" +
			"SELECT wf.user_id AS w FROM request_followers AS wf WHERE wf.request_id = activity_event.request_id " +
			"UNION SELECT wr.requester_id FROM requests AS wr WHERE wr.id = activity_event.request_id AND wr.requester_id IS NOT NULL" +
			") AS ws) || ',', '') AS watchers")
}
