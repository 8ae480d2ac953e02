-- SQLite has one writer at a time, so ids already appear in commit order;
-- tx_id stays 0 and positions order by id alone (see the PostgreSQL file).
ALTER TABLE activity_events ADD COLUMN tx_id BIGINT NOT NULL DEFAULT 0;
CREATE INDEX activity_events_position ON activity_events (tx_id, id);
CREATE INDEX activity_events_client_position ON activity_events (client_id, tx_id, id);

-- Whatever ends a session or archives a client is recorded here, and the
-- process's feed ends the event streams opened under it.
CREATE TABLE access_revocations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id BIGINT,
    client_id  BIGINT,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TRIGGER sessions_revoke AFTER DELETE ON sessions
BEGIN
    INSERT INTO access_revocations (session_id) VALUES (OLD.id);
END;

CREATE TRIGGER clients_revoke AFTER UPDATE OF archived_at ON clients
    WHEN NEW.archived_at IS NOT NULL AND OLD.archived_at IS NULL
BEGIN
    INSERT INTO access_revocations (client_id) VALUES (NEW.id);
END;
