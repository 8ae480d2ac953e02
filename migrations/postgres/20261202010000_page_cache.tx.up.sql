-- Pages are kept per session in each process's memory (handlers/page_cache.go)
-- and are good only until anything they could show changes. A change to any
-- table a page reads is announced on the portal_data channel at commit, with
-- the ids of the clients whose data changed ('1,7'; a reader's own read
-- markers as 'u' and the user's id), or an empty payload when
-- the change concerns everyone (settings, staff, a row without a client, or
-- more clients than a notification holds). NOTIFY folds a transaction's
-- identical notifications into one.
--
-- Sessions announce sign-in and sign-out, not the once-a-minute touch;
-- bookkeeping tables (rate limits, outgoing mail queues, sign-in challenges)
-- and derived ones (counters kept by triggers on the tables listed here) are
-- left out.
CREATE FUNCTION portal_notify_clients(ids TEXT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- A NULL among the ids (a staff user's row) concerns everyone, as does a
    -- list too long for one notification.
    IF ids IS NULL OR length(ids) > 7000 THEN
        ids := '';
    END IF;
    PERFORM pg_notify('portal_data', ids);
END
$$;

CREATE FUNCTION portal_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('portal_data', '');
    RETURN NULL;
END
$$;

-- A read marker shows only to its reader (unread counts): it is announced as
-- 'u' and the user's id, which moves that user's pages alone.
CREATE FUNCTION portal_reader_rows_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids TEXT;
BEGIN
    SELECT string_agg(DISTINCT 'u' || c.user_id::text, ',') FROM new_rows AS c INTO ids;
    IF ids IS NOT NULL THEN
        PERFORM pg_notify('portal_data', CASE WHEN length(ids) > 7000 THEN '' ELSE ids END);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION portal_reader_rows_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids TEXT;
BEGIN
    SELECT string_agg(DISTINCT 'u' || c.user_id::text, ',') FROM new_rows AS c INTO ids;
    IF ids IS NOT NULL THEN
        PERFORM pg_notify('portal_data', CASE WHEN length(ids) > 7000 THEN '' ELSE ids END);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION portal_reader_rows_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids TEXT;
BEGIN
    SELECT string_agg(DISTINCT 'u' || c.user_id::text, ',') FROM old_rows AS c INTO ids;
    IF ids IS NOT NULL THEN
        PERFORM pg_notify('portal_data', CASE WHEN length(ids) > 7000 THEN '' ELSE ids END);
    END IF;
    RETURN NULL;
END
$$;

-- One function per way of finding a changed row's client, and per statement kind
-- (a trigger with transition tables serves one kind of statement).
CREATE FUNCTION portal_client_rows_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids TEXT;
BEGIN
    SELECT string_agg(DISTINCT coalesce(c.client_id::text, 'NULL'), ',') FROM new_rows AS c INTO ids;
    IF ids IS NOT NULL AND ids NOT LIKE '%NULL%' THEN
        PERFORM portal_notify_clients(ids);
    ELSIF ids IS NOT NULL THEN
        PERFORM portal_notify_clients(NULL);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION portal_client_rows_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids TEXT;
BEGIN
    SELECT string_agg(DISTINCT coalesce(c.client_id::text, 'NULL'), ',') FROM (SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows) AS c INTO ids;
    IF ids IS NOT NULL AND ids NOT LIKE '%NULL%' THEN
        PERFORM portal_notify_clients(ids);
    ELSIF ids IS NOT NULL THEN
        PERFORM portal_notify_clients(NULL);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION portal_client_rows_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids TEXT;
BEGIN
    SELECT string_agg(DISTINCT coalesce(c.client_id::text, 'NULL'), ',') FROM old_rows AS c INTO ids;
    IF ids IS NOT NULL AND ids NOT LIKE '%NULL%' THEN
        PERFORM portal_notify_clients(ids);
    ELSIF ids IS NOT NULL THEN
        PERFORM portal_notify_clients(NULL);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION portal_id_rows_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids TEXT;
BEGIN
    SELECT string_agg(DISTINCT c.id::text, ',') FROM new_rows AS c INTO ids;
    IF ids IS NOT NULL AND ids NOT LIKE '%NULL%' THEN
        PERFORM portal_notify_clients(ids);
    ELSIF ids IS NOT NULL THEN
        PERFORM portal_notify_clients(NULL);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION portal_id_rows_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids TEXT;
BEGIN
    SELECT string_agg(DISTINCT c.id::text, ',') FROM (SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows) AS c INTO ids;
    IF ids IS NOT NULL AND ids NOT LIKE '%NULL%' THEN
        PERFORM portal_notify_clients(ids);
    ELSIF ids IS NOT NULL THEN
        PERFORM portal_notify_clients(NULL);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION portal_id_rows_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids TEXT;
BEGIN
    SELECT string_agg(DISTINCT c.id::text, ',') FROM old_rows AS c INTO ids;
    IF ids IS NOT NULL AND ids NOT LIKE '%NULL%' THEN
        PERFORM portal_notify_clients(ids);
    ELSIF ids IS NOT NULL THEN
        PERFORM portal_notify_clients(NULL);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION portal_request_rows_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids TEXT;
BEGIN
    SELECT string_agg(DISTINCT coalesce(r.client_id::text, 'NULL'), ',') FROM new_rows AS c LEFT JOIN requests AS r ON r.id = c.request_id INTO ids;
    IF ids IS NOT NULL AND ids NOT LIKE '%NULL%' THEN
        PERFORM portal_notify_clients(ids);
    ELSIF ids IS NOT NULL THEN
        PERFORM portal_notify_clients(NULL);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION portal_request_rows_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids TEXT;
BEGIN
    SELECT string_agg(DISTINCT coalesce(r.client_id::text, 'NULL'), ',') FROM (SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows) AS c LEFT JOIN requests AS r ON r.id = c.request_id INTO ids;
    IF ids IS NOT NULL AND ids NOT LIKE '%NULL%' THEN
        PERFORM portal_notify_clients(ids);
    ELSIF ids IS NOT NULL THEN
        PERFORM portal_notify_clients(NULL);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION portal_request_rows_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids TEXT;
BEGIN
    SELECT string_agg(DISTINCT coalesce(r.client_id::text, 'NULL'), ',') FROM old_rows AS c LEFT JOIN requests AS r ON r.id = c.request_id INTO ids;
    IF ids IS NOT NULL AND ids NOT LIKE '%NULL%' THEN
        PERFORM portal_notify_clients(ids);
    ELSIF ids IS NOT NULL THEN
        PERFORM portal_notify_clients(NULL);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION portal_user_rows_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids TEXT;
BEGIN
    SELECT string_agg(DISTINCT coalesce(u.client_id::text, 'NULL'), ',') FROM new_rows AS c LEFT JOIN users AS u ON u.id = c.user_id INTO ids;
    IF ids IS NOT NULL AND ids NOT LIKE '%NULL%' THEN
        PERFORM portal_notify_clients(ids);
    ELSIF ids IS NOT NULL THEN
        PERFORM portal_notify_clients(NULL);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION portal_user_rows_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids TEXT;
BEGIN
    SELECT string_agg(DISTINCT coalesce(u.client_id::text, 'NULL'), ',') FROM (SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows) AS c LEFT JOIN users AS u ON u.id = c.user_id INTO ids;
    IF ids IS NOT NULL AND ids NOT LIKE '%NULL%' THEN
        PERFORM portal_notify_clients(ids);
    ELSIF ids IS NOT NULL THEN
        PERFORM portal_notify_clients(NULL);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION portal_user_rows_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids TEXT;
BEGIN
    SELECT string_agg(DISTINCT coalesce(u.client_id::text, 'NULL'), ',') FROM old_rows AS c LEFT JOIN users AS u ON u.id = c.user_id INTO ids;
    IF ids IS NOT NULL AND ids NOT LIKE '%NULL%' THEN
        PERFORM portal_notify_clients(ids);
    ELSIF ids IS NOT NULL THEN
        PERFORM portal_notify_clients(NULL);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER access_revocations_data_insert AFTER INSERT ON access_revocations REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER access_revocations_data_update AFTER UPDATE ON access_revocations REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER access_revocations_data_delete AFTER DELETE ON access_revocations REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
CREATE TRIGGER access_revocations_data_truncate AFTER TRUNCATE ON access_revocations
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER activity_events_data_insert AFTER INSERT ON activity_events REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER activity_events_data_update AFTER UPDATE ON activity_events REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER activity_events_data_delete AFTER DELETE ON activity_events REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
CREATE TRIGGER activity_events_data_truncate AFTER TRUNCATE ON activity_events
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER attachments_data_insert AFTER INSERT ON attachments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER attachments_data_update AFTER UPDATE ON attachments REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER attachments_data_delete AFTER DELETE ON attachments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
CREATE TRIGGER attachments_data_truncate AFTER TRUNCATE ON attachments
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER categories_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER client_followers_data_insert AFTER INSERT ON client_followers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER client_followers_data_update AFTER UPDATE ON client_followers REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER client_followers_data_delete AFTER DELETE ON client_followers REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
CREATE TRIGGER client_followers_data_truncate AFTER TRUNCATE ON client_followers
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER clients_data_insert AFTER INSERT ON clients REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_id_rows_inserted();
CREATE TRIGGER clients_data_update AFTER UPDATE ON clients REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_id_rows_updated();
CREATE TRIGGER clients_data_delete AFTER DELETE ON clients REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_id_rows_deleted();
CREATE TRIGGER clients_data_truncate AFTER TRUNCATE ON clients
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER hour_alert_thresholds_data_insert AFTER INSERT ON hour_alert_thresholds REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER hour_alert_thresholds_data_update AFTER UPDATE ON hour_alert_thresholds REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER hour_alert_thresholds_data_delete AFTER DELETE ON hour_alert_thresholds REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
CREATE TRIGGER hour_alert_thresholds_data_truncate AFTER TRUNCATE ON hour_alert_thresholds
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER hour_alerts_data_insert AFTER INSERT ON hour_alerts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER hour_alerts_data_update AFTER UPDATE ON hour_alerts REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER hour_alerts_data_delete AFTER DELETE ON hour_alerts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
CREATE TRIGGER hour_alerts_data_truncate AFTER TRUNCATE ON hour_alerts
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER hour_bank_periods_data_insert AFTER INSERT ON hour_bank_periods REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER hour_bank_periods_data_update AFTER UPDATE ON hour_bank_periods REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER hour_bank_periods_data_delete AFTER DELETE ON hour_bank_periods REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
CREATE TRIGGER hour_bank_periods_data_truncate AFTER TRUNCATE ON hour_bank_periods
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER hour_purchases_data_insert AFTER INSERT ON hour_purchases REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER hour_purchases_data_update AFTER UPDATE ON hour_purchases REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER hour_purchases_data_delete AFTER DELETE ON hour_purchases REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
CREATE TRIGGER hour_purchases_data_truncate AFTER TRUNCATE ON hour_purchases
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER message_reads_data_insert AFTER INSERT ON message_reads REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_reader_rows_inserted();
CREATE TRIGGER message_reads_data_update AFTER UPDATE ON message_reads REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_reader_rows_updated();
CREATE TRIGGER message_reads_data_delete AFTER DELETE ON message_reads REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_reader_rows_deleted();
CREATE TRIGGER message_reads_data_truncate AFTER TRUNCATE ON message_reads
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER messages_data_insert AFTER INSERT ON messages REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER messages_data_update AFTER UPDATE ON messages REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER messages_data_delete AFTER DELETE ON messages REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
CREATE TRIGGER messages_data_truncate AFTER TRUNCATE ON messages
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER monthly_summaries_data_insert AFTER INSERT ON monthly_summaries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER monthly_summaries_data_update AFTER UPDATE ON monthly_summaries REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER monthly_summaries_data_delete AFTER DELETE ON monthly_summaries REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
CREATE TRIGGER monthly_summaries_data_truncate AFTER TRUNCATE ON monthly_summaries
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER oauth_identities_data_insert AFTER INSERT ON oauth_identities REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_user_rows_inserted();
CREATE TRIGGER oauth_identities_data_update AFTER UPDATE ON oauth_identities REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_user_rows_updated();
CREATE TRIGGER oauth_identities_data_delete AFTER DELETE ON oauth_identities REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_user_rows_deleted();
CREATE TRIGGER oauth_identities_data_truncate AFTER TRUNCATE ON oauth_identities
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER portal_links_data_insert AFTER INSERT ON portal_links REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER portal_links_data_update AFTER UPDATE ON portal_links REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER portal_links_data_delete AFTER DELETE ON portal_links REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
CREATE TRIGGER portal_links_data_truncate AFTER TRUNCATE ON portal_links
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER rating_tokens_data_insert AFTER INSERT ON rating_tokens REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_request_rows_inserted();
CREATE TRIGGER rating_tokens_data_update AFTER UPDATE ON rating_tokens REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_request_rows_updated();
CREATE TRIGGER rating_tokens_data_delete AFTER DELETE ON rating_tokens REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_request_rows_deleted();
CREATE TRIGGER rating_tokens_data_truncate AFTER TRUNCATE ON rating_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER recovery_codes_data_insert AFTER INSERT ON recovery_codes REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_user_rows_inserted();
CREATE TRIGGER recovery_codes_data_update AFTER UPDATE ON recovery_codes REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_user_rows_updated();
CREATE TRIGGER recovery_codes_data_delete AFTER DELETE ON recovery_codes REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_user_rows_deleted();
CREATE TRIGGER recovery_codes_data_truncate AFTER TRUNCATE ON recovery_codes
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER request_followers_data_insert AFTER INSERT ON request_followers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_request_rows_inserted();
CREATE TRIGGER request_followers_data_update AFTER UPDATE ON request_followers REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_request_rows_updated();
CREATE TRIGGER request_followers_data_delete AFTER DELETE ON request_followers REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_request_rows_deleted();
CREATE TRIGGER request_followers_data_truncate AFTER TRUNCATE ON request_followers
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER request_ratings_data_insert AFTER INSERT ON request_ratings REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER request_ratings_data_update AFTER UPDATE ON request_ratings REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER request_ratings_data_delete AFTER DELETE ON request_ratings REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
CREATE TRIGGER request_ratings_data_truncate AFTER TRUNCATE ON request_ratings
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER requests_data_insert AFTER INSERT ON requests REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER requests_data_update AFTER UPDATE ON requests REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER requests_data_delete AFTER DELETE ON requests REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
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
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER time_entries_data_update AFTER UPDATE ON time_entries REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER time_entries_data_delete AFTER DELETE ON time_entries REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
CREATE TRIGGER time_entries_data_truncate AFTER TRUNCATE ON time_entries
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER time_question_messages_data_insert AFTER INSERT ON time_question_messages REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER time_question_messages_data_update AFTER UPDATE ON time_question_messages REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER time_question_messages_data_delete AFTER DELETE ON time_question_messages REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
CREATE TRIGGER time_question_messages_data_truncate AFTER TRUNCATE ON time_question_messages
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER time_questions_data_insert AFTER INSERT ON time_questions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER time_questions_data_update AFTER UPDATE ON time_questions REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER time_questions_data_delete AFTER DELETE ON time_questions REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
CREATE TRIGGER time_questions_data_truncate AFTER TRUNCATE ON time_questions
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER users_data_insert AFTER INSERT ON users REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_inserted();
CREATE TRIGGER users_data_update AFTER UPDATE ON users REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_updated();
CREATE TRIGGER users_data_delete AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_client_rows_deleted();
CREATE TRIGGER users_data_truncate AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER workspace_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON workspace
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
CREATE TRIGGER sessions_data_insert AFTER INSERT ON sessions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_user_rows_inserted();
CREATE TRIGGER sessions_data_delete AFTER DELETE ON sessions REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_user_rows_deleted();
CREATE TRIGGER sessions_data_truncate AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed();
