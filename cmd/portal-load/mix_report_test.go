package main

import (
	"testing"
	"time"
)

// The rule that flags a page: its p99 over three times the median page's,
// where the badge and the staff reply are not pages.
func TestMixFlagsAPageOverThreeTimesTheMedianPage(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	rows := []mixRow{
		{name: "a", count: 10, p99: ms(10)},
		{name: "b", count: 10, p99: ms(20)},
		{name: "c", count: 10, p99: ms(61)},
		{name: badgeStep, count: 10, p99: ms(1)},
		{name: replyStep, count: 10, p99: ms(1)},
	}
	median := medianPageP99(rows)
	if median != ms(20) {
		t.Fatalf("median page p99 = %s, want 20ms (the badge and reply are not pages)", median)
	}
	if !outOfLine(rows[2], median) {
		t.Errorf("61ms against a median of 20ms is not flagged")
	}
	if outOfLine(rows[1], median) || outOfLine(mixRow{name: "d", count: 10, p99: ms(60)}, median) {
		t.Errorf("a page at or under 3x the median is flagged")
	}
}

// The Next link is followed as the browser would: the page's HTML escapes
// the & between the page number and the keyset cursor.
func TestMixFollowsTheNextLinkUnescaped(t *testing.T) {
	page := []byte(`<nav class="pager"><a href="/requests?page=1">Previous</a>` +
		`<a href="/requests?page=3&amp;after=2031-06-15T10%3A00%3A00Z.42" rel="next">Next</a></nav>`)
	if got, want := nextLink(page), "/requests?page=3&after=2031-06-15T10%3A00%3A00Z.42"; got != want {
		t.Errorf("nextLink = %q, want %q", got, want)
	}
	if got := nextLink([]byte(`<span aria-disabled="true">Next</span>`)); got != "" {
		t.Errorf("nextLink on the last page = %q, want none", got)
	}
}
