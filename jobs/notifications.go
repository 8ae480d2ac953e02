package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/mail"
	"github.com/portal-msp/portal/mail/thread"
	"github.com/portal-msp/portal/models"
)

// Notifier mails people about activity they opted in to (users.notify_email):
// client users about public staff replies on their client's requests, staff
// about new requests and client replies. It runs in the background of every
// process; a PostgreSQL advisory lock lets only one of them send at a time.
// Internal notes are never mailed (see models/notifications.go).
type Notifier struct {
	db     *bun.DB
	mailer *mail.Mailer
	err    error // from building the mailer; Run reports it
	log    *slog.Logger
	base   string // the portal's base URL for links
	// inbound is where clients' replies go (PORTAL_INBOUND_ADDRESS); empty:
	// replies by e-mail are not configured and mail carries no reply token.
	inbound string
	domain  string // right-hand side of our Message-IDs: the portal's host

	Every   time.Duration // how often it looks for work
	Settle  time.Duration // an event this young may have a lower-id neighbour still committing; wait
	Quiet   time.Duration // a person's lines are sent once nothing new has come for them for this long
	MaxWait time.Duration // …or once the oldest has waited this long
	GiveUp  time.Duration // events older than this are not mailed, nor lines that kept failing this long
}

// notifyLockKey keeps notifier rounds of several processes apart ("notify").
const notifyLockKey = 0x6e6f74696679

// queueChunk is how many events one transaction turns into lines.
const queueChunk = 500

// NewNotifier builds the notifier of a serving process; start it with
// `go n.Run(ctx)`. It mails through the same configuration as the rest of
// the portal (SMTP, or the outbox folder).
func NewNotifier(cfg config.Config, db *bun.DB, log *slog.Logger) *Notifier {
	m, err := mail.ForPortal(cfg, db, log)
	return &Notifier{db: db, mailer: m, err: err, log: log, base: strings.TrimRight(cfg.BaseURL.String(), "/"),
		inbound: cfg.Inbound.Address, domain: cfg.BaseURL.Hostname(),
		Every: 15 * time.Second, Settle: 30 * time.Second, Quiet: 2 * time.Minute, MaxWait: 10 * time.Minute, GiveUp: 24 * time.Hour}
}

// Run works every n.Every until ctx ends. Errors are logged; the next round
// retries.
func (n *Notifier) Run(ctx context.Context) {
	if n.err != nil {
		n.log.Error("e-mail notifications disabled", "error", n.err)
		return
	}
	t := time.NewTicker(n.Every)
	defer t.Stop()
	for {
		if err := n.Tick(ctx, models.Now()); err != nil && ctx.Err() == nil {
			n.log.Error("e-mail notifications", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick is one round at time now: queue new events, then mail every batch
// that is due. Another process holding the lock makes it a no-op.
func (n *Notifier) Tick(ctx context.Context, now time.Time) error {
	if n.err != nil {
		return n.err
	}
	return withLock(ctx, n.db, notifyLockKey, func() error {
		for {
			k, err := models.QueueNotifications(ctx, n.db, now.Add(-n.Settle), now.Add(-n.GiveUp), queueChunk)
			if err != nil {
				return err
			}
			if k < queueChunk {
				break
			}
		}
		batches, err := models.DueNotifications(ctx, n.db, now.Add(-n.Quiet), now.Add(-n.MaxWait))
		if err != nil {
			return err
		}
		if len(batches) == 0 {
			return nil
		}
		workspace := "Portal"
		if w, err := models.GetWorkspace(ctx, n.db); err == nil {
			workspace = w.Name
		}
		th, err := n.threading(ctx)
		if err != nil {
			return err
		}
		for _, b := range batches {
			if err := n.send(ctx, workspace, th, b); err != nil {
				n.log.ErrorContext(ctx, "notification mail not sent", "user", b.User.ID, "error", err)
				if now.Sub(b.Oldest) < n.GiveUp {
					continue // keep the lines; next round retries
				}
				n.log.WarnContext(ctx, "dropping notifications that could not be sent", "user", b.User.ID, "lines", len(b.LineIDs))
			}
			if err := models.ClearNotifications(ctx, n.db, b.LineIDs); err != nil {
				return err
			}
		}
		return nil
	})
}

// threadKeys is what a round needs to thread its mails: the signer of
// Message-IDs and reply tokens, and whether replies by e-mail are on.
type threadKeys struct {
	signer  *thread.Signer
	replyIn bool // PORTAL_INBOUND_ADDRESS is set and the Settings switch is on
}

func (n *Notifier) threading(ctx context.Context) (threadKeys, error) {
	st, err := models.GetInboundSettings(ctx, n.db)
	if err != nil {
		return threadKeys{}, err
	}
	signer, err := thread.NewSigner(st.TokenKey, n.domain)
	if err != nil {
		return threadKeys{}, err
	}
	return threadKeys{signer: signer, replyIn: n.inbound != "" && st.ReplyIn}, nil
}

// NotifyMail is the data of the notify_client and notify_staff e-mails.
type NotifyMail struct {
	// ReplyMarker, when replies by e-mail are on, heads the mail: the
	// reader writes above it, and the portal keeps only what is above.
	ReplyMarker string
	Subject     string
	Name        string
	Workspace   string
	Items       []NotifyItem
	AccountURL  string // where to switch these mails off
	Urgent      bool   // a Critical or High request's mail, sent at once
}

// NotifyItem is one reply or new request in a notification mail.
type NotifyItem struct {
	Kind    string // "reply", "client reply", "new request", "completed" or "SLA warning"
	Urgency string
	// RateGoodURL and RateBadURL rate a completed request in one click.
	RateGoodURL, RateBadURL string
	Ref                     string
	Title                   string
	Client                  string
	Author                  string
	When                    string
	Body                    string
	URL                     string
	Files                   []NotifyFile // links to the attachments, never the files
}

// NotifyFile is one attachment linked from a mail.
type NotifyFile struct {
	Name, Size, URL string
}

// bodyLimit keeps a long message from filling the mail; the link has it all.
const bodyLimit = 2000

// send mails one batch; a batch with nothing left to say sends nothing.
func (n *Notifier) send(ctx context.Context, workspace string, th threadKeys, b models.NotificationBatch) error {
	if b.User == nil || len(b.Items) == 0 {
		return nil
	}
	staff := b.User.IsStaff()
	data := NotifyMail{Name: b.User.Name, Workspace: workspace, AccountURL: n.base + "/account"}
	if staff {
		data.AccountURL = n.base + "/console/account"
	}
	for _, it := range b.Items {
		ref := it.Request.Ref(it.Client.RequestPrefix)
		item := NotifyItem{Ref: ref, Title: it.Request.Title, Client: it.Client.Name, Author: "Someone",
			When: it.Event.CreatedAt.In(models.LoadLocation(it.Client.Timezone)).Format("Mon 2 Jan 2006 15:04 MST")}
		if it.Event.Actor != nil && it.Event.Actor.Name != "" {
			item.Author = it.Event.Actor.Name
		}
		item.Urgency = it.Request.Urgency
		switch {
		case it.Event.Kind == models.EventSLAChanged:
			item.Kind, item.Body, item.Author = "SLA warning", slaWarningText(it.Event.Detail), "SLA timer"
		case it.Event.Kind == models.EventStatusChanged && it.Event.Detail == models.StatusCompleted:
			item.Kind, item.Body = "completed", excerpt(it.Request.ResolutionText, bodyLimit)
			if !staff && it.Request.Status == models.StatusCompleted && it.Request.CompletedAt != nil {
				// One-click rating, good or bad, until the reopen window ends.
				window, err := models.ReopenWindowOf(ctx, n.db)
				if err != nil {
					return err
				}
				token, err := models.NewRatingToken(ctx, n.db, it.Request.ID, b.User.ID, it.Request.CompletedAt.Add(window))
				if err != nil {
					return err
				}
				item.RateGoodURL = n.base + "/rate/" + token + "/good"
				item.RateBadURL = n.base + "/rate/" + token + "/bad"
			}
		case it.Message != nil && staff:
			item.Kind, item.Body = "client reply", excerpt(it.Message.Body, bodyLimit)
		case it.Message != nil:
			item.Kind, item.Body = "reply", excerpt(it.Message.Body, bodyLimit)
		default:
			item.Kind, item.Body = "new request", excerpt(it.Request.Description, bodyLimit)
		}
		if staff {
			item.URL = n.base + it.Request.ConsolePath()
		} else {
			item.URL = n.base + it.Request.PortalPath()
		}
		for _, f := range it.Files {
			item.Files = append(item.Files, NotifyFile{Name: f.Name, Size: f.SizeText(), URL: n.base + f.URL()})
		}
		data.Items = append(data.Items, item)
	}
	msg := mail.Message{To: b.User.Email, Template: "notify_client"}
	if staff {
		msg.Template = "notify_staff"
	}
	data.Subject = notifySubject(data, staff)
	r := oneRequest(b.Items)
	if r == nil {
		// A digest (several requests) is list mail: it can be turned off
		// from the mail program, and is not sent to whoever did so.
		off, err := models.OptedOut(ctx, n.db, models.MailDigest, b.User.Email)
		if err != nil {
			return err
		}
		if off {
			return nil
		}
		token, err := models.UnsubscribeToken(ctx, n.db, models.MailDigest, b.User.Email)
		if err != nil {
			return err
		}
		msg.Unsubscribe = n.base + "/unsubscribe/" + token
	}
	if r != nil {
		// A mail about one request threads with the others about it: the
		// same subject (mail programs group on it), a stable id, and the
		// request's root id to follow. A client can answer it by mail.
		last := b.Items[len(b.Items)-1].Event.ID
		msg.MessageID = th.signer.MessageID(r.ID, last, b.User.ID)
		msg.References = []string{th.signer.RootID(r.ID)}
		data.Subject = "[" + data.Items[0].Ref + "] " + r.Title
		if th.replyIn && !staff {
			msg.ReplyTo = thread.ReplyAddress(n.inbound, th.signer.Token(r.ID, b.User.ID))
			data.ReplyMarker = thread.ReplyMarker
		}
	}
	if b.Urgent && len(data.Items) == 1 {
		// Urgency and number lead, so the mail stands out in an inbox.
		data.Subject = "[" + titleWord(data.Items[0].Urgency) + "] " + data.Subject
		data.Urgent = true
	}
	msg.Data = data
	return n.mailer.Send(ctx, msg)
}

// oneRequest is the request every item is about, or nil for a mail about
// several (a digest, which does not thread and takes no reply).
func oneRequest(items []models.NotificationItem) *models.Request {
	if len(items) == 0 || items[0].Request == nil {
		return nil
	}
	for _, it := range items[1:] {
		if it.Request == nil || it.Request.ID != items[0].Request.ID {
			return nil
		}
	}
	return items[0].Request
}

// notifySubject names the one item, or counts them.
func notifySubject(d NotifyMail, staff bool) string {
	if len(d.Items) == 1 {
		it := d.Items[0]
		switch it.Kind {
		case "new request":
			return "New request " + it.Ref + ": " + it.Title
		case "client reply":
			return it.Author + " replied on " + it.Ref + ": " + it.Title
		case "completed":
			return "Completed: " + it.Ref + ": " + it.Title
		case "SLA warning":
			return "SLA warning on " + it.Ref + ": " + it.Title
		}
		return "New reply on " + it.Ref + ": " + it.Title
	}
	if staff {
		return fmt.Sprintf("%d updates from your clients", len(d.Items))
	}
	return fmt.Sprintf("%d new replies from %s", len(d.Items), d.Workspace)
}

// excerpt cuts s to at most limit characters.
func excerpt(s string, limit int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:limit])) + "…"
}

// slaWarningText says which clock is near its target.
func slaWarningText(detail string) string {
	response, resolution, _ := strings.Cut(detail, " ")
	switch {
	case response == models.ColourYellow && resolution == models.ColourYellow:
		return "Both the first response and the resolution targets are close."
	case response == models.ColourYellow:
		return "The first response target is close: reply to the client soon."
	}
	return "The resolution target is close."
}

// titleWord capitalises a one-word value such as an urgency.
func titleWord(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
