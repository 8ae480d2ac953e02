package handlers

import (
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// Paged lists (requests, threads, activity) read their page from ?page= and
// link to their neighbours keeping the rest of the query (the filter). A
// request list's Next link also carries ?after=, a keyset cursor, so deep
// pages are index seeks; ?page= alone (typed or shared) still works.

// pageParam is the ?page= number asked for; the model clamps anything out
// of range (0 for none or nonsense means the first page).
func pageParam(c echo.Context) int {
	n, _ := strconv.Atoi(c.QueryParam("page"))
	return n
}

// pageLinks builds the pager's previous and next links, keeping the filter.
func pageLinks[T any](path string, q url.Values, p models.Page[T]) (prev, next string) {
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "page" && k != "after" && len(vs) > 0 && vs[0] != "" {
				v.Set(k, vs[0])
			}
		}
		v.Set("page", strconv.Itoa(n))
		return path + "?" + v.Encode()
	}
	if p.HasPrev() {
		prev = link(p.PrevPage())
	}
	if p.HasNext() {
		next = link(p.NextPage())
		if p.NextAfter != "" {
			// The page number stays for people (and for a shared link);
			// the cursor makes the next page an index seek.
			next += "&after=" + url.QueryEscape(p.NextAfter)
		}
	}
	return prev, next
}
