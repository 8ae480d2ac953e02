-- SQLite serves one process, which drops its settings cache itself when it
-- changes them (models/settings_cache.go); PostgreSQL adds NOTIFY triggers.

-- The dashboard's recent activity: a client's public events, newest first,
-- without reading past other clients' or staff-only events.
CREATE INDEX activity_events_client_public ON activity_events (client_id, id)
    WHERE audience = 'public' AND kind <> 'sla_changed';

-- The dashboard's open and closed counts, kept in the same transaction as
-- every change of a request's status (see the PostgreSQL file).
CREATE TABLE request_counts (
    client_id    INTEGER PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    open_count   BIGINT NOT NULL DEFAULT 0,
    closed_count BIGINT NOT NULL DEFAULT 0
);
INSERT INTO request_counts (client_id, open_count, closed_count)
    SELECT client_id, sum(status <> 'completed'), sum(status = 'completed') FROM requests GROUP BY client_id;

CREATE TRIGGER requests_count_insert AFTER INSERT ON requests
BEGIN
    INSERT OR IGNORE INTO request_counts (client_id) VALUES (NEW.client_id);
    UPDATE request_counts SET open_count = open_count + (NEW.status <> 'completed'),
        closed_count = closed_count + (NEW.status = 'completed') WHERE client_id = NEW.client_id;
END;
CREATE TRIGGER requests_count_delete AFTER DELETE ON requests
BEGIN
    UPDATE request_counts SET open_count = open_count - (OLD.status <> 'completed'),
        closed_count = closed_count - (OLD.status = 'completed') WHERE client_id = OLD.client_id;
END;
CREATE TRIGGER requests_count_update AFTER UPDATE OF status, client_id ON requests
    WHEN OLD.status IS NOT NEW.status OR OLD.client_id <> NEW.client_id
BEGIN
    UPDATE request_counts SET open_count = open_count - (OLD.status <> 'completed'),
        closed_count = closed_count - (OLD.status = 'completed') WHERE client_id = OLD.client_id;
    INSERT OR IGNORE INTO request_counts (client_id) VALUES (NEW.client_id);
    UPDATE request_counts SET open_count = open_count + (NEW.status <> 'completed'),
        closed_count = closed_count + (NEW.status = 'completed') WHERE client_id = NEW.client_id;
END;

-- This month's SLA figures read this month's responses, not all of them.
CREATE INDEX requests_client_first_response ON requests (client_id, first_response_at);
