package handlers_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/attachments"
	"github.com/portal-msp/portal/models/dbtest"
)

// A post whose transaction fails after its files were stored deletes them:
// no row and no file remain. Here the form's key is replayed on another
// request, which the model refuses inside the transaction.
func TestFailedPostLeavesNoRowAndNoFile(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		sd := seedWorkspace(t, db)
		first := submitAs(t, db, sd.clientUser, "First")
		second := submitAs(t, db, sd.clientUser, "Second")
		store, dir := fileStore(t)
		a := newAttachApp(t, db, store, nil)
		a.signIn(sd.clientUser.Email, testPassword)
		key := "replayed-form-key-0123456789"
		p1, p2 := "/requests/"+strconv.Itoa(first.Number), "/requests/"+strconv.Itoa(second.Number)
		resp, _ := a.postFiles(p1, p1+"/reply", url.Values{"body": {"first"}, "idempotency_key": {key}},
			[]upload{{"one.txt", []byte("one"), ""}}, true)
		if resp.StatusCode != http.StatusOK || attachmentRows(t, db) != 1 || len(storedFiles(t, dir)) != 1 {
			t.Fatalf("first post: %d, %d rows, files %v", resp.StatusCode, attachmentRows(t, db), storedFiles(t, dir))
		}
		// The same form again: the first post stands, the repeat's files go.
		resp, _ = a.postFiles(p1, p1+"/reply", url.Values{"body": {"first"}, "idempotency_key": {key}},
			[]upload{{"one.txt", []byte("one"), ""}}, true)
		if resp.StatusCode != http.StatusOK || attachmentRows(t, db) != 1 || len(storedFiles(t, dir)) != 1 {
			t.Errorf("repeated post: %d, %d rows, files %v", resp.StatusCode, attachmentRows(t, db), storedFiles(t, dir))
		}
		// The key on another request: refused in the transaction.
		resp, _ = a.postFiles(p2, p2+"/reply", url.Values{"body": {"second"}, "idempotency_key": {key}},
			[]upload{{"two.txt", []byte("two"), ""}, {"shot.png", pngOf(t, 50, 50), ""}}, true)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("replayed key on another request: %d, want 404", resp.StatusCode)
		}
		if n, files := attachmentRows(t, db), storedFiles(t, dir); n != 1 || len(files) != 1 {
			t.Errorf("after the failed post: %d rows, files %v; want the first post's alone", n, files)
		}
	})
}

// When storage fails the post fails before its transaction: a 500, no
// message, no row.
func TestStorageFailureWritesNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		sd := seedWorkspace(t, db)
		r := submitAs(t, db, sd.clientUser, "Broken storage")
		gone := attachments.New("file://" + filepath.ToSlash(filepath.Join(t.TempDir(), "missing")) + "?metadata=skip")
		a := newAttachApp(t, db, gone, nil)
		a.signIn(sd.clientUser.Email, testPassword)
		page := "/requests/" + strconv.Itoa(r.Number)
		resp, _ := a.postFiles(page, page+"/reply", url.Values{"body": {"with a file"}}, []upload{{"a.txt", []byte("a"), ""}}, true)
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("post with storage down: %d, want 500", resp.StatusCode)
		}
		n, err := db.NewSelect().Table("messages").Where("request_id = ?", r.ID).Count(t.Context())
		if err != nil || n != 0 || attachmentRows(t, db) != 0 {
			t.Errorf("after a storage failure: %d messages, %d attachment rows (%v)", n, attachmentRows(t, db), err)
		}
	})
}

// A form whose key is damaged is refused (400) before its files are
// stored: nothing is left behind for the orphan sweep.
func TestDamagedFormKeyStoresNoFile(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		sd := seedWorkspace(t, db)
		r := submitAs(t, db, sd.clientUser, "Damaged key")
		store, dir := fileStore(t)
		client := newAttachApp(t, db, store, nil)
		client.signIn(sd.clientUser.Email, testPassword)
		staff := client.browser()
		staff.signIn(sd.admin.Email, testPassword)
		damaged := url.Values{"body": {"with a file"}, "idempotency_key": {"not a key!"}}
		page := "/requests/" + strconv.Itoa(r.Number)
		resp, _ := client.postFiles(page, page+"/reply", damaged, []upload{{"a.txt", []byte("a"), ""}}, true)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("client reply with a damaged key: %d, want 400", resp.StatusCode)
		}
		console := "/console/requests/" + strconv.FormatInt(r.ID, 10)
		resp, _ = staff.postFiles(console, console+"/reply", damaged, []upload{{"b.txt", []byte("b"), ""}}, true)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("staff reply with a damaged key: %d, want 400", resp.StatusCode)
		}
		if n, files := attachmentRows(t, db), storedFiles(t, dir); n != 0 || len(files) != 0 {
			t.Errorf("after refused posts: %d rows, files %v; want none", n, files)
		}
	})
}

// A request opened on a client's behalf that the model refuses (a
// requester of another client) after its files were stored says beside the
// file field that they were not sent, as every other refused form does.
func TestRefusedOnBehalfRequestSaysFilesWereNotSent(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		sd := seedWorkspace(t, db)
		other := seedOtherClient(t, db)
		store, dir := fileStore(t)
		staff := newAttachApp(t, db, store, nil)
		staff.signIn(sd.admin.Email, testPassword)
		form := url.Values{"client_id": {strconv.FormatInt(sd.client.ID, 10)}, "requester_id": {strconv.FormatInt(other.user.ID, 10)},
			"channel": {"phone"}, "title": {"Phones down"}, "description": {"Called at 9."}, "urgency": {"high"}}
		resp, body := staff.postFiles("/console/requests/new", "/console/requests", form, []upload{{"a.txt", []byte("a"), ""}}, true)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("foreign requester: %d, want 422", resp.StatusCode)
		}
		if got := doc(t, body).Find("#attachments").Parent().Text(); !strings.Contains(got, "Your files were not sent") {
			t.Errorf("file field after the refusal: %q; want it to say the files were not sent", got)
		}
		if n, files := attachmentRows(t, db), storedFiles(t, dir); n != 0 || len(files) != 0 {
			t.Errorf("after the refusal: %d rows, files %v; want none", n, files)
		}
	})
}
