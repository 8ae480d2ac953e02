// Package models is the portal's domain: its tables (through bun, on
// PostgreSQL or SQLite), the rules that keep them right, and the only
// reads of client data a client-facing page may make.
//
// Three rules hold everywhere:
//
//   - Client data reaches client pages only through a Scope (scope*.go),
//     built from the signed-in user's session; every query it runs is
//     confined to that user's client and to what the user's Viewer
//     (visibility.go, scope_roles.go, company_roles*.go) may see. Events
//     and messages are filtered by the same Viewer, in SQL for reads and
//     replays and in Go for live delivery; a test keeps the two alike.
//   - A change and the activity event that records it are written in one
//     transaction (RecordEvent); live updates, webhooks and monthly
//     summaries are all read from those events.
//   - Time comes from Now (clock.go), which tests can move.
//
// Where things are, by file name:
//
//   - Workspace and people: workspace.go, clients.go, users.go,
//     passwords.go, password_hashing.go, sessions.go, signins.go,
//     signups.go, portal_links.go, invitation*.go, oauth_identities.go,
//     totp.go, setup_codes.go, signin_challenges.go, company_roles*.go,
//     brand*.go.
//   - Requests and their threads: requests*.go, request_*.go, messages.go,
//     message_reads.go, unread.go, attachments.go, categories.go,
//     saved_replies.go, queue.go, dashboard.go, time_questions.go.
//   - SLA clocks: sla.go (the clock rules), sla_calendar*.go, sla_tick.go,
//     sla_policies.go, sla_policy_versions.go, sla_history*.go (the clock
//     history replayed from events).
//   - Hours: time_entries.go, hour_*.go (plans, purchases, the ledger,
//     alerts, exports).
//   - Events and live delivery: activity_events.go, event_feed.go
//     (positions, the feed's reads, access revocations).
//   - Mail: notifications.go, monthly_summaries.go, summary_*.go,
//     mail_opt_outs.go, inbound_*.go (mail in).
//   - API and webhooks: api_*.go, tokens.go, rate_limits.go, webhooks.go,
//     webhook_deliveries.go.
//   - Adoption: adoption.go, signins.go.
//   - The database itself: db.go (opening it), prepared.go, conn_check*.go,
//     settings_cache.go, statement_count.go (statement budgets in tests).
package models
