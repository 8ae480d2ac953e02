package handlers

import (
	"compress/gzip"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes is the whole route table on one screen.
//
// Middleware is attached per route rather than to a root group: a group on
// "" would also catch unknown paths, sending visitors to sign in where they
// should see the 404 page.
func (s *Server) routes(e *echo.Echo) {
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(middleware.RequestID())
	if s.cfg.CountStatements {
		e.Use(s.countStatements) // statements.go
	}
	e.Use(s.requestLog())
	e.Use(middleware.Recover())
	e.Use(s.limitRequests) // body size and read deadline, before anything reads the body
	e.Use(s.secureHeaders)
	// Level 1: HTML compresses nearly as well at a third of the CPU of the
	// default level, which was a sixth of a page's cost under load.
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Level: gzip.BestSpeed, Skipper: skipGzip}))

	// The event stream, /events, is served in front of Echo (App in events.go).

	// Probes and assets need no session and no setup.
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/static/*", echo.WrapHandler(s.assets))

	// Pages: a session (if any), CSRF bound to it on state changes, setup done,
	// and staff who must set up two-factor sign-in kept to doing that
	// (enrolFirst, two_factor.go; the event stream applies the same rule).
	app := []echo.MiddlewareFunc{s.loadSession, s.csrf(), s.requireSetUp, s.enrolFirst}
	e.GET("/setup", s.setupForm, app...)
	e.POST("/setup", s.setupSubmit, app...)
	e.GET("/signin", s.signinForm, app...)
	e.POST("/signin", s.signinSubmit, app...)
	e.POST("/signout", s.signout, app...)
	e.GET("/signin/code", s.signinCodeForm, app...)
	e.POST("/signin/code", s.signinCodeSubmit, app...)
	e.GET("/forgot", s.forgotForm, app...)
	e.POST("/forgot", s.forgotSubmit, app...)
	e.GET("/reset/:token", s.resetForm, app...)
	e.POST("/reset/:token", s.resetSubmit, app...)
	e.GET("/join/:token", s.joinShow, app...)
	e.POST("/join/:token", s.joinCreate, app...)
	e.POST("/join/:token/signin", s.joinSignin, app...)
	e.GET("/rate/:token/:rating", s.rateLinkShow, app...) // shows the choice; mail scanners open links
	e.POST("/rate/:token", s.rateLinkSubmit, app...)
	// List-Unsubscribe: no session and no CSRF token (a mail program posts
	// without cookies); the signed token in the address is the authority.
	e.GET("/unsubscribe/:token", s.unsubscribeShow)
	e.POST("/unsubscribe/:token", s.unsubscribeSubmit)
	e.GET("/welcome/:token", s.welcomeForm, app...)
	e.POST("/welcome/:token", s.welcomeSubmit, app...)
	e.GET("/auth/:provider", s.oauthBegin, app...)
	e.GET("/auth/:provider/callback", s.oauthCallback, app...)
	e.POST("/account/profile", s.accountProfile, append(app[:len(app):len(app)], s.requireUser)...)
	e.POST("/account/password", s.accountPassword, append(app[:len(app):len(app)], s.requireUser)...)
	e.POST("/account/identities/:id/unlink", s.accountUnlink, append(app[:len(app):len(app)], s.requireUser)...)
	e.POST("/account/totp/setup", s.totpSetup, append(app[:len(app):len(app)], s.requireUser)...)
	e.POST("/account/totp/enable", s.totpEnable, append(app[:len(app):len(app)], s.requireUser)...)
	e.POST("/account/totp/disable", s.totpDisable, append(app[:len(app):len(app)], s.requireUser)...)

	// Portal: client users only, each handler handed their Scope (asClient).
	e.GET("/", s.asClient(s.dashboard), app...)
	e.GET("/account", s.asClient(s.clientAccount), app...)
	e.GET("/requests", s.asClient(s.openRequests), app...)
	e.GET("/requests/new", s.asClient(s.newRequestForm), app...)
	e.POST("/requests", s.asClient(s.createRequest), app...)
	e.GET("/requests/closed", s.asClient(s.closedRequests), app...)
	e.GET("/requests/:number", s.asClient(s.requestDetail), app...)
	e.POST("/requests/:number/reply", s.asClient(s.replyToRequest), app...)
	e.POST("/requests/:number/fixed", s.asClient(s.markFixed), app...)
	e.POST("/requests/:number/reopen", s.asClient(s.reopenRequest), app...)
	e.POST("/requests/:number/follow-up", s.asClient(s.followUp), app...)
	e.POST("/requests/:number/follow", s.asClient(s.followRequest), app...)
	e.POST("/requests/:number/rate", s.asClient(s.rateRequest), app...)
	e.GET("/messages", s.asClient(s.messages), app...)
	e.GET("/messages/unread", s.asClient(s.unreadBadge), app...)
	e.GET("/fragments/stats", s.asClient(s.statsFragment), app...) // fragments.go: live parts
	e.GET("/hours", s.asClient(s.hours), app...)
	e.GET("/hours/time.csv", s.asClient(s.timeEntriesCSV), app...)     // exports.go
	e.GET("/hours/entries/:entry", s.asClient(s.timeQuestion), app...) // time_questions.go
	e.POST("/hours/entries/:entry", s.asClient(s.askTimeQuestion), app...)
	e.GET("/reports/activity.csv", s.asClient(s.activityCSV), app...)
	e.GET("/reports/summaries.csv", s.asClient(s.summariesCSV), app...)
	e.GET("/reports", s.asClient(s.reports), app...)
	e.GET("/reports/summaries/:month", s.asClient(s.monthlySummary), app...) // summaries.go
	e.GET("/attachments/:id", s.asClient(s.attachmentFile), app...)          // attachments.go
	e.GET("/attachments/:id/thumb", s.asClient(s.attachmentThumb), app...)
	s.peopleRoutes(e, app) // company admins' People page (people.go)

	// Console: staff only. Unknown /console paths are 404 for staff too.
	console := e.Group("/console", append(app[:len(app):len(app)], s.requireStaff)...)
	console.GET("", s.queue)
	console.GET("/account", s.account)
	console.GET("/account/timezone", s.staffTimezoneForm)
	console.POST("/account/timezone", s.staffTimezoneSubmit)
	console.GET("/clients", s.clientList)
	s.adoptionRoutes(console) // Clients → Adoption, before /clients/:id (adoption.go)
	console.GET("/clients/new", s.clientNew)
	console.POST("/clients", s.clientCreate)
	console.GET("/clients/:id", s.clientShow)
	console.GET("/clients/:id/edit", s.clientEdit)
	console.POST("/clients/:id", s.clientUpdate)
	// A change that is hard to take back answers GET with its confirmation
	// page (confirm.go) and POST by doing it.
	console.GET("/clients/:id/archive", s.confirmClientArchive, s.requireAdmin)
	console.POST("/clients/:id/archive", s.clientArchive, s.requireAdmin)
	console.POST("/clients/:id/unarchive", s.clientUnarchive, s.requireAdmin)
	console.GET("/clients/:id/users/:user/disable", s.confirmClientUserDisable)
	console.POST("/clients/:id/users/:user/disable", s.clientUserDisable)
	console.POST("/clients/:id/users/:user/enable", s.clientUserEnable)
	console.POST("/clients/:id/users/:user/role", s.clientUserRole) // company roles (client_roles.go)
	console.POST("/clients/:id/members", s.clientMembersSave)
	console.GET("/clients/:id/links", s.linksRedirect)
	console.POST("/clients/:id/links", s.linkCreate)
	console.GET("/clients/:id/links/:link/revoke", s.confirmLinkRevoke)
	console.POST("/clients/:id/links/:link/revoke", s.linkRevoke)
	console.GET("/hours", s.hoursOverview)           // hours_overview.go
	console.GET("/clients/:id/hours", s.clientHours) // client_hours.go
	console.GET("/clients/:id/time.csv", s.consoleExportTime)
	console.GET("/clients/:id/activity.csv", s.consoleExportActivity)
	console.GET("/clients/:id/summaries.csv", s.consoleExportSummaries)
	console.GET("/clients/:id/summaries/:month", s.summaryPreview) // summaries.go
	console.GET("/clients/:id/summaries/:month/resend", s.confirmSummaryResend)
	console.POST("/clients/:id/summaries/:month/resend", s.summaryResend)
	console.POST("/clients/:id/hours/plan", s.clientPlanSave)
	console.POST("/clients/:id/hours/alerts", s.clientThresholdsSave) // hour_alerts.go
	console.POST("/clients/:id/hours/follow", s.clientFollow)
	console.GET("/clients/:id/entries/:entry", s.consoleTimeQuestion) // time_questions.go
	console.POST("/clients/:id/entries/:entry", s.answerTimeQuestion)
	console.POST("/clients/:id/hours/purchases", s.clientPurchaseAdd)
	console.GET("/clients/:id/hours/purchases/:purchase", s.clientPurchaseEdit)
	console.POST("/clients/:id/hours/purchases/:purchase", s.clientPurchaseUpdate)
	console.POST("/clients/:id/hours/purchases/:purchase/void", s.clientPurchaseVoid)
	console.GET("/staff", s.staffList, s.requireAdmin)
	console.POST("/staff", s.staffInvite, s.requireAdmin)
	console.GET("/staff/:id/disable", s.confirmStaffDisable, s.requireAdmin)
	console.POST("/staff/:id/disable", s.staffDisable, s.requireAdmin)
	console.POST("/staff/:id/enable", s.staffEnable, s.requireAdmin)
	console.GET("/settings", s.settingsForm, s.requireAdmin)
	console.GET("/categories", s.categories, s.requireAdmin)
	console.POST("/categories", s.addCategory, s.requireAdmin)
	console.GET("/categories/:id/archive", s.confirmCategoryArchive, s.requireAdmin)
	console.POST("/categories/:id/archive", s.archiveCategory, s.requireAdmin)
	console.POST("/settings", s.settingsSubmit, s.requireAdmin)
	console.GET("/requests/new", s.consoleRequestNew)
	console.GET("/satisfaction", s.satisfaction)
	console.GET("/saved-replies", s.savedReplies)
	console.POST("/saved-replies", s.savedReplyCreate)
	console.POST("/saved-replies/:id/delete", s.savedReplyDelete)
	console.POST("/requests/:id/saved-reply", s.insertSavedReply)
	console.POST("/requests", s.consoleRequestCreate)
	console.GET("/requests/:id", s.consoleRequest)
	console.GET("/attachments/:id", s.consoleAttachmentFile) // attachments.go
	console.GET("/attachments/:id/thumb", s.consoleAttachmentThumb)
	console.POST("/requests/:id/assign-me", s.assignToMe)
	console.POST("/requests/:id/reply", s.consoleReply)
	console.POST("/requests/:id/properties", s.consoleRequestProperties)
	console.POST("/requests/:id/time", s.logTime)
	console.GET("/requests/:id/time/:entry", s.editTimeEntry)
	console.POST("/requests/:id/time/:entry", s.updateTimeEntry)
	console.GET("/requests/:id/time/:entry/delete", s.confirmTimeEntryDelete)
	console.POST("/requests/:id/time/:entry/delete", s.deleteTimeEntry)
	console.GET("/sla-policies", s.slaPolicies, s.requireAdmin)
	console.GET("/sla-policies/new", s.newSLAPolicy, s.requireAdmin)
	console.POST("/sla-policies", s.createSLAPolicy, s.requireAdmin)
	console.GET("/sla-policies/:id", s.editSLAPolicy, s.requireAdmin)
	console.POST("/sla-policies/:id", s.updateSLAPolicy, s.requireAdmin)
	console.POST("/sla-policies/assign", s.assignSLAPolicy, s.requireAdmin)
	s.heldMailRoutes(console)
	s.brandRoutes(e, console) // Settings → Brand, and the brand's logo and stylesheet (brand.go)
	s.invitationRoutes(e, app, console)
	s.webhookRoutes(console) // webhook endpoints and their delivery log (webhooks.go)
	s.apiRoutes(e, console)  // the JSON API and the console's API tokens (api_tokens.go)

	// Last: the log's redaction is read from the table above (secret_urls.go).
	s.secretURLs = secretURLsOf(e.Routes())
}
