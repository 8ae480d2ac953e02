package models

import (
	"errors"
	"testing"
)

// TestPositionsHoldPassedTransactions: a position names the open
// transactions its reader passed; it has their events only as far as it
// says, and joining two positions has what either has.
func TestPositionsHoldPassedTransactions(t *testing.T) {
	p := func(s string) Position {
		t.Helper()
		pos, err := ParsePosition(s)
		if err != nil {
			t.Fatal(err)
		}
		if pos.String() != s && s != "7" {
			t.Fatalf("%q reads back as %q", s, pos.String())
		}
		return pos
	}
	ev := func(tx, id int64) Position { return Position{Tx: tx, ID: id} }

	if got := p("7"); got != ev(0, 7) {
		t.Fatalf("a bare id is %+v", got)
	}
	at := p("100-50~90~95:40")
	for _, c := range []struct {
		ev   Position
		want bool
	}{
		{ev(80, 10), true},   // below the cursor, not held
		{ev(90, 1), false},   // held, none read
		{ev(95, 40), true},   // held, read up to 40
		{ev(95, 41), false},  // held, not yet read
		{ev(100, 50), true},  // the cursor itself
		{ev(100, 51), false}, // after it
		{ev(101, 1), false},
	} {
		if got := at.Has(c.ev); got != c.want {
			t.Errorf("%s has %s: %v, want %v", at, c.ev, got, c.want)
		}
	}
	for _, c := range []struct{ a, b, want string }{
		{"100-50~90~95:40", "100-50", "100-50"},                     // one has it all
		{"100-50~90~95:40", "96-3~90:7~95:44", "100-50~90:7~95:44"}, // each read further into one
		{"100-50~90~95:40", "120-1~90~110", "120-1~90~110"},         // the later one holds 90 still; 95 it has
		{"100-50~90~95:40", "95-60~90:3", "100-50~90:3~95:60"},      // 95 read up to its cursor id by the other
		{"10-1", "12-2", "12-2"},
	} {
		got := p(c.a).Join(p(c.b))
		if got.String() != c.want {
			t.Errorf("%s join %s = %s, want %s", c.a, c.b, got, c.want)
		}
		if back := p(c.b).Join(p(c.a)); back != got {
			t.Errorf("join is not symmetric: %s and %s", got, back)
		}
	}
	for _, bad := range []string{"", "x", "1-2-3", "-1-2", "10-1~", "10-1~12", "10-1~5~4", "10-1~5:0", "10-1~0", "10-1~5:x"} {
		if _, err := ParsePosition(bad); !errors.Is(err, ErrBadPosition) {
			t.Errorf("%q: got %v, want ErrBadPosition", bad, err)
		}
	}
}
