-- Each process keeps the workspace row and the SLA policies in memory
-- (models/settings_cache.go). Any change to them is announced on the
-- portal_settings channel at commit, so every process drops its copy.
CREATE FUNCTION portal_settings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('portal_settings', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER workspace_settings_changed AFTER INSERT OR UPDATE OR DELETE ON workspace
    FOR EACH STATEMENT EXECUTE FUNCTION portal_settings_changed();
CREATE TRIGGER sla_policies_settings_changed AFTER INSERT OR UPDATE OR DELETE ON sla_policies
    FOR EACH STATEMENT EXECUTE FUNCTION portal_settings_changed();
CREATE TRIGGER sla_targets_settings_changed AFTER INSERT OR UPDATE OR DELETE ON sla_targets
    FOR EACH STATEMENT EXECUTE FUNCTION portal_settings_changed();
CREATE TRIGGER sla_calendars_settings_changed AFTER INSERT OR UPDATE OR DELETE ON sla_calendars
    FOR EACH STATEMENT EXECUTE FUNCTION portal_settings_changed();
CREATE TRIGGER sla_holidays_settings_changed AFTER INSERT OR UPDATE OR DELETE ON sla_holidays
    FOR EACH STATEMENT EXECUTE FUNCTION portal_settings_changed();

-- The dashboard's recent activity: a client's public events, newest first,
-- without reading past other clients' or staff-only events.
CREATE INDEX activity_events_client_public ON activity_events (client_id, id)
    WHERE audience = 'public' AND kind <> 'sla_changed';

-- The dashboard's open and closed counts, kept in the same transaction as
-- every change of a request's status, so a dashboard reads one row however
-- long the client's history.
CREATE TABLE request_counts (
    client_id    BIGINT PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    open_count   BIGINT NOT NULL DEFAULT 0,
    closed_count BIGINT NOT NULL DEFAULT 0
);
INSERT INTO request_counts (client_id, open_count, closed_count)
    SELECT client_id, count(*) FILTER (WHERE status <> 'completed'), count(*) FILTER (WHERE status = 'completed')
    FROM requests GROUP BY client_id;

CREATE FUNCTION portal_count_requests() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE request_counts SET
            open_count = open_count - CASE WHEN OLD.status <> 'completed' THEN 1 ELSE 0 END,
            closed_count = closed_count - CASE WHEN OLD.status = 'completed' THEN 1 ELSE 0 END
        WHERE client_id = OLD.client_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO request_counts (client_id, open_count, closed_count)
        VALUES (NEW.client_id, CASE WHEN NEW.status <> 'completed' THEN 1 ELSE 0 END,
                CASE WHEN NEW.status = 'completed' THEN 1 ELSE 0 END)
        ON CONFLICT (client_id) DO UPDATE SET
            open_count = request_counts.open_count + EXCLUDED.open_count,
            closed_count = request_counts.closed_count + EXCLUDED.closed_count;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER requests_count_insert AFTER INSERT OR DELETE ON requests
    FOR EACH ROW EXECUTE FUNCTION portal_count_requests();
CREATE TRIGGER requests_count_update AFTER UPDATE OF status, client_id ON requests
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.client_id <> NEW.client_id)
    EXECUTE FUNCTION portal_count_requests();

-- This month's SLA figures read this month's responses, not all of them.
CREATE INDEX requests_client_first_response ON requests (client_id, first_response_at);
