package handlers

import (
	"slices"
	"testing"

	"github.com/portal-msp/portal/models"
)

// TestPartsChangedStayOnTheirSide: a client's pages are told only of
// portal parts and staff pages only of console parts; a kind nobody listed
// refreshes every part of its side rather than none.
func TestPartsChangedStayOnTheirSide(t *testing.T) {
	client, staff := models.ClientViewer(1), models.StaffViewer()
	portal := []part{partStats, partRequests, partThreads, partUnread, partHours}
	console := []part{partQueue, partHours}
	reqID := int64(7)
	kinds := []string{"a_kind_added_later"}
	for k := range clientParts {
		kinds = append(kinds, k)
	}
	for k := range staffParts {
		kinds = append(kinds, k)
	}
	for _, k := range kinds {
		ev := &models.ActivityEvent{ClientID: 1, RequestID: &reqID, Kind: k}
		for _, p := range partsChanged(ev, client) {
			if !slices.Contains(portal, p) {
				t.Errorf("%s tells a client's pages of %s", k, p)
			}
		}
		for _, p := range partsChanged(ev, staff) {
			if !slices.Contains(console, p) {
				t.Errorf("%s tells staff pages of %s", k, p)
			}
		}
	}
	unknown := &models.ActivityEvent{ClientID: 1, Kind: "a_kind_added_later"}
	if got := partsChanged(unknown, client); !slices.Equal(got, portal) {
		t.Errorf("an unknown kind refreshes %v of the portal, want every part %v", got, portal)
	}
	if got := partsChanged(unknown, staff); !slices.Equal(got, console) {
		t.Errorf("an unknown kind refreshes %v of the console, want every part %v", got, console)
	}
	reply := &models.ActivityEvent{ClientID: 1, RequestID: &reqID, Kind: models.EventMessagePosted}
	if got := partsChanged(reply, client); !slices.Contains(got, partUnread) || !slices.Contains(got, partStats) {
		t.Errorf("a public reply changes %v for a client, want the unread badge and the figures among them", got)
	}
}
