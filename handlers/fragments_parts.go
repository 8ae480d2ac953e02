package handlers

import "github.com/portal-msp/portal/models"

// part is a region of a page that keeps itself current: it listens on the
// event stream for "changed-<part>" and fetches itself again (a fragment
// route, or its page's own URL answering with only that block). The stream
// names only the parts an event touches, so one event costs each open page
// a request or two for small parts instead of a re-render of the page.
type part string

const (
	partStats    part = "stats"    // the dashboard's key figures (client)
	partRequests part = "requests" // the open and closed request lists (client)
	partThreads  part = "threads"  // the Messages page's threads (client)
	partUnread   part = "unread"   // the navigation's unread badge (client)
	partHours    part = "hours"    // the Hours page (client); the hours overview (staff)
	partQueue    part = "queue"    // the console queue (staff)
)

// event is the SSE event name a part listens for.
func (p part) event() string { return "changed-" + string(p) }

// clientParts are the parts of the portal each event kind changes. A kind
// not listed refreshes every part: a stale figure is worse than a spare
// request.
var clientParts = map[string][]part{
	models.EventRequestSubmitted:   {partStats, partRequests},
	models.EventStatusChanged:      {partStats, partRequests, partThreads},
	models.EventUrgencyChanged:     {partStats, partRequests}, // targets recomputed
	models.EventMessagePosted:      {partStats, partRequests, partThreads, partUnread},
	models.EventSLAChanged:         {partStats, partRequests}, // past-due counts and timer colours
	models.EventRequestReopened:    {partStats, partRequests, partThreads},
	models.EventRequestMarkedFixed: {partStats, partRequests, partThreads},
	models.EventFollowUpOpened:     {partStats, partRequests},
	models.EventTimeLogged:         {partStats, partRequests, partHours}, // closed list: hours per request
	models.EventTimeDeleted:        {partStats, partRequests, partHours},
	models.EventTimeClosedEdited:   {partStats, partHours},
	models.EventHoursPurchased:     {partStats, partHours},
	models.EventHourPurchaseEdit:   {partStats, partHours},
	models.EventHourPurchaseVoid:   {partStats, partHours},
	models.EventHourPlanChanged:    {partStats, partHours},
	models.EventTimeQuestioned:     {partHours},
	models.EventTimeQuestionAnswer: {partHours},
	models.EventHoursAlert:         nil,
	models.EventSummaryBuilt:       nil, // the timeline line is pushed on its own
}

// staffParts are the parts of the console each event kind changes. An
// unlisted kind on a request changes the queue (its counts, order and
// "awaiting us" marks); any other unlisted kind refreshes both parts.
var staffParts = map[string][]part{
	models.EventTimeQuestioned:     {partHours},
	models.EventTimeQuestionAnswer: {partHours},
	models.EventHoursPurchased:     {partHours},
	models.EventHourPurchaseEdit:   {partHours},
	models.EventHourPurchaseVoid:   {partHours},
	models.EventHourPlanChanged:    {partHours},
	models.EventTimeClosedEdited:   {partHours},
	models.EventHoursAlert:         {partHours},
	models.EventSummaryBuilt:       nil,
	models.EventSummaryResent:      nil,
	models.EventTimeLogged:         {partQueue, partHours},
	models.EventTimeDeleted:        {partQueue, partHours},
}

// partsChanged are the parts of v's pages that ev changes.
func partsChanged(ev *models.ActivityEvent, v models.Viewer) []part {
	if v.Staff() {
		if ps, ok := staffParts[ev.Kind]; ok {
			return ps
		}
		if ev.RequestID != nil {
			return []part{partQueue}
		}
		return []part{partQueue, partHours}
	}
	if ps, ok := clientParts[ev.Kind]; ok {
		return ps
	}
	return []part{partStats, partRequests, partThreads, partUnread, partHours}
}
