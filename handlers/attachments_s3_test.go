package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/attachments"
	"github.com/portal-msp/portal/models/dbtest"
)

// s3Bucket starts an S3-compatible server (gofakes3, in memory, over a real
// HTTP listener) with one bucket, and returns the PORTAL_ATTACHMENTS_URL
// that names it. The AWS SDK reads its credentials from the environment,
// as it would in production.
func s3Bucket(t *testing.T) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("portal-files"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	q := url.Values{"endpoint": {srv.URL}, "region": {"us-east-1"}, "use_path_style": {"true"},
		"request_checksum_calculation": {"when_required"}, "response_checksum_validation": {"when_required"}}
	return "s3://portal-files?" + q.Encode()
}

// Two portal processes share one database and one S3 bucket, as behind a
// load balancer: a file and its thumbnail uploaded through one are served
// by the other, and a failed post through either leaves nothing behind.
func TestTwoProcessesShareObjectStorage(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "portal-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "portal-test-secret")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		bucket := s3Bucket(t)
		sd := seedWorkspace(t, db)
		r := submitAs(t, db, sd.clientUser, "Shared storage")
		storeA, storeB := attachments.New(bucket), attachments.New(bucket)
		t.Cleanup(func() { storeA.Close(); storeB.Close() })
		procA := newAttachApp(t, db, storeA, nil)
		procB := newAttachApp(t, db, storeB, nil)
		procA.signIn(sd.clientUser.Email, testPassword)
		procB.signIn(sd.admin.Email, testPassword)

		shot := pngOf(t, 640, 400)
		page := "/requests/" + strconv.Itoa(r.Number)
		resp, body := procA.postFiles(page, page+"/reply", url.Values{"body": {"through process A"}},
			[]upload{{"shot.png", shot, "image/png"}, {"notes.txt", []byte("plain notes"), "text/plain"}}, true)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("upload through A: %d\n%s", resp.StatusCode, body)
		}
		as := attachmentsOf(t, db, r.ID)
		if len(as) != 2 || as[0].ThumbKey == nil {
			t.Fatalf("rows: %+v", as)
		}
		// Process B serves both files and the thumbnail A made.
		id := strconv.FormatInt(as[0].ID, 10)
		resp, got := procB.get("/console/attachments/" + id)
		if resp.StatusCode != http.StatusOK || got != string(shot) {
			t.Fatalf("B serves A's image: %d, %d bytes", resp.StatusCode, len(got))
		}
		if resp, _ := procB.get("/console/attachments/" + id + "/thumb"); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
			t.Errorf("B serves A's thumbnail: %d", resp.StatusCode)
		}
		checkDownload(t, procB, "/console/attachments/"+strconv.FormatInt(as[1].ID, 10), []byte("plain notes"))
		// The client reads through B as well.
		procB2 := procB.browser()
		procB2.signIn(sd.clientUser.Email, testPassword)
		checkDownload(t, procB2, "/attachments/"+strconv.FormatInt(as[1].ID, 10), []byte("plain notes"))
		ok, err := storeB.Exists(t.Context(), as[0].StorageKey)
		if err != nil || !ok {
			t.Errorf("the file is not in the bucket: %v %v", ok, err)
		}
	})
}
