-- Pages are kept per session in each process's memory (handlers/page_cache.go)
-- and are good only until anything they could show changes. A change to any
-- table a page reads is announced on the portal_data channel at commit
-- (NOTIFY folds a transaction's repeats into one), and every process then
-- renders afresh. Sessions announce sign-in and sign-out, not the
-- once-a-minute touch; bookkeeping tables (rate limits, outgoing mail
-- queues, sign-in challenges) and derived ones (counters kept by triggers
-- on the tables listed here) are left out.
CREATE FUNCTION portal_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('portal_data', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER access_revocations_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON access_revocations
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER activity_events_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON activity_events
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER attachments_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON attachments
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER categories_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER client_followers_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON client_followers
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER clients_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clients
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER hour_alert_thresholds_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hour_alert_thresholds
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER hour_alerts_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hour_alerts
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER hour_bank_periods_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hour_bank_periods
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER hour_purchases_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hour_purchases
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER message_reads_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON message_reads
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER messages_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON messages
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER monthly_summaries_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON monthly_summaries
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER oauth_identities_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON oauth_identities
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER portal_links_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON portal_links
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER rating_tokens_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rating_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER recovery_codes_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON recovery_codes
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER request_followers_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON request_followers
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER request_ratings_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON request_ratings
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER requests_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON requests
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER saved_replies_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON saved_replies
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER sla_calendars_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sla_calendars
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER sla_holidays_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sla_holidays
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER sla_policies_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sla_policies
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER sla_targets_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sla_targets
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER summary_deliveries_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON summary_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER time_entries_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON time_entries
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER time_question_messages_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON time_question_messages
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER time_questions_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON time_questions
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER users_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER workspace_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON workspace
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER sessions_data_changed AFTER INSERT OR DELETE OR TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
