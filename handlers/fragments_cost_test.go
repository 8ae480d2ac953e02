package handlers_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestLivePartsFetchOnlyTheirBlock: on every page that keeps itself
// current, each element listening for a changed part fetches a block, not
// the page, in no more statements than the page; the unread badge in three
// at most. Each part's cost beside its page's is logged.
func TestLivePartsFetchOnlyTheirBlock(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		seedWorkspace(t, db)
		set, err := loaddata.Build(ctx, db, loaddata.Spec{Prefix: "parts", Requests: 60, OtherRequests: 2, Clients: 2, Messages: 2, Users: 1})
		if err != nil {
			t.Fatal(err)
		}
		srv := newRecordedLiveServer(t, db)
		pages := []struct {
			path  string
			staff bool
		}{{"/", false}, {"/requests", false}, {"/requests/closed", false}, {"/messages", false}, {"/hours", false},
			{"/console", true}, {"/console/hours", true}}
		listens := regexp.MustCompile(`sse:changed-[a-z]+`)
		for _, pg := range pages {
			token := set.UserTokens[0]
			if pg.staff {
				token = set.StaffToken
			}
			getWith(t, srv.url+pg.path, token, false) // the settings cache
			srv.reset()
			resp, body := getWith(t, srv.url+pg.path, token, false)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", pg.path, resp.StatusCode)
			}
			page := srv.seen()[0]
			parts := 0
			doc(t, body).Find("[hx-trigger]").Each(func(_ int, el *goquery.Selection) {
				trig, _ := el.Attr("hx-trigger")
				get, ok := el.Attr("hx-get")
				if !ok || !listens.MatchString(trig) {
					return
				}
				parts++
				srv.reset()
				resp, frag := getWith(t, srv.url+get, token, true)
				if resp.StatusCode != http.StatusOK {
					t.Errorf("%s: GET %s: %d", pg.path, get, resp.StatusCode)
					return
				}
				cost := srv.seen()[0]
				if strings.Contains(frag, "<html") || strings.Contains(frag, `class="topbar"`) {
					t.Errorf("%s: the part listening for %q fetched a whole page from %s", pg.path, trig, get)
				}
				// A part costs at most its page, less the chrome; the badge,
				// fetched on every page after every new message, three.
				budget := page.statements
				if strings.HasPrefix(get, "/messages/unread") {
					budget = 3
				}
				if cost.statements > budget {
					t.Errorf("%s: %s ran %d statements, want at most %d", pg.path, get, cost.statements, budget)
				}
				t.Logf("%-16s page %d statements, %6d bytes | part %-22s from %-20s %d statements, %6d bytes",
					pg.path, page.statements, len(body), listens.FindString(trig), get, cost.statements, len(frag))
			})
			if parts == 0 {
				t.Errorf("%s: nothing on the page listens for a changed part", pg.path)
			}
		}
	})
}
