-- Puts back the portal_data triggers of 20261202010000_page_cache, as they were.

-- Pages are kept per session in each process's memory (handlers/page_cache.go)
-- and are good only until anything they could show changes. A change to any
-- table a page reads is announced on the portal_data channel at commit, with
-- the ids of the clients whose data changed ('1,7'), a reader's own read
-- markers as 'u' and the user's id ('u12'), or an empty payload when the
-- change concerns everyone (settings, staff, a row without a client, or more
-- than a notification holds). NOTIFY folds a transaction's identical
-- notifications into one.
--
-- Sessions announce sign-in and sign-out, not the once-a-minute touch;
-- bookkeeping tables (rate limits, outgoing mail queues, sign-in challenges)
-- and derived ones (counters kept by triggers on the tables listed here) are
-- left out.

-- A change that concerns everyone.
CREATE FUNCTION portal_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('portal_data', '');
    RETURN NULL;
END
$$;

-- A change of rows that name their client. TG_ARGV[0] says how:
--   client   the row's client_id (NULL, as for a staff user, concerns everyone)
--   id       the row is the client (the clients table)
--   request  the row's request_id, through requests
--   user     the row's user_id, through users (a staff user concerns everyone)
--   reader   a read marker: its user alone, as 'u' and the id
-- The statement's rows are its transition tables (new_rows, old_rows).
CREATE FUNCTION portal_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed TEXT := CASE TG_OP
        WHEN 'INSERT' THEN 'new_rows'
        WHEN 'DELETE' THEN 'old_rows'
        ELSE '(SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows)' END;
    named TEXT := CASE TG_ARGV[0]
        WHEN 'client' THEN 'SELECT c.client_id AS id FROM ' || changed || ' AS c'
        WHEN 'id' THEN 'SELECT c.id FROM ' || changed || ' AS c'
        WHEN 'request' THEN 'SELECT r.client_id AS id FROM ' || changed || ' AS c LEFT JOIN requests AS r ON r.id = c.request_id'
        WHEN 'user' THEN 'SELECT u.client_id AS id FROM ' || changed || ' AS c LEFT JOIN users AS u ON u.id = c.user_id'
        WHEN 'reader' THEN 'SELECT c.user_id AS id FROM ' || changed || ' AS c' END;
    prefix TEXT := CASE TG_ARGV[0] WHEN 'reader' THEN 'u' ELSE '' END;
    rows_n BIGINT;
    nulls BIGINT;
    ids TEXT;
BEGIN
    EXECUTE 'SELECT count(*), count(*) FILTER (WHERE id IS NULL), string_agg(DISTINCT $1 || id::text, '','') FROM (' || named || ') AS n'
        INTO rows_n, nulls, ids USING prefix;
    IF rows_n = 0 THEN
        RETURN NULL; -- a statement that changed nothing
    END IF;
    IF nulls > 0 OR length(ids) > 7000 THEN
        ids := '';
    END IF;
    PERFORM pg_notify('portal_data', ids);
    RETURN NULL;
END
$$;

CREATE TRIGGER access_revocations_data_insert AFTER INSERT ON access_revocations REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER access_revocations_data_update AFTER UPDATE ON access_revocations REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER access_revocations_data_delete AFTER DELETE ON access_revocations REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER access_revocations_data_truncate AFTER TRUNCATE ON access_revocations
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER activity_events_data_insert AFTER INSERT ON activity_events REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER activity_events_data_update AFTER UPDATE ON activity_events REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER activity_events_data_delete AFTER DELETE ON activity_events REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER activity_events_data_truncate AFTER TRUNCATE ON activity_events
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER attachments_data_insert AFTER INSERT ON attachments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER attachments_data_update AFTER UPDATE ON attachments REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER attachments_data_delete AFTER DELETE ON attachments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER attachments_data_truncate AFTER TRUNCATE ON attachments
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER categories_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER client_followers_data_insert AFTER INSERT ON client_followers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER client_followers_data_update AFTER UPDATE ON client_followers REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER client_followers_data_delete AFTER DELETE ON client_followers REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER client_followers_data_truncate AFTER TRUNCATE ON client_followers
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER clients_data_insert AFTER INSERT ON clients REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('id');
CREATE TRIGGER clients_data_update AFTER UPDATE ON clients REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('id');
CREATE TRIGGER clients_data_delete AFTER DELETE ON clients REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('id');
CREATE TRIGGER clients_data_truncate AFTER TRUNCATE ON clients
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER hour_alert_thresholds_data_insert AFTER INSERT ON hour_alert_thresholds REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER hour_alert_thresholds_data_update AFTER UPDATE ON hour_alert_thresholds REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER hour_alert_thresholds_data_delete AFTER DELETE ON hour_alert_thresholds REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER hour_alert_thresholds_data_truncate AFTER TRUNCATE ON hour_alert_thresholds
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER hour_alerts_data_insert AFTER INSERT ON hour_alerts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER hour_alerts_data_update AFTER UPDATE ON hour_alerts REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER hour_alerts_data_delete AFTER DELETE ON hour_alerts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER hour_alerts_data_truncate AFTER TRUNCATE ON hour_alerts
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER hour_bank_periods_data_insert AFTER INSERT ON hour_bank_periods REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER hour_bank_periods_data_update AFTER UPDATE ON hour_bank_periods REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER hour_bank_periods_data_delete AFTER DELETE ON hour_bank_periods REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER hour_bank_periods_data_truncate AFTER TRUNCATE ON hour_bank_periods
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER hour_purchases_data_insert AFTER INSERT ON hour_purchases REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER hour_purchases_data_update AFTER UPDATE ON hour_purchases REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER hour_purchases_data_delete AFTER DELETE ON hour_purchases REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER hour_purchases_data_truncate AFTER TRUNCATE ON hour_purchases
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER message_reads_data_insert AFTER INSERT ON message_reads REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('reader');
CREATE TRIGGER message_reads_data_update AFTER UPDATE ON message_reads REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('reader');
CREATE TRIGGER message_reads_data_delete AFTER DELETE ON message_reads REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('reader');
CREATE TRIGGER message_reads_data_truncate AFTER TRUNCATE ON message_reads
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER messages_data_insert AFTER INSERT ON messages REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER messages_data_update AFTER UPDATE ON messages REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER messages_data_delete AFTER DELETE ON messages REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER messages_data_truncate AFTER TRUNCATE ON messages
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER monthly_summaries_data_insert AFTER INSERT ON monthly_summaries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER monthly_summaries_data_update AFTER UPDATE ON monthly_summaries REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER monthly_summaries_data_delete AFTER DELETE ON monthly_summaries REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER monthly_summaries_data_truncate AFTER TRUNCATE ON monthly_summaries
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER oauth_identities_data_insert AFTER INSERT ON oauth_identities REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('user');
CREATE TRIGGER oauth_identities_data_update AFTER UPDATE ON oauth_identities REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('user');
CREATE TRIGGER oauth_identities_data_delete AFTER DELETE ON oauth_identities REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('user');
CREATE TRIGGER oauth_identities_data_truncate AFTER TRUNCATE ON oauth_identities
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER portal_links_data_insert AFTER INSERT ON portal_links REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER portal_links_data_update AFTER UPDATE ON portal_links REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER portal_links_data_delete AFTER DELETE ON portal_links REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER portal_links_data_truncate AFTER TRUNCATE ON portal_links
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER rating_tokens_data_insert AFTER INSERT ON rating_tokens REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('request');
CREATE TRIGGER rating_tokens_data_update AFTER UPDATE ON rating_tokens REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('request');
CREATE TRIGGER rating_tokens_data_delete AFTER DELETE ON rating_tokens REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('request');
CREATE TRIGGER rating_tokens_data_truncate AFTER TRUNCATE ON rating_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER recovery_codes_data_insert AFTER INSERT ON recovery_codes REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('user');
CREATE TRIGGER recovery_codes_data_update AFTER UPDATE ON recovery_codes REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('user');
CREATE TRIGGER recovery_codes_data_delete AFTER DELETE ON recovery_codes REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('user');
CREATE TRIGGER recovery_codes_data_truncate AFTER TRUNCATE ON recovery_codes
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER request_followers_data_insert AFTER INSERT ON request_followers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('request');
CREATE TRIGGER request_followers_data_update AFTER UPDATE ON request_followers REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('request');
CREATE TRIGGER request_followers_data_delete AFTER DELETE ON request_followers REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('request');
CREATE TRIGGER request_followers_data_truncate AFTER TRUNCATE ON request_followers
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER request_ratings_data_insert AFTER INSERT ON request_ratings REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER request_ratings_data_update AFTER UPDATE ON request_ratings REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER request_ratings_data_delete AFTER DELETE ON request_ratings REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER request_ratings_data_truncate AFTER TRUNCATE ON request_ratings
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER requests_data_insert AFTER INSERT ON requests REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER requests_data_update AFTER UPDATE ON requests REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER requests_data_delete AFTER DELETE ON requests REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER requests_data_truncate AFTER TRUNCATE ON requests
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
CREATE TRIGGER time_entries_data_insert AFTER INSERT ON time_entries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER time_entries_data_update AFTER UPDATE ON time_entries REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER time_entries_data_delete AFTER DELETE ON time_entries REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER time_entries_data_truncate AFTER TRUNCATE ON time_entries
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER time_question_messages_data_insert AFTER INSERT ON time_question_messages REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER time_question_messages_data_update AFTER UPDATE ON time_question_messages REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER time_question_messages_data_delete AFTER DELETE ON time_question_messages REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER time_question_messages_data_truncate AFTER TRUNCATE ON time_question_messages
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER time_questions_data_insert AFTER INSERT ON time_questions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER time_questions_data_update AFTER UPDATE ON time_questions REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER time_questions_data_delete AFTER DELETE ON time_questions REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER time_questions_data_truncate AFTER TRUNCATE ON time_questions
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER users_data_insert AFTER INSERT ON users REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER users_data_update AFTER UPDATE ON users REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER users_data_delete AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('client');
CREATE TRIGGER users_data_truncate AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER workspace_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON workspace
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER sessions_data_insert AFTER INSERT ON sessions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('user');
CREATE TRIGGER sessions_data_delete AFTER DELETE ON sessions REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_rows_changed('user');
CREATE TRIGGER sessions_data_truncate AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
