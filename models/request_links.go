package models

import "strconv"

// A request has two pages: the client's in the portal, named by the number
// its people see (ACME-42 is /requests/42), and the staff's in the console,
// named by its id. Handlers, activity lists and e-mail build them here.

// PortalRequestPath is the portal page of the client's request number n.
func PortalRequestPath(n int) string { return "/requests/" + strconv.Itoa(n) }

// ConsoleRequestPath is the console page of request id.
func ConsoleRequestPath(id int64) string { return "/console/requests/" + strconv.FormatInt(id, 10) }

// PortalPath is the request's page in the portal.
func (r *Request) PortalPath() string { return PortalRequestPath(r.Number) }

// ConsolePath is the request's page in the console.
func (r *Request) ConsolePath() string { return ConsoleRequestPath(r.ID) }
