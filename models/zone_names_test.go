package models

import (
	"testing"
	"time"
)

// Every zone a form offers is one this server knows (the embedded tzdata).
func TestZoneChoicesAreKnown(t *testing.T) {
	if len(zoneNames) < 300 || zoneNames[0] != "UTC" {
		t.Fatalf("%d zones, first %q", len(zoneNames), zoneNames[0])
	}
	for _, z := range zoneNames {
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("%s: %v", z, err)
		}
	}
	if got := ZoneChoices("US/Eastern"); got[0] != "US/Eastern" || len(got) != len(zoneNames)+1 {
		t.Errorf("a stored alias is not kept first: %v", got[:2])
	}
	if got := ZoneChoices("Europe/Paris"); len(got) != len(zoneNames) {
		t.Errorf("a listed zone is offered twice")
	}
}
