// Package demo fills a database with realistic demo data: an MSP, its staff,
// three clients with their users, and two months of requests, messages,
// time, hour banks and SLA clocks. It writes through the models' types and
// rules but is not part of them: nothing in the portal itself depends on it.
package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/portal-msp/portal/attachments"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
)

// Credential is one sign-in printed after loading demo data.
type Credential struct{ Role, Email, Password string }

// demoPassword is shared by every demo user; it passes CheckPassword.
const demoPassword = "demo-portal-2026"

// demoAdminEmail marks a database that already holds the demo data.
const demoAdminEmail = "admin@demo.portal"

// demoWorkspaceName is used when the demo creates the workspace itself.
const demoWorkspaceName = "Northwind IT Services"

// Load fills an empty (or already-demo) database with realistic demo data:
// an MSP with an admin and two agents, three clients with their users, about
// thirty requests over the last two months in every status and urgency with
// threads, internal notes, time entries, SLA clocks, hour bank periods and the
// activity history. Safe to re-run: when the demo admin already exists nothing
// is written and the same credentials are returned. A workspace made by setup
// is kept and the demo data is added alongside it. Everything happens in one
// transaction. Times are placed relative to now.
func Load(ctx context.Context, db *bun.DB, now time.Time) ([]Credential, error) {
	now = now.UTC().Truncate(time.Microsecond)
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		exists, err := tx.NewSelect().Model((*models.User)(nil)).Where("email = ?", demoAdminEmail).Exists(ctx)
		if err != nil {
			return fmt.Errorf("demo: look for demo data: %w", err)
		}
		if exists {
			return nil
		}
		// Hashed once: argon2id is deliberately slow and every demo user
		// shares the password.
		hash, err := models.HashPassword(demoPassword)
		if err != nil {
			return err
		}
		l := &demoLoader{tx: tx, now: now, hash: hash}
		return l.load(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("demo: load demo data: %w", err)
	}
	return demoCredentials(), nil
}

// demoCredentials lists the admin, one agent and one user of each client.
func demoCredentials() []Credential {
	creds := []Credential{
		{Role: models.RoleAdmin, Email: demoStaff[demoAdmin].email, Password: demoPassword},
		{Role: models.RoleAgent, Email: demoStaff[demoSam].email, Password: demoPassword},
	}
	for _, c := range demoClients {
		creds = append(creds, Credential{Role: "client (" + c.name + ")", Email: c.users[0].email, Password: demoPassword})
	}
	return creds
}

// --- The demo script --------------------------------------------------------

type demoPerson struct {
	role  string // staff only
	name  string
	email string
}

// Staff indexes into demoStaff.
const (
	demoAdmin      = 0
	demoSam        = 1
	demoPriya      = 2
	demoNoAssignee = -1
)

var demoStaff = []demoPerson{
	{role: models.RoleAdmin, name: "Alex Morgan", email: demoAdminEmail},
	{role: models.RoleAgent, name: "Sam Rivera", email: "sam.rivera@demo.portal"},
	{role: models.RoleAgent, name: "Priya Shah", email: "priya.shah@demo.portal"},
}

type demoStepKind int

const (
	demoStepAsk    demoStepKind = iota // public message from a client user
	demoStepReply                      // public message from staff
	demoStepNote                       // internal note from staff
	demoStepStatus                     // staff changes the status
	demoStepTime                       // staff logs time
)

// demoStep is one thing that happens on a request, at an offset from its
// creation. who is a client user index for demoStepAsk, a staff index otherwise.
type demoStep struct {
	at      time.Duration
	kind    demoStepKind
	who     int
	text    string // message body, note, new status or time-entry note
	minutes int
}

func demoAsk(at time.Duration, user int, body string) demoStep {
	return demoStep{at: at, kind: demoStepAsk, who: user, text: body}
}

func demoReply(at time.Duration, staff int, body string) demoStep {
	return demoStep{at: at, kind: demoStepReply, who: staff, text: body}
}

func demoNote(at time.Duration, staff int, body string) demoStep {
	return demoStep{at: at, kind: demoStepNote, who: staff, text: body}
}

func demoSetStatus(at time.Duration, staff int, status string) demoStep {
	return demoStep{at: at, kind: demoStepStatus, who: staff, text: status}
}

func demoLogTime(at time.Duration, staff, minutes int, what string) demoStep {
	return demoStep{at: at, kind: demoStepTime, who: staff, minutes: minutes, text: what}
}

// Clocks a request's age may be stretched against.
const (
	demoClockResponse   = "response"
	demoClockResolution = "resolution"
)

type demoRequest struct {
	title       string
	description string
	urgency     string
	requester   int // client user index
	assignee    int // staff index or demoNoAssignee
	age         time.Duration
	// ageOf/factor make the request at least factor × that clock's target
	// old, so a request meant to be near or past its target stays so whatever
	// the policy's targets are.
	ageOf  string
	factor float64
	steps  []demoStep
}

type demoClient struct {
	name, slug, prefix, timezone, contact string
	includedHours                         int
	ownPolicy                             bool // gets the 24x7 premium policy
	topUpHours                            int  // top-up block on the current period
	overage                               bool // must be over its hours this month
	users                                 []demoPerson
	requests                              []demoRequest
}

// demoPremiumTargets are the 24x7 policy's targets in minutes: response, resolution.
var demoPremiumTargets = map[string][2]int{
	models.UrgencyLow:      {4 * 60, 24 * 60},
	models.UrgencyNormal:   {2 * 60, 12 * 60},
	models.UrgencyHigh:     {30, 4 * 60},
	models.UrgencyCritical: {15, 2 * 60},
}

const (
	demoMinute = time.Minute
	demoHour   = time.Hour
	demoDay    = 24 * time.Hour
)

var demoClients = []demoClient{
	{
		name: "Acme Manufacturing", slug: "acme", prefix: "ACME", timezone: "America/New_York",
		contact: "it@acme.example", includedHours: 40,
		users: []demoPerson{
			{name: "Dana Whitfield", email: "dana.whitfield@acme.example"},
			{name: "Marcus Lee", email: "marcus.lee@acme.example"},
			{name: "Olivia Grant", email: "olivia.grant@acme.example"},
		},
		requests: []demoRequest{
			{
				title:       "Printer offline on the shop floor",
				description: "The big HP printer by the packing station shows as offline on every PC. Pick lists can't be printed.",
				urgency:     models.UrgencyNormal, requester: 1, assignee: demoSam, age: 52 * demoDay,
				steps: []demoStep{
					demoReply(25*demoMinute, demoSam, "Thanks Marcus. I can see the printer dropped off the network this morning. I'm connecting to it remotely now."),
					demoSetStatus(30*demoMinute, demoSam, models.StatusInProgress),
					demoAsk(1*demoHour, 1, "The panel says Ready, but nothing prints from the packing station PCs."),
					demoLogTime(2*demoHour, demoSam, 45, "Reserved a fixed address for the printer, cleared the queue on PRINT01"),
					demoReply(2*demoHour+10*demoMinute, demoSam, "The printer picked up a new address after last night's switch restart. It now has a reserved address and the queue is cleared. Could you print a test page?"),
					demoAsk(2*demoHour+40*demoMinute, 1, "Test page came out fine. Thanks!"),
					demoSetStatus(3*demoHour, demoSam, models.StatusCompleted),
				},
			},
			{
				title:       "New starter laptop for Jenna Ortiz",
				description: "Jenna starts on the 1st. She needs a laptop, an e-mail account and access to the shared drives.",
				urgency:     models.UrgencyLow, requester: 0, assignee: demoPriya, age: 45 * demoDay,
				steps: []demoStep{
					demoReply(1*demoHour, demoPriya, "Happy to set this up. Which team is Jenna joining, and does she need the CAD software?"),
					demoSetStatus(1*demoHour+5*demoMinute, demoPriya, models.StatusWaiting),
					demoAsk(3*demoHour, 0, "She's in Purchasing, so no CAD. Office, the ERP client and a second monitor please."),
					demoSetStatus(3*demoHour+10*demoMinute, demoPriya, models.StatusInProgress),
					demoLogTime(20*demoHour, demoPriya, 120, "Imaged ThinkPad T14, enrolled in Intune, installed the ERP client"),
					demoReply(21*demoHour, demoPriya, "The laptop is ready and on your desk, with a welcome sheet holding Jenna's first-day password."),
					demoSetStatus(21*demoHour+30*demoMinute, demoPriya, models.StatusCompleted),
				},
			},
			{
				title:       "Shared mailbox orders@ bouncing external e-mail",
				description: "Customers say their orders to orders@acme.example bounce back with an error. Started yesterday afternoon.",
				urgency:     models.UrgencyNormal, requester: 2, assignee: demoSam, age: 38 * demoDay,
				steps: []demoStep{
					demoReply(3*demoHour, demoSam, "We're on it. The bounce message says the mailbox is over its size limit."),
					demoSetStatus(3*demoHour+5*demoMinute, demoSam, models.StatusInProgress),
					demoNote(5*demoHour, demoSam, "Mailbox is at 49.5 of 50 GB. Archiving needs an Exchange Online Plan 2 licence: check with Alex before we quote."),
					// The licence question took a week: this one missed its
					// resolution target (any 7 days hold at least 5 working days).
					demoAsk(4*demoDay, 2, "Customers are still telling us their orders bounce. Any update?"),
					demoLogTime(7*demoDay-2*demoHour, demoSam, 90, "Enabled online archive, applied retention policy, watched mailbox size"),
					demoReply(7*demoDay-demoHour, demoSam, "We've turned on the online archive and moved mail older than two years into it. The mailbox has room again and new orders are arriving."),
					demoSetStatus(7*demoDay, demoSam, models.StatusCompleted),
				},
			},
			{
				title:       "VPN drops every 20 minutes when working from home",
				description: "Since I got a new router at home the VPN disconnects about every 20 minutes and I lose my ERP session.",
				urgency:     models.UrgencyHigh, requester: 1, assignee: demoSam, age: 24 * demoDay,
				steps: []demoStep{
					demoReply(40*demoMinute, demoSam, "Sorry about that. Are you using FortiClient on the laptop, and which router did the provider send?"),
					demoSetStatus(45*demoMinute, demoSam, models.StatusWaiting),
					demoAsk(2*demoHour, 1, "Yes, FortiClient. It's the new fibre router from the provider."),
					demoSetStatus(2*demoHour+5*demoMinute, demoSam, models.StatusInProgress),
					demoLogTime(3*demoHour, demoSam, 60, "Reviewed FortiGate logs: dead-peer timeouts on the SSL VPN"),
					demoReply(3*demoHour+30*demoMinute, demoSam, "The new router drops idle connections. I've switched your VPN profile to a setting it keeps open. Please reconnect and tell us if it holds."),
					demoAsk(5*demoHour, 1, "Held for the last hour without a drop. Looks fixed."),
					demoSetStatus(5*demoHour+15*demoMinute, demoSam, models.StatusCompleted),
				},
			},
			{
				title:       "Microsoft 365 licence for a new sales rep",
				description: "Please set up a Microsoft 365 licence for Tom Baker, who joins sales next week.",
				urgency:     models.UrgencyLow, requester: 0, assignee: demoPriya, age: 16 * demoDay,
				steps: []demoStep{
					demoReply(2*demoHour, demoPriya, "Business Premium or Business Standard? The rest of sales are on Premium."),
					demoAsk(2*demoHour+30*demoMinute, 0, "Premium please, same as the rest of sales."),
					demoSetStatus(2*demoHour+35*demoMinute, demoPriya, models.StatusInProgress),
					demoLogTime(3*demoHour, demoPriya, 15, "Assigned Business Premium, added to the Sales group"),
					demoReply(3*demoHour+5*demoMinute, demoPriya, "Done. The licence is assigned and the account is in the Sales group; mail will appear in Outlook within the hour."),
					demoSetStatus(3*demoHour+10*demoMinute, demoPriya, models.StatusCompleted),
				},
			},
			{
				title:       "Monthly patching window for production servers",
				description: "Please confirm this month's patching of the production servers and let us know about any downtime.",
				urgency:     models.UrgencyNormal, requester: 0, assignee: demoSam, age: 9 * demoDay,
				steps: []demoStep{
					demoReply(30*demoMinute, demoSam, "Confirmed for this weekend's maintenance window. We'll patch FILESRV01, ERP01 and both remote desktop hosts."),
					demoSetStatus(35*demoMinute, demoSam, models.StatusInProgress),
					demoNote(1*demoHour, demoSam, "ERP01 needs the vendor hotfix installed before the cumulative update: download it beforehand."),
					demoLogTime(20*demoHour, demoSam, 180, "Patched FILESRV01, ERP01, RDS01 and RDS02; restarts and service checks"),
					demoReply(20*demoHour+10*demoMinute, demoSam, "All four servers are patched and back up. ERP and the file shares are checked and working."),
					demoAsk(20*demoHour+12*demoMinute, 0, "Great, thank you."),
					demoSetStatus(20*demoHour+15*demoMinute, demoSam, models.StatusCompleted),
				},
			},
			{
				title:       "Firewall rule change for CNC supplier remote access",
				description: "Our CNC supplier needs remote access to the Haas controller to update its software.",
				urgency:     models.UrgencyNormal, requester: 1, assignee: demoSam, age: 3 * demoDay,
				steps: []demoStep{
					demoReply(1*demoHour, demoSam, "We can do this. We need the supplier's fixed public IP address and which machines they must reach."),
					demoSetStatus(1*demoHour+2*demoMinute, demoSam, models.StatusWaiting),
					demoAsk(24*demoHour, 1, "Their IP is 203.0.113.45 and they only need the Haas controller at 10.20.5.14 on port 443."),
					demoSetStatus(24*demoHour+10*demoMinute, demoSam, models.StatusInProgress),
					demoLogTime(26*demoHour, demoSam, 30, "Drafted firewall policy and address objects"),
					demoReply(26*demoHour+10*demoMinute, demoSam, "The rule is ready, limited to that one address and machine. We need Dana's written approval before we switch it on."),
					demoSetStatus(26*demoHour+15*demoMinute, demoSam, models.StatusWaiting),
				},
			},
			{
				title:       "Outlook keeps asking for my password",
				description: "Outlook on my laptop asks for my password several times a day. Typing it in works, but it keeps coming back.",
				urgency:     models.UrgencyNormal, requester: 2, assignee: demoSam, ageOf: demoClockResolution, factor: 0.8,
				steps: []demoStep{
					demoReply(30*demoMinute, demoSam, "Is it only on your laptop, or on your phone as well?"),
					demoAsk(50*demoMinute, 2, "Only the laptop. My phone is fine."),
					demoSetStatus(55*demoMinute, demoSam, models.StatusInProgress),
					demoLogTime(2*demoHour, demoSam, 30, "Cleared cached credentials, reset the Office sign-in"),
					demoReply(2*demoHour+5*demoMinute, demoSam, "I've cleared the saved sign-in. If it asks again, please sign out of Office and back in, and let us know."),
					demoAsk(18*demoHour, 2, "It asked again this morning, twice."),
				},
			},
			{
				title:       "Label printer driver for the packing station",
				description: "We got a new label printer for PACK-02 but Windows can't find a driver for it.",
				urgency:     models.UrgencyLow, requester: 1, assignee: demoPriya, age: 20 * demoHour,
				steps: []demoStep{
					demoReply(2*demoHour, demoPriya, "Which model is it? A photo of the sticker on the back helps."),
					demoAsk(2*demoHour+20*demoMinute, 1, "It's a Zebra ZD421."),
					demoSetStatus(2*demoHour+30*demoMinute, demoPriya, models.StatusInProgress),
					demoLogTime(4*demoHour, demoPriya, 30, "Downloaded the ZDesigner driver, test print from PACK-02"),
					demoReply(4*demoHour+5*demoMinute, demoPriya, "The driver is installed and a test label printed. I'll check the label template with you tomorrow."),
				},
			},
			{
				title:       "Quote for replacing the reception PC",
				description: "The reception PC is six years old and very slow. Could you send us a quote for a replacement?",
				urgency:     models.UrgencyLow, requester: 2, assignee: demoNoAssignee, age: 5 * demoHour,
			},
			{
				title:       "Backup failure alert: FILESRV01 nightly job",
				description: "We got the automatic e-mail this morning saying last night's backup of FILESRV01 failed with \"VSS snapshot timed out\".",
				urgency:     models.UrgencyCritical, requester: 0, assignee: demoNoAssignee, age: 45 * demoMinute, ageOf: demoClockResponse, factor: 3,
			},
		},
	},
	{
		name: "Globex Logistics", slug: "globex", prefix: "GLBX", timezone: "Europe/London",
		contact: "helpdesk@globex.example", includedHours: 20, ownPolicy: true, topUpHours: 10,
		users: []demoPerson{
			{name: "Hannah Price", email: "hannah.price@globex.example"},
			{name: "Tom Okafor", email: "tom.okafor@globex.example"},
			{name: "Emily Clarke", email: "emily.clarke@globex.example"},
		},
		requests: []demoRequest{
			{
				title:       "Warehouse handheld scanners can't reach the WMS",
				description: "None of the handheld scanners can log in to the warehouse system. Dispatch has stopped.",
				urgency:     models.UrgencyCritical, requester: 1, assignee: demoSam, age: 50 * demoDay,
				steps: []demoStep{
					demoReply(8*demoMinute, demoSam, "On it. Is it every scanner, or only the ones in bay C?"),
					demoSetStatus(10*demoMinute, demoSam, models.StatusInProgress),
					demoAsk(15*demoMinute, 1, "All of them. Nothing is going out."),
					demoLogTime(70*demoMinute, demoSam, 75, "Found expired TLS certificate on the WMS server, renewed and restarted the service"),
					demoReply(75*demoMinute, demoSam, "The WMS server's certificate expired overnight, so the scanners refused to connect. It's renewed and the scanners are reconnecting now."),
					demoAsk(85*demoMinute, 1, "Confirmed, we're picking again. Thanks!"),
					demoSetStatus(90*demoMinute, demoSam, models.StatusCompleted),
				},
			},
			{
				title:       "Accounts for two seasonal warehouse staff",
				description: "Two seasonal workers start on Monday and need logins.",
				urgency:     models.UrgencyNormal, requester: 2, assignee: demoPriya, age: 40 * demoDay,
				steps: []demoStep{
					demoReply(45*demoMinute, demoPriya, "Can you send their names? Do they need e-mail, or just a scanner login?"),
					demoSetStatus(50*demoMinute, demoPriya, models.StatusWaiting),
					demoAsk(2*demoHour, 2, "Kofi Mensah and Ana Silva. Scanner login and the payslip portal only, no mailbox."),
					demoSetStatus(2*demoHour+5*demoMinute, demoPriya, models.StatusInProgress),
					demoLogTime(3*demoHour, demoPriya, 40, "Created directory accounts, WMS users and F1 licences"),
					demoReply(3*demoHour+10*demoMinute, demoPriya, "Both accounts are ready. Their first-day passwords are in sealed envelopes at reception."),
					demoSetStatus(3*demoHour+15*demoMinute, demoPriya, models.StatusCompleted),
				},
			},
			{
				title:       "Replace failed disk in the warehouse NAS",
				description: "The NAS in the comms room is beeping and shows an amber light on one drive.",
				urgency:     models.UrgencyHigh, requester: 1, assignee: demoSam, age: 33 * demoDay,
				steps: []demoStep{
					demoReply(20*demoMinute, demoSam, "The NAS reports drive 3 failed. The array is degraded but your data is safe. We have a spare and can swap it today."),
					demoSetStatus(25*demoMinute, demoSam, models.StatusInProgress),
					demoLogTime(150*demoMinute, demoSam, 60, "Hot-swapped drive 3, started RAID rebuild"),
					demoReply(160*demoMinute, demoSam, "Drive swapped and the rebuild is running. It takes about eight hours and the NAS stays usable meanwhile."),
					demoAsk(3*demoHour, 1, "Great, thanks for the quick turnaround."),
					demoSetStatus(3*demoHour+20*demoMinute, demoSam, models.StatusCompleted),
				},
			},
			{
				title:       "Teams calls dropping in the Manchester office",
				description: "Calls on Teams from the Manchester office keep freezing and dropping, mostly in the afternoon.",
				urgency:     models.UrgencyNormal, requester: 0, assignee: demoSam, age: 19 * demoDay,
				steps: []demoStep{
					demoReply(35*demoMinute, demoSam, "Thanks Hannah. Afternoon is when the backups to head office run; we'll check the line usage."),
					demoSetStatus(40*demoMinute, demoSam, models.StatusInProgress),
					demoLogTime(3*demoHour, demoSam, 90, "Enabled QoS on the switches and firewall, DSCP tagging for Teams"),
					demoReply(3*demoHour+10*demoMinute, demoSam, "Teams traffic now has priority over the backups on the office line. Calls should stay clear even while backups run."),
					demoAsk(5*demoHour, 0, "Calls this afternoon were crystal clear."),
					demoSetStatus(5*demoHour+10*demoMinute, demoSam, models.StatusCompleted),
				},
			},
			{
				title:       "Shared calendar permissions for the dispatch team",
				description: "The dispatch team can see the Dispatch calendar but can't add bookings to it.",
				urgency:     models.UrgencyLow, requester: 1, assignee: demoPriya, age: 11 * demoDay,
				steps: []demoStep{
					demoReply(1*demoHour, demoPriya, "I'll give the dispatch group editing rights on the calendar."),
					demoSetStatus(65*demoMinute, demoPriya, models.StatusInProgress),
					demoLogTime(90*demoMinute, demoPriya, 20, "Granted Editor on the Dispatch calendar to the dispatch group"),
					demoReply(95*demoMinute, demoPriya, "Done. It can take a few minutes to show up in Outlook."),
					demoAsk(2*demoHour, 1, "Working now, thank you."),
					demoSetStatus(2*demoHour+5*demoMinute, demoPriya, models.StatusCompleted),
				},
			},
			{
				title:       "Replace core switch in the warehouse comms room",
				description: "Following the last network review, please go ahead with replacing the core switch in the warehouse.",
				urgency:     models.UrgencyNormal, requester: 0, assignee: demoSam, age: 13 * demoDay,
				steps: []demoStep{
					demoReply(1*demoHour, demoSam, "We'll quote for a pair of Aruba CX switches and plan the swap for an evening."),
					demoSetStatus(65*demoMinute, demoSam, models.StatusWaiting),
					demoAsk(24*demoHour, 0, "Quote approved, the purchase order is on its way by e-mail."),
					demoSetStatus(24*demoHour+5*demoMinute, demoSam, models.StatusInProgress),
					demoLogTime(25*demoHour+50*demoMinute, demoSam, 120, "Pre-staged switch configuration"),
					demoReply(26*demoHour, demoSam, "The switches are configured. Which evening this week is the warehouse quiet enough for the swap?"),
					demoSetStatus(26*demoHour+5*demoMinute, demoSam, models.StatusWaiting),
					demoAsk(3*demoDay, 0, "Any evening after 19:00 works."),
					demoSetStatus(3*demoDay+2*demoHour, demoSam, models.StatusInProgress),
					demoLogTime(3*demoDay+8*demoHour, demoSam, 240, "On-site switch swap, patching, VLAN checks"),
					demoLogTime(3*demoDay+8*demoHour+5*demoMinute, demoPriya, 180, "On-site assist: patching and scanner re-tests"),
					demoReply(3*demoDay+8*demoHour+30*demoMinute, demoSam, "The new switches are in and every scanner, printer and access point is back online."),
					demoSetStatus(3*demoDay+9*demoHour, demoSam, models.StatusCompleted),
				},
			},
			{
				title:       "Suspicious sign-in alert on Hannah's account",
				description: "I got an alert about a sign-in to my account from Lisbon. That wasn't me.",
				urgency:     models.UrgencyCritical, requester: 0, assignee: demoSam, age: 2 * demoDay,
				steps: []demoStep{
					demoReply(6*demoMinute, demoSam, "We've blocked sign-in on the account while we check. Please don't approve any MFA prompts."),
					demoSetStatus(7*demoMinute, demoSam, models.StatusInProgress),
					demoAsk(10*demoMinute, 0, "Understood, I'm in London. Please keep it locked."),
					demoLogTime(50*demoMinute, demoSam, 45, "Revoked sessions, reset password, reviewed audit log, enforced MFA"),
					demoNote(55*demoMinute, demoSam, "Token theft via a phishing link; no mailbox rules were created. Recommend conditional access for the exec group: raise at the next review."),
					demoReply(60*demoMinute, demoSam, "Your sessions are revoked and the password is reset. Nothing was changed in your mailbox. Please use the new password we phoned through and set up MFA again."),
					demoSetStatus(65*demoMinute, demoSam, models.StatusCompleted),
				},
			},
			{
				title:       "Driver tablets stuck on an old route app version",
				description: "Half of the driver tablets still run last month's route app and show the wrong delivery windows.",
				urgency:     models.UrgencyNormal, requester: 0, assignee: demoPriya, age: 4 * demoDay,
				steps: []demoStep{
					demoReply(50*demoMinute, demoPriya, "We can push the update through Intune. Is it OK to do it during the day, or should we wait until the vans are back?"),
					demoSetStatus(55*demoMinute, demoPriya, models.StatusWaiting),
					demoAsk(24*demoHour, 0, "Let me check with the transport manager and come back to you."),
				},
			},
			{
				title:       "Wi-Fi dead spot in loading bay 4",
				description: "Scanners lose Wi-Fi at loading bay 4, so loads can't be confirmed there.",
				urgency:     models.UrgencyHigh, requester: 1, assignee: demoSam, ageOf: demoClockResolution, factor: 0.85,
				steps: []demoStep{
					demoReply(12*demoMinute, demoSam, "We'll look at the wireless controller's coverage map now."),
					demoSetStatus(15*demoMinute, demoSam, models.StatusInProgress),
					demoNote(40*demoMinute, demoSam, "The access point by bay 4 rebooted 300+ times this week: probably a failing PoE injector. Spare is in the van."),
					demoLogTime(90*demoMinute, demoSam, 60, "Remote diagnosis on the wireless controller, scheduled site visit"),
					demoReply(100*demoMinute, demoSam, "The access point by bay 4 keeps restarting. An engineer is on the way with a replacement power injector."),
					demoAsk(2*demoHour, 1, "Thanks. Drivers are using paper dockets until then."),
				},
			},
			{
				title:       "Printer offline at reception",
				description: "The reception printer shows offline and the display says paper jam, but there is no paper stuck.",
				urgency:     models.UrgencyLow, requester: 2, assignee: demoPriya, age: 6 * demoHour,
				steps: []demoStep{
					demoReply(40*demoMinute, demoPriya, "Let's try a few things together. I'll call you in five minutes."),
					demoSetStatus(45*demoMinute, demoPriya, models.StatusInProgress),
					demoLogTime(90*demoMinute, demoPriya, 25, "Guided paper path check by phone, replaced toner"),
					demoReply(95*demoMinute, demoPriya, "It's printing again. The jam sensor is flaky, so I've asked the leasing company for a service visit."),
					demoAsk(2*demoHour, 2, "Thanks, I'll let you know when they've been."),
				},
			},
			{
				title:       "Invoice PDF export fails in Sage",
				description: "Exporting invoices to PDF in Sage gives \"Unable to create file\". Other users have the same problem.",
				urgency:     models.UrgencyNormal, requester: 2, assignee: demoNoAssignee, age: 35 * demoMinute,
			},
		},
	},
	{
		name: "Initech Software", slug: "initech", prefix: "INIT", timezone: "Europe/Berlin",
		contact: "office@initech.example", includedHours: 10, overage: true,
		users: []demoPerson{
			{name: "Jonas Weber", email: "jonas.weber@initech.example"},
			{name: "Lena Fischer", email: "lena.fischer@initech.example"},
		},
		requests: []demoRequest{
			{
				title:       "Developer laptops need more RAM",
				description: "Our developers' laptops run out of memory with Docker and the IDE open. Can we upgrade them to 32 GB?",
				urgency:     models.UrgencyLow, requester: 0, assignee: demoPriya, age: 48 * demoDay,
				steps: []demoStep{
					demoReply(3*demoHour, demoPriya, "Five of the eight laptops take a second memory module. I'll order the modules and fit them on site."),
					demoSetStatus(3*demoHour+5*demoMinute, demoPriya, models.StatusInProgress),
					demoLogTime(24*demoHour, demoPriya, 90, "Fitted 16 GB modules in five laptops, memory tests"),
					demoReply(25*demoHour, demoPriya, "Five laptops now have 32 GB. The other three have soldered memory and would need replacing; I'll send a quote separately."),
					demoAsk(26*demoHour, 0, "Thanks, that already helps a lot."),
					demoSetStatus(26*demoHour+10*demoMinute, demoPriya, models.StatusCompleted),
				},
			},
			{
				title:       "Build server out of disk space",
				description: "The CI builds fail with \"no space left on device\" on the build server.",
				urgency:     models.UrgencyHigh, requester: 0, assignee: demoSam, age: 30 * demoDay,
				steps: []demoStep{
					demoReply(25*demoMinute, demoSam, "Looking now. The Docker image cache has grown to 400 GB."),
					demoSetStatus(30*demoMinute, demoSam, models.StatusInProgress),
					demoLogTime(2*demoHour, demoSam, 60, "Extended the volume, pruned Docker images, added a nightly prune job"),
					demoReply(2*demoHour+10*demoMinute, demoSam, "Builds are running again. The disk has 300 GB free and old images are now cleaned up every night."),
					demoAsk(2*demoHour+15*demoMinute, 0, "Pipeline is green again, thanks."),
					demoSetStatus(2*demoHour+20*demoMinute, demoSam, models.StatusCompleted),
				},
			},
			{
				title:       "GitHub single sign-on broken after Entra ID change",
				description: "Nobody can sign in to GitHub through single sign-on since this morning. We can't merge anything.",
				urgency:     models.UrgencyCritical, requester: 0, assignee: demoSam, age: 22 * demoDay,
				steps: []demoStep{
					demoReply(10*demoMinute, demoSam, "We're on it. Yesterday's change to the Entra ID app registrations looks like the cause."),
					demoSetStatus(12*demoMinute, demoSam, models.StatusInProgress),
					demoLogTime(90*demoMinute, demoSam, 90, "Restored the SAML signing certificate on the GitHub enterprise app, tested sign-in"),
					demoReply(95*demoMinute, demoSam, "Single sign-on works again: the GitHub app's signing certificate had been rotated without updating GitHub. Please try now."),
					demoAsk(110*demoMinute, 0, "Works for everyone here. Thanks."),
					demoSetStatus(2*demoHour, demoSam, models.StatusCompleted),
				},
			},
			{
				title:       "Office move: network and desks for six new seats",
				description: "We're taking over the room next door. Six desks need network, power checks and docking stations.",
				urgency:     models.UrgencyNormal, requester: 1, assignee: demoPriya, age: 12 * demoDay,
				steps: []demoStep{
					demoReply(2*demoHour, demoPriya, "Happy to plan this. Could you send us the floor plan with the desk positions?"),
					demoSetStatus(2*demoHour+5*demoMinute, demoPriya, models.StatusWaiting),
					demoAsk(24*demoHour, 1, "Floor plan is attached to the e-mail I just sent."),
					demoSetStatus(24*demoHour+5*demoMinute, demoPriya, models.StatusInProgress),
					demoLogTime(27*demoHour, demoPriya, 240, "Site survey, cabling plan, ordered docks and patch leads"),
					demoLogTime(31*demoHour, demoPriya, 180, "Patched six desk ports, configured VLANs, set up docks"),
					demoReply(32*demoHour, demoPriya, "Four desks are fully working. For the last two, please confirm where they go once the furniture has arrived."),
					demoSetStatus(32*demoHour+10*demoMinute, demoPriya, models.StatusWaiting),
					demoAsk(5*demoDay, 1, "The furniture arrives next week, we'll confirm then."),
				},
			},
			{
				title:       "Onboard two working students",
				description: "Two working students start on Monday: they need laptops, accounts and access to Jira and GitHub.",
				urgency:     models.UrgencyLow, requester: 1, assignee: demoPriya, age: 7 * demoDay,
				steps: []demoStep{
					demoReply(1*demoHour, demoPriya, "On it. Do they need admin rights on their laptops?"),
					demoAsk(90*demoMinute, 1, "No admin rights, standard developer setup otherwise."),
					demoSetStatus(95*demoMinute, demoPriya, models.StatusInProgress),
					demoLogTime(20*demoHour, demoPriya, 150, "Imaged two laptops, accounts, Jira and GitHub seats"),
					demoReply(21*demoHour, demoPriya, "Both laptops and accounts are ready. Sign-in details are with Lena."),
					demoSetStatus(21*demoHour+10*demoMinute, demoPriya, models.StatusCompleted),
				},
			},
			{
				title:       "VPN drops for remote developers",
				description: "Developers working from home lose the VPN several times a day, always after a few hours connected.",
				urgency:     models.UrgencyHigh, requester: 0, assignee: demoSam, age: 14 * demoHour, ageOf: demoClockResolution, factor: 1.75,
				steps: []demoStep{
					demoReply(30*demoMinute, demoSam, "Thanks Jonas. Does it happen to everyone at the same time, or to each person separately?"),
					demoSetStatus(35*demoMinute, demoSam, models.StatusInProgress),
					demoLogTime(2*demoHour, demoSam, 90, "Captured IKE logs from the firewall and two clients"),
					demoNote(3*demoHour, demoSam, "Rekey fails every 8 hours on clients behind carrier-grade NAT. Try IKEv2 with a shorter lifetime before opening a case with the vendor."),
					demoReply(3*demoHour+10*demoMinute, demoSam, "We found the connection fails when it renews its keys. We're testing a changed VPN profile on two laptops."),
					demoAsk(10*demoHour, 0, "Still dropping for the Berlin team this morning."),
					demoLogTime(12*demoHour, demoSam, 120, "Tested IKEv2 profile with adjusted lifetimes on two devices"),
				},
			},
			{
				title:       "Firewall rule change: open a port for the staging webhook",
				description: "Our payment provider needs to reach staging.initech.example on port 8443 for webhooks.",
				urgency:     models.UrgencyNormal, requester: 0, assignee: demoSam, age: 6 * demoHour,
				steps: []demoStep{
					demoReply(45*demoMinute, demoSam, "We'll only allow the provider's published address ranges. Do you have their list?"),
					demoSetStatus(50*demoMinute, demoSam, models.StatusInProgress),
					demoAsk(90*demoMinute, 0, "Here: they publish them at their developer docs, section \"Webhook IPs\"."),
					demoLogTime(2*demoHour, demoSam, 45, "Created address group and NAT rule, change scheduled for tonight"),
				},
			},
			{
				title:       "Monitor flickering on Lena's desk",
				description: "My left monitor flickers every few seconds. I tried another cable already.",
				urgency:     models.UrgencyLow, requester: 1, assignee: demoNoAssignee, age: 2 * demoHour,
			},
		},
	},
}

// --- Loading ----------------------------------------------------------------

type demoLoader struct {
	tx   bun.Tx
	now  time.Time
	hash string

	staff []models.User

	requests []models.Request   // all demo requests
	messages []demoPendingRow   // messages with the index of their request
	entries  []demoPendingEntry // time entries with the index of their request
	events   []demoPendingEvent // activity with the index of its request (or -1)
}

type demoPendingRow struct {
	req int
	msg models.Message
}

type demoPendingEntry struct {
	req   int
	entry models.TimeEntry
}

type demoPendingEvent struct {
	req   int
	event models.ActivityEvent
}

func (l *demoLoader) load(ctx context.Context) error {
	now := l.now
	if err := l.ensureWorkspace(ctx); err != nil {
		return err
	}
	defaultPolicy, err := l.defaultPolicy(ctx)
	if err != nil {
		return err
	}
	defaultTargets, err := l.targets(ctx, defaultPolicy.ID)
	if err != nil {
		return err
	}

	// Staff.
	staffSince := now.Add(-90 * demoDay)
	for _, s := range demoStaff {
		l.staff = append(l.staff, l.newUser(s.role, nil, s.name, s.email, "password", staffSince))
	}
	if _, err := l.tx.NewInsert().Model(&l.staff).Exec(ctx); err != nil {
		return fmt.Errorf("demo: create demo staff: %w", err)
	}

	// Clients, with the premium policy where one is wanted.
	clientSince := now.Add(-75 * demoDay)
	clients := make([]models.Client, len(demoClients))
	policies := make([]*models.SLAPolicy, len(demoClients))
	targets := make([]map[string]models.SLATarget, len(demoClients))
	for i := range demoClients {
		dc := &demoClients[i]
		policies[i], targets[i] = defaultPolicy, defaultTargets
		var policyID *int64
		if dc.ownPolicy {
			p, t, err := l.premiumPolicy(ctx, dc)
			if err != nil {
				return err
			}
			policies[i], targets[i] = p, t
			policyID = &p.ID
		}
		slug, err := l.freeSlug(ctx, dc.slug)
		if err != nil {
			return err
		}
		clients[i] = models.Client{Name: dc.name, Slug: slug, RequestPrefix: dc.prefix, Timezone: dc.timezone,
			ContactEmail: dc.contact, SLAPolicyID: policyID, MonthlyIncludedMinutes: dc.includedHours * 60,
			NextRequestNumber: len(dc.requests) + 1, CreatedAt: clientSince, UpdatedAt: clientSince}
	}
	if _, err := l.tx.NewInsert().Model(&clients).Exec(ctx); err != nil {
		return fmt.Errorf("demo: create demo clients: %w", err)
	}

	// Client users.
	var users []models.User
	userStart := make([]int, len(demoClients))
	for i, dc := range demoClients {
		userStart[i] = len(users)
		for j, u := range dc.users {
			since := clientSince.Add(time.Duration(j+1) * demoDay)
			users = append(users, l.newUser(models.RoleClient, &clients[i].ID, u.name, u.email, "invite", since))
		}
	}
	if _, err := l.tx.NewInsert().Model(&users).Exec(ctx); err != nil {
		return fmt.Errorf("demo: create demo client users: %w", err)
	}

	// Requests and everything that happens on them, with clocks run by the
	// real SLA engine on each client's policy calendar.
	book, err := models.LoadSLABook(ctx, l.tx)
	if err != nil {
		return err
	}
	for i := range demoClients {
		policy := book.For(&clients[i])
		dc := &demoClients[i]
		specs := make([]*demoRequest, len(dc.requests))
		for j := range dc.requests {
			specs[j] = &dc.requests[j]
		}
		// Numbered in the order they were submitted.
		ages := make([]time.Duration, len(specs))
		for j, s := range specs {
			ages[j] = demoAge(s, targets[i], policy.Cal(), now)
		}
		order := make([]int, len(specs))
		for j := range order {
			order[j] = j
		}
		sort.SliceStable(order, func(a, b int) bool { return ages[order[a]] > ages[order[b]] })
		version, err := l.recordPolicyVersion(ctx, policy)
		if err != nil {
			return err
		}
		for n, j := range order {
			l.addRequest(&clients[i], users[userStart[i]:userStart[i]+len(dc.users)], specs[j], n+1,
				ages[j], targets[i], policy)
			l.requests[len(l.requests)-1].SLAPolicyVersionID = version // policy_versions.go
		}
	}

	// Hour bank: this month and last month for every client.
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	prevStart := monthStart.AddDate(0, -1, 0)
	nextStart := monthStart.AddDate(0, 1, 0)
	var periods []models.HourBankPeriod
	for i := range clients {
		periods = append(periods,
			models.HourBankPeriod{ClientID: clients[i].ID, StartsOn: prevStart, EndsOn: monthStart,
				IncludedMinutes: clients[i].MonthlyIncludedMinutes, CreatedAt: prevStart},
			models.HourBankPeriod{ClientID: clients[i].ID, StartsOn: monthStart, EndsOn: nextStart,
				IncludedMinutes: clients[i].MonthlyIncludedMinutes, CreatedAt: monthStart})
	}
	if _, err := l.tx.NewInsert().Model(&periods).Exec(ctx); err != nil {
		return fmt.Errorf("demo: create demo hour bank periods: %w", err)
	}
	purchased := make(map[int64]int) // this month's minutes per client
	var purchases []models.HourPurchase
	for i, dc := range demoClients {
		cur := periods[2*i+1]
		purchased[clients[i].ID] = cur.IncludedMinutes
		if dc.topUpHours == 0 {
			continue
		}
		at := demoLatest(now.Add(-5*demoDay), monthStart)
		purchases = append(purchases, models.HourPurchase{ClientID: clients[i].ID, PeriodID: &cur.ID,
			Minutes: dc.topUpHours * 60, PurchasedOn: models.LocalDate(at, time.UTC), Reference: "INV-DEMO-" + clients[i].RequestPrefix,
			Note:      fmt.Sprintf("Top-up block: %d hours", dc.topUpHours),
			CreatedBy: &l.staff[demoAdmin].ID, CreatedAt: at, UpdatedAt: at})
		purchased[clients[i].ID] += dc.topUpHours * 60
	}
	if len(purchases) > 0 {
		if _, err := l.tx.NewInsert().Model(&purchases).Exec(ctx); err != nil {
			return fmt.Errorf("demo: create demo hour purchases: %w", err)
		}
	}

	// Time entries count only inside the two periods; the client meant to be
	// in overage gets extra work logged today if the script fell short (early
	// in a month).
	var kept []demoPendingEntry
	for _, e := range l.entries {
		if !e.entry.WorkDate.Before(prevStart) {
			kept = append(kept, e)
		}
	}
	l.entries = kept
	for i, dc := range demoClients {
		if dc.overage {
			l.forceOverage(&clients[i], monthStart, purchased[clients[i].ID])
		}
	}

	// Write requests, then messages and time entries in time order.
	sort.SliceStable(l.messages, func(a, b int) bool { return l.messages[a].msg.CreatedAt.Before(l.messages[b].msg.CreatedAt) })
	sort.SliceStable(l.entries, func(a, b int) bool { return l.entries[a].entry.CreatedAt.Before(l.entries[b].entry.CreatedAt) })
	sort.SliceStable(l.events, func(a, b int) bool { return l.events[a].event.CreatedAt.Before(l.events[b].event.CreatedAt) })

	reqOrder := make([]int, len(l.requests))
	for i := range reqOrder {
		reqOrder[i] = i
	}
	sort.SliceStable(reqOrder, func(a, b int) bool {
		return l.requests[reqOrder[a]].CreatedAt.Before(l.requests[reqOrder[b]].CreatedAt)
	})
	sorted := make([]models.Request, len(l.requests))
	for i, j := range reqOrder {
		sorted[i] = l.requests[j]
	}
	if _, err := l.tx.NewInsert().Model(&sorted).Exec(ctx); err != nil {
		return fmt.Errorf("demo: create demo requests: %w", err)
	}
	reqID := make([]int64, len(l.requests))
	for i, j := range reqOrder {
		if sorted[i].ID == 0 {
			return fmt.Errorf("demo: create demo requests: no id returned")
		}
		reqID[j] = sorted[i].ID
	}

	msgs := make([]models.Message, len(l.messages))
	for i, m := range l.messages {
		msgs[i] = m.msg
		msgs[i].RequestID = reqID[m.req]
	}
	if len(msgs) > 0 {
		if _, err := l.tx.NewInsert().Model(&msgs).Exec(ctx); err != nil {
			return fmt.Errorf("demo: create demo messages: %w", err)
		}
	}
	entries := make([]models.TimeEntry, len(l.entries))
	for i, e := range l.entries {
		entries[i] = e.entry
		entries[i].RequestID = reqID[e.req]
	}
	if len(entries) > 0 {
		if _, err := l.tx.NewInsert().Model(&entries).Exec(ctx); err != nil {
			return fmt.Errorf("demo: create demo time entries: %w", err)
		}
	}

	// Activity last, oldest first, so event ids grow with time.
	for _, pe := range l.events {
		e := pe.event
		if pe.req >= 0 {
			e.RequestID = &reqID[pe.req]
		}
		if err := models.RecordEvent(ctx, l.tx, &e); err != nil {
			return err
		}
	}
	return models.DeriveRequestState(ctx, l.tx)
}

// ensureWorkspace creates the MSP's row unless setup already did.
func (l *demoLoader) ensureWorkspace(ctx context.Context) error {
	exists, err := l.tx.NewSelect().Model((*models.Workspace)(nil)).Where("id = 1").Exists(ctx)
	if err != nil {
		return fmt.Errorf("demo: check workspace: %w", err)
	}
	if exists {
		return nil
	}
	since := l.now.Add(-90 * demoDay)
	// Every column is written, so the attachment limits are set as setup
	// sets them (the columns' defaults would not apply).
	w := &models.Workspace{ID: 1, Name: demoWorkspaceName, BrandColor: "#2563eb", SupportEmail: "support@demo.portal",
		ReopenWindowDays: models.DefaultReopenWindowDays, AttachMaxFileBytes: attachments.DefaultMaxFileBytes,
		AttachMaxFiles: attachments.DefaultMaxFiles, AttachBlocked: attachments.DefaultBlocked, CreatedAt: since, UpdatedAt: since}
	if _, err := l.tx.NewInsert().Model(w).Exec(ctx); err != nil {
		return fmt.Errorf("demo: create demo workspace: %w", err)
	}
	return nil
}

// defaultPolicy returns the default SLA policy, creating it when missing.
func (l *demoLoader) defaultPolicy(ctx context.Context) (*models.SLAPolicy, error) {
	p := new(models.SLAPolicy)
	err := l.tx.NewSelect().Model(p).Where("is_default").Limit(1).Scan(ctx)
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("demo: load default SLA policy: %w", err)
	}
	return models.CreateDefaultSLAPolicy(ctx, l.tx)
}

// targets loads a policy's targets by urgency.
func (l *demoLoader) targets(ctx context.Context, policyID int64) (map[string]models.SLATarget, error) {
	var ts []models.SLATarget
	if err := l.tx.NewSelect().Model(&ts).Where("policy_id = ?", policyID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("demo: load SLA targets of policy %d: %w", policyID, err)
	}
	m := make(map[string]models.SLATarget, len(ts))
	for _, t := range ts {
		m[t.Urgency] = t
	}
	// A policy missing an urgency falls back to the standard targets.
	for _, u := range models.Urgencies {
		if _, ok := m[u]; !ok {
			d := models.DefaultSLATarget(u)
			m[u] = models.SLATarget{PolicyID: policyID, Urgency: u, ResponseMinutes: d[0], ResolutionMinutes: d[1]}
		}
	}
	return m, nil
}

// premiumPolicy creates a client's 24x7 calendar and tighter policy.
func (l *demoLoader) premiumPolicy(ctx context.Context, dc *demoClient) (*models.SLAPolicy, map[string]models.SLATarget, error) {
	since := l.now.Add(-75 * demoDay)
	cal := &models.SLACalendar{Name: dc.name + " 24x7", Timezone: dc.timezone, AlwaysOpen: true,
		WorkDays: 127, StartMinute: 0, EndMinute: 24 * 60, CreatedAt: since}
	if _, err := l.tx.NewInsert().Model(cal).Exec(ctx); err != nil {
		return nil, nil, fmt.Errorf("demo: create demo 24x7 calendar: %w", err)
	}
	p := &models.SLAPolicy{Name: dc.name + " 24x7 Premium", CalendarID: cal.ID, WarningPercent: 75,
		CreatedAt: since, UpdatedAt: since}
	if _, err := l.tx.NewInsert().Model(p).Exec(ctx); err != nil {
		return nil, nil, fmt.Errorf("demo: create demo premium SLA policy: %w", err)
	}
	ts := make([]models.SLATarget, 0, len(models.Urgencies))
	m := make(map[string]models.SLATarget, len(models.Urgencies))
	for _, u := range models.Urgencies {
		t := demoPremiumTargets[u]
		st := models.SLATarget{PolicyID: p.ID, Urgency: u, ResponseMinutes: t[0], ResolutionMinutes: t[1]}
		ts = append(ts, st)
		m[u] = st
	}
	if _, err := l.tx.NewInsert().Model(&ts).Exec(ctx); err != nil {
		return nil, nil, fmt.Errorf("demo: create demo premium SLA targets: %w", err)
	}
	return p, m, nil
}

// freeSlug returns slug, or slug-demo when a client already uses it.
func (l *demoLoader) freeSlug(ctx context.Context, slug string) (string, error) {
	for _, s := range []string{slug, slug + "-demo", slug + "-demo-2"} {
		taken, err := l.tx.NewSelect().Model((*models.Client)(nil)).Where("slug = ?", s).Exists(ctx)
		if err != nil {
			return "", fmt.Errorf("demo: check client slug: %w", err)
		}
		if !taken {
			return s, nil
		}
	}
	return "", fmt.Errorf("demo: client slug %q is taken", slug)
}

func (l *demoLoader) newUser(role string, clientID *int64, name, email, method string, since time.Time) models.User {
	hash := l.hash
	return models.User{ClientID: clientID, Role: role, Email: models.NormalizeEmail(email), Name: name,
		PasswordHash: &hash, SignupMethod: method, NotifyEmail: true, NotifyLowBalance: true, CreatedAt: since, UpdatedAt: since}
}

// demoAge is how long ago a request was submitted.
func demoAge(s *demoRequest, targets map[string]models.SLATarget, cal models.BusinessCalendar, now time.Time) time.Duration {
	age := s.age
	if s.ageOf != "" {
		t := targets[s.urgency]
		mins := t.ResolutionMinutes
		if s.ageOf == demoClockResponse {
			mins = t.ResponseMinutes
		}
		// That share of the target in business time, so the clock shows it.
		business := now.Sub(cal.Sub(now, int(s.factor*float64(mins*60))))
		age = max(age, business)
	}
	return max(age, 10*time.Minute)
}

// addRequest plays one request's script: the request row with its SLA
// clocks as of now, its messages, time entries and activity.
func (l *demoLoader) addRequest(c *models.Client, users []models.User, s *demoRequest, number int, age time.Duration,
	targets map[string]models.SLATarget, policy *models.SLAPolicyBundle) {
	now := l.now
	created := now.Add(-age)
	idx := len(l.requests)

	// Squeeze the script into the request's age if a short age (from a
	// policy with small targets) would put steps in the future.
	steps := append([]demoStep(nil), s.steps...)
	if n := len(steps); n > 0 {
		limit := age - 2*time.Minute
		if limit <= 0 {
			limit = age / 2
		}
		if last := steps[n-1].at; last > limit {
			for i := range steps {
				steps[i].at = time.Duration(float64(steps[i].at) * float64(limit) / float64(last)).Truncate(time.Second)
			}
		}
	}

	requester := users[s.requester]
	r := models.Request{ClientID: c.ID, Number: number, Title: s.title, Description: s.description,
		Urgency: s.urgency, Status: models.StatusSubmitted, RequesterID: &requester.ID,
		CreatedAt: created, UpdatedAt: created}
	if s.assignee != demoNoAssignee {
		r.AssigneeID = &l.staff[s.assignee].ID
	}
	l.event(idx, c.ID, &requester.ID, models.EventRequestSubmitted, models.AudiencePublic, "", created)

	cal, warn := policy.Cal(), policy.WarningPercent()
	t := targets[s.urgency]
	clock := models.StartClocks(cal, warn, created, t.ResponseMinutes*60, t.ResolutionMinutes*60)
	for _, st := range steps {
		at := created.Add(st.at)
		r.UpdatedAt = at
		switch st.kind {
		case demoStepAsk:
			author := users[st.who].ID
			l.messages = append(l.messages, demoPendingRow{req: idx, msg: models.Message{ClientID: c.ID, AuthorID: &author, Body: st.text, CreatedAt: at}})
			l.event(idx, c.ID, &author, models.EventMessagePosted, models.AudiencePublic, "", at)
		case demoStepReply:
			author := l.staff[st.who].ID
			l.messages = append(l.messages, demoPendingRow{req: idx, msg: models.Message{ClientID: c.ID, AuthorID: &author, Body: st.text, CreatedAt: at}})
			l.event(idx, c.ID, &author, models.EventMessagePosted, models.AudiencePublic, "", at)
			clock = clock.Apply(cal, warn, models.ClockEvent{Kind: models.ClockStaffReplied, At: at})
		case demoStepNote:
			author := l.staff[st.who].ID
			l.messages = append(l.messages, demoPendingRow{req: idx, msg: models.Message{ClientID: c.ID, AuthorID: &author, Body: st.text, Internal: true, CreatedAt: at}})
			l.event(idx, c.ID, &author, models.EventInternalNote, models.AudienceStaff, "", at)
		case demoStepStatus:
			actor := l.staff[st.who].ID
			clock = clock.Apply(cal, warn, models.ClockEvent{Kind: models.ClockStatusChanged, At: at, Status: st.text})
			l.event(idx, c.ID, &actor, models.EventStatusChanged, models.AudiencePublic, st.text, at)
		case demoStepTime:
			l.logTime(idx, c.ID, l.staff[st.who].ID, st.minutes, st.text, at, at)
		}
	}

	// Bring the clocks up to now (a completed request's are stopped).
	r.SetClock(clock.Apply(cal, warn, models.ClockEvent{Kind: models.ClockTick, At: now}))

	l.requests = append(l.requests, r)
}

// logTime adds a time entry and its activity.
func (l *demoLoader) logTime(req int, clientID, staffID int64, minutes int, what string, at time.Time, workDay time.Time) {
	workDay = workDay.UTC()
	date := time.Date(workDay.Year(), workDay.Month(), workDay.Day(), 0, 0, 0, 0, time.UTC)
	l.entries = append(l.entries, demoPendingEntry{req: req, entry: models.TimeEntry{ClientID: clientID, StaffID: staffID,
		Minutes: minutes, WorkDate: date, Note: what, CreatedAt: at, UpdatedAt: at}})
	l.event(req, clientID, &staffID, models.EventTimeLogged, models.AudiencePublic, demoHours(minutes), at)
}

// forceOverage logs extra work today on the client's in-progress request
// until this month's use exceeds what it bought.
func (l *demoLoader) forceOverage(c *models.Client, monthStart time.Time, purchased int) {
	used := 0
	for _, e := range l.entries {
		if e.entry.ClientID == c.ID && !e.entry.WorkDate.Before(monthStart) {
			used += e.entry.Minutes
		}
	}
	if used > purchased {
		return
	}
	target := -1
	for i, r := range l.requests {
		if r.ClientID != c.ID {
			continue
		}
		if target < 0 || r.Status == models.StatusInProgress && l.requests[target].Status != models.StatusInProgress {
			target = i
		}
	}
	if target < 0 {
		return
	}
	r := l.requests[target]
	staffID := l.staff[demoSam].ID
	if r.AssigneeID != nil {
		staffID = *r.AssigneeID
	}
	at := demoLatest(l.now.Add(-30*time.Minute), monthStart, r.UpdatedAt)
	for used <= purchased {
		mins := min(180, purchased-used+60)
		l.logTime(target, c.ID, staffID, mins, "Out-of-hours troubleshooting and follow-up work", at, l.now)
		used += mins
		if at.Add(time.Minute).Before(l.now) {
			at = at.Add(time.Minute)
		}
	}
}

func (l *demoLoader) event(req int, clientID int64, actor *int64, kind, audience, detail string, at time.Time) {
	e := models.ActivityEvent{ClientID: clientID, ActorID: actor, Kind: kind, Audience: audience, Detail: detail, CreatedAt: at}
	l.events = append(l.events, demoPendingEvent{req: req, event: e})
}

// demoHours shows minutes as hours the way activity lists do, e.g. 90 → "1.5 h".
func demoHours(minutes int) string {
	s := fmt.Sprintf("%.2f", float64(minutes)/60)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + " h"
}

func demoLatest(t time.Time, more ...time.Time) time.Time {
	for _, m := range more {
		if m.After(t) {
			t = m
		}
	}
	return t
}
