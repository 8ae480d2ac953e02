-- Puts back the data_version row and triggers of 20261202010000_page_cache, as they were.

-- Pages are kept per session in memory (handlers/page_cache.go) and are good
-- only until anything they could show changes. On SQLite every change to a
-- table a page reads adds one to data_version.v, in the same transaction, so
-- the version read before a page is rendered names what it shows, also when
-- another process (portal summaries run) wrote the file. Sessions count
-- sign-in and sign-out, not the once-a-minute touch. A read marker shows only
-- to its reader, and is written only by this one process, which counts it
-- for that user's pages in memory (models.markRead). PostgreSQL announces the
-- same changes with NOTIFY instead and has no such row (one row that every
-- write updates would make all writers wait on each other there).
CREATE TABLE data_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    v  INTEGER NOT NULL
);
INSERT INTO data_version (id, v) VALUES (1, 0);

CREATE TRIGGER access_revocations_data_insert AFTER INSERT ON access_revocations
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER access_revocations_data_update AFTER UPDATE ON access_revocations
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER access_revocations_data_delete AFTER DELETE ON access_revocations
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER activity_events_data_insert AFTER INSERT ON activity_events
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER activity_events_data_update AFTER UPDATE ON activity_events
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER activity_events_data_delete AFTER DELETE ON activity_events
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER attachments_data_insert AFTER INSERT ON attachments
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER attachments_data_update AFTER UPDATE ON attachments
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER attachments_data_delete AFTER DELETE ON attachments
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER categories_data_insert AFTER INSERT ON categories
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER categories_data_update AFTER UPDATE ON categories
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER categories_data_delete AFTER DELETE ON categories
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER client_followers_data_insert AFTER INSERT ON client_followers
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER client_followers_data_update AFTER UPDATE ON client_followers
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER client_followers_data_delete AFTER DELETE ON client_followers
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER clients_data_insert AFTER INSERT ON clients
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER clients_data_update AFTER UPDATE ON clients
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER clients_data_delete AFTER DELETE ON clients
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER hour_alert_thresholds_data_insert AFTER INSERT ON hour_alert_thresholds
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER hour_alert_thresholds_data_update AFTER UPDATE ON hour_alert_thresholds
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER hour_alert_thresholds_data_delete AFTER DELETE ON hour_alert_thresholds
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER hour_alerts_data_insert AFTER INSERT ON hour_alerts
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER hour_alerts_data_update AFTER UPDATE ON hour_alerts
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER hour_alerts_data_delete AFTER DELETE ON hour_alerts
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER hour_bank_periods_data_insert AFTER INSERT ON hour_bank_periods
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER hour_bank_periods_data_update AFTER UPDATE ON hour_bank_periods
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER hour_bank_periods_data_delete AFTER DELETE ON hour_bank_periods
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER hour_purchases_data_insert AFTER INSERT ON hour_purchases
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER hour_purchases_data_update AFTER UPDATE ON hour_purchases
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER hour_purchases_data_delete AFTER DELETE ON hour_purchases
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER messages_data_insert AFTER INSERT ON messages
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER messages_data_update AFTER UPDATE ON messages
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER messages_data_delete AFTER DELETE ON messages
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER monthly_summaries_data_insert AFTER INSERT ON monthly_summaries
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER monthly_summaries_data_update AFTER UPDATE ON monthly_summaries
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER monthly_summaries_data_delete AFTER DELETE ON monthly_summaries
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER oauth_identities_data_insert AFTER INSERT ON oauth_identities
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER oauth_identities_data_update AFTER UPDATE ON oauth_identities
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER oauth_identities_data_delete AFTER DELETE ON oauth_identities
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER portal_links_data_insert AFTER INSERT ON portal_links
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER portal_links_data_update AFTER UPDATE ON portal_links
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER portal_links_data_delete AFTER DELETE ON portal_links
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER rating_tokens_data_insert AFTER INSERT ON rating_tokens
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER rating_tokens_data_update AFTER UPDATE ON rating_tokens
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER rating_tokens_data_delete AFTER DELETE ON rating_tokens
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER recovery_codes_data_insert AFTER INSERT ON recovery_codes
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER recovery_codes_data_update AFTER UPDATE ON recovery_codes
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER recovery_codes_data_delete AFTER DELETE ON recovery_codes
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER request_followers_data_insert AFTER INSERT ON request_followers
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER request_followers_data_update AFTER UPDATE ON request_followers
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER request_followers_data_delete AFTER DELETE ON request_followers
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER request_ratings_data_insert AFTER INSERT ON request_ratings
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER request_ratings_data_update AFTER UPDATE ON request_ratings
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER request_ratings_data_delete AFTER DELETE ON request_ratings
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER requests_data_insert AFTER INSERT ON requests
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER requests_data_update AFTER UPDATE ON requests
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER requests_data_delete AFTER DELETE ON requests
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER saved_replies_data_insert AFTER INSERT ON saved_replies
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER saved_replies_data_update AFTER UPDATE ON saved_replies
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER saved_replies_data_delete AFTER DELETE ON saved_replies
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER sla_calendars_data_insert AFTER INSERT ON sla_calendars
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER sla_calendars_data_update AFTER UPDATE ON sla_calendars
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER sla_calendars_data_delete AFTER DELETE ON sla_calendars
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER sla_holidays_data_insert AFTER INSERT ON sla_holidays
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER sla_holidays_data_update AFTER UPDATE ON sla_holidays
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER sla_holidays_data_delete AFTER DELETE ON sla_holidays
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER sla_policies_data_insert AFTER INSERT ON sla_policies
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER sla_policies_data_update AFTER UPDATE ON sla_policies
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER sla_policies_data_delete AFTER DELETE ON sla_policies
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER sla_targets_data_insert AFTER INSERT ON sla_targets
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER sla_targets_data_update AFTER UPDATE ON sla_targets
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER sla_targets_data_delete AFTER DELETE ON sla_targets
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER summary_deliveries_data_insert AFTER INSERT ON summary_deliveries
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER summary_deliveries_data_update AFTER UPDATE ON summary_deliveries
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER summary_deliveries_data_delete AFTER DELETE ON summary_deliveries
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER time_entries_data_insert AFTER INSERT ON time_entries
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER time_entries_data_update AFTER UPDATE ON time_entries
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER time_entries_data_delete AFTER DELETE ON time_entries
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER time_question_messages_data_insert AFTER INSERT ON time_question_messages
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER time_question_messages_data_update AFTER UPDATE ON time_question_messages
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER time_question_messages_data_delete AFTER DELETE ON time_question_messages
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER time_questions_data_insert AFTER INSERT ON time_questions
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER time_questions_data_update AFTER UPDATE ON time_questions
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER time_questions_data_delete AFTER DELETE ON time_questions
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER users_data_insert AFTER INSERT ON users
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER users_data_update AFTER UPDATE ON users
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER users_data_delete AFTER DELETE ON users
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER workspace_data_insert AFTER INSERT ON workspace
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER workspace_data_update AFTER UPDATE ON workspace
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER workspace_data_delete AFTER DELETE ON workspace
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER sessions_data_insert AFTER INSERT ON sessions
BEGIN UPDATE data_version SET v = v + 1; END;
CREATE TRIGGER sessions_data_delete AFTER DELETE ON sessions
BEGIN UPDATE data_version SET v = v + 1; END;
