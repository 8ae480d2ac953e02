package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// addClientUser adds a signed-up user to a client.
func addClientUser(t *testing.T, db *bun.DB, clientID int64, email, name string, notify bool) *models.User {
	t.Helper()
	hash, err := models.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	now := models.Now()
	u := &models.User{ClientID: &clientID, Role: models.RoleClient, Email: email, Name: name, PasswordHash: &hash,
		SignupMethod: models.SignupLink, NotifyEmail: notify, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(u).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return u
}

// submitAs creates a request as a client user, through their Scope.
func submitAs(t *testing.T, db *bun.DB, u *models.User, title string) *models.Request {
	t.Helper()
	sc, err := models.ScopeFor(db, u)
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.CreateRequest(context.Background(), models.NewRequest{Title: title, Description: title + " details",
		Urgency: models.UrgencyNormal})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// post writes a message as author on r.
func post(t *testing.T, db *bun.DB, r *models.Request, author *models.User, body string, internal bool) *models.Message {
	t.Helper()
	m, err := models.PostMessage(context.Background(), db, models.PostMessageInput{ClientID: r.ClientID, RequestID: r.ID,
		AuthorID: author.ID, ByStaff: author.IsStaff(), Internal: internal, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// unreadBadge is the number the navigation badge shows ("" when hidden).
func (a *app) unreadBadge() string {
	a.t.Helper()
	resp, body := a.get("/messages/unread")
	if resp.StatusCode != http.StatusOK {
		a.t.Fatalf("GET /messages/unread: %d", resp.StatusCode)
	}
	badge := doc(a.t, body).Find("#unread-badge")
	if badge.Length() != 1 {
		a.t.Fatalf("no badge in %q", body)
	}
	if _, ok := badge.Attr("hx-get"); !ok {
		a.t.Errorf("the swapped badge no longer refreshes itself: %s", body)
	}
	badge.Find(".visually-hidden").Remove()
	return strings.TrimSpace(badge.Text())
}

// threadUnread is the unread cell of a request's row on the Messages page.
func threadUnread(t *testing.T, body, ref string) string {
	t.Helper()
	row := requestRow(t, body, ref)
	if row.Length() != 1 {
		t.Fatalf("no thread row for %s in:\n%s", ref, body)
	}
	cell := row.Find(".unread-count").Clone()
	cell.Find(".visually-hidden").Remove()
	return strings.TrimSpace(cell.Text())
}

const internalNote = "Internal: client is on the cheap plan, do not escalate"

func TestUnreadCountsArePerUser(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		other := seedOtherClient(t, db)
		dave := addClientUser(t, db, s.client.ID, "dave@acme.test", "Dave Acme", true)
		r := submitAs(t, db, s.clientUser, "Printer jam")
		post(t, db, r, s.admin, "We are looking at the printer.", false)
		note := post(t, db, r, s.admin, internalNote, true)
		post(t, db, r, s.admin, "Please try turning it off and on.", false)
		submitAs(t, db, s.clientUser, "No messages here")

		a := newApp(t, db)
		carol := a.browser()
		carol.signIn(s.clientUser.Email, testPassword)
		davesBrowser := a.browser()
		davesBrowser.signIn(dave.Email, testPassword)

		// Both see two unread public replies; the note counts for nobody.
		if got := carol.unreadBadge(); got != "2" {
			t.Errorf("carol's badge = %q, want 2", got)
		}
		if got := davesBrowser.unreadBadge(); got != "2" {
			t.Errorf("dave's badge = %q, want 2", got)
		}
		resp, body := carol.get("/messages")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /messages: %d", resp.StatusCode)
		}
		if got := threadUnread(t, body, "ACME-1"); got != "2" {
			t.Errorf("thread unread = %q, want 2", got)
		}
		row := requestRow(t, body, "ACME-1")
		if ex := row.Find(".excerpt").Text(); ex != "Please try turning it off and on." {
			t.Errorf("excerpt = %q, want the latest public reply", ex)
		}
		if au := row.Find(".author").Text(); au != "Ada Admin" {
			t.Errorf("author = %q", au)
		}
		if href, _ := row.Find("a").Attr("href"); href != "/requests/1" {
			t.Errorf("thread links to %q", href)
		}
		if requestRow(t, body, "ACME-2").Length() != 0 {
			t.Errorf("a request without messages is listed as a thread")
		}
		if m := contains(body, internalNote, foreignTitle, foreignMessage, "GLOBEX"); m != "" {
			t.Errorf("Messages page shows %q", m)
		}
		if doc(t, body).Find(`nav.nav-wide a[href="/messages"][aria-current="page"]`).Length() != 1 {
			t.Errorf("Messages is not the current navigation entry")
		}

		// Carol reads the thread; Dave's count is his own.
		if resp, _ := carol.get("/requests/1"); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /requests/1: %d", resp.StatusCode)
		}
		if got := carol.unreadBadge(); got != "" {
			t.Errorf("carol's badge after reading = %q, want hidden", got)
		}
		if got := davesBrowser.unreadBadge(); got != "2" {
			t.Errorf("dave's badge after carol read = %q, want 2", got)
		}
		_, body = carol.get("/messages")
		if got := threadUnread(t, body, "ACME-1"); got != "—" {
			t.Errorf("carol's thread unread after reading = %q", got)
		}

		// New messages: a staff reply counts for both; Carol's own reply only for Dave.
		post(t, db, r, s.admin, "Fixed, please confirm.", false)
		post(t, db, r, s.clientUser, "Confirmed, thanks!", false)
		post(t, db, r, s.admin, "Another private note", true)
		if got := carol.unreadBadge(); got != "1" {
			t.Errorf("carol's badge = %q, want 1", got)
		}
		if got := davesBrowser.unreadBadge(); got != "4" {
			t.Errorf("dave's badge = %q, want 4", got)
		}
		_, body = davesBrowser.get("/messages")
		if ex := requestRow(t, body, "ACME-1").Find(".excerpt").Text(); ex != "Confirmed, thanks!" {
			t.Errorf("dave's excerpt = %q", ex)
		}
		davesBrowser.get("/requests/1")
		if got := davesBrowser.unreadBadge(); got != "" {
			t.Errorf("dave's badge after reading = %q", got)
		}

		// The other client's user sees only their own thread, and their own
		// message is not unread for them.
		gina := a.browser()
		gina.signIn(other.user.Email, testPassword)
		_, body = gina.get("/messages")
		if requestRow(t, body, "GLOBEX-9201").Length() != 1 || requestRow(t, body, "ACME-1").Length() != 0 {
			t.Errorf("gina's threads are wrong:\n%s", body)
		}
		if m := contains(body, "Printer jam", "Fixed, please confirm", internalNote); m != "" {
			t.Errorf("gina sees Acme's %q", m)
		}
		if got := gina.unreadBadge(); got != "" {
			t.Errorf("gina's badge = %q, want hidden", got)
		}

		// Staff reading the console page mark everything read, notes included.
		admin := a.browser()
		admin.signIn(s.admin.Email, testPassword)
		admin.get("/console/requests/" + itoa(r.ID))
		last, err := models.LastReadMessageID(t.Context(), db, s.admin.ID, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if last <= note.ID {
			t.Errorf("staff read position %d, want the newest message (past note %d)", last, note.ID)
		}
	})
}

func TestReadPositionRules(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := t.Context()
		s := seedWorkspace(t, db)
		other := seedOtherClient(t, db)
		r := submitAs(t, db, s.clientUser, "Printer jam")
		first := post(t, db, r, s.admin, "First", false)
		note := post(t, db, r, s.admin, internalNote, true)
		sc, err := models.ScopeFor(db, s.clientUser)
		if err != nil {
			t.Fatal(err)
		}
		read := func() int64 {
			t.Helper()
			id, err := models.LastReadMessageID(ctx, db, s.clientUser.ID, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}

		// A client asking to read up to an internal note reads only the public message before it.
		if err := sc.MarkThreadRead(ctx, r.ID, note.ID); err != nil {
			t.Fatal(err)
		}
		if got := read(); got != first.ID {
			t.Errorf("read up to %d, want %d", got, first.ID)
		}
		// Never backwards.
		second := post(t, db, r, s.admin, "Second", false)
		if err := sc.MarkThreadRead(ctx, r.ID, second.ID); err != nil {
			t.Fatal(err)
		}
		if err := sc.MarkThreadRead(ctx, r.ID, first.ID); err != nil {
			t.Fatal(err)
		}
		if got := read(); got != second.ID {
			t.Errorf("read position went back to %d", got)
		}
		// Another client's request marks nothing.
		if err := sc.MarkThreadRead(ctx, other.request.ID, other.message.ID); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, "message_reads", "request_id = ?", other.request.ID); n != 0 {
			t.Errorf("a foreign thread was marked read")
		}

		// Pages of threads, most recently active first.
		for i := 0; i < 6; i++ {
			ri := submitAs(t, db, s.clientUser, "Thread "+itoa(int64(i)))
			post(t, db, ri, s.admin, "Reply "+itoa(int64(i)), false)
		}
		p1, err := sc.ListThreads(ctx, 1, 5)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := sc.ListThreads(ctx, 2, 5)
		if err != nil {
			t.Fatal(err)
		}
		if p1.Total != 7 || len(p1.Items) != 5 || len(p2.Items) != 2 {
			t.Fatalf("pages: total %d, %d + %d items", p1.Total, len(p1.Items), len(p2.Items))
		}
		if p1.Items[0].Title != "Thread 5" || p2.Items[1].Title != "Printer jam" {
			t.Errorf("order: first %q, last %q", p1.Items[0].Title, p2.Items[1].Title)
		}
		if p2.Items[1].Unread != 0 || p1.Items[0].Unread != 1 {
			t.Errorf("unread: %d and %d", p2.Items[1].Unread, p1.Items[0].Unread)
		}
	})
}
