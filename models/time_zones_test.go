package models

import (
	"testing"
	"time"
)

// TestLoadLocationSharesOneZone: a zone is loaded once and shared (every
// stream and page asks for its viewer's); an unknown name is UTC.
func TestLoadLocationSharesOneZone(t *testing.T) {
	a, b := LoadLocation("Europe/Paris"), LoadLocation("Europe/Paris")
	if a != b || a.String() != "Europe/Paris" {
		t.Errorf("Europe/Paris loaded as %p (%s) and %p", a, a, b)
	}
	if got := LoadLocation("Mars/Olympus_Mons"); got != time.UTC {
		t.Errorf("unknown zone = %s, want UTC", got)
	}
	summer := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC).In(a)
	if _, off := summer.Zone(); off != 2*3600 {
		t.Errorf("Paris in July: offset %d, want +2h", off)
	}
}
