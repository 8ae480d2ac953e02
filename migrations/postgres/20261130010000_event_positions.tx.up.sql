-- Activity events get a position that is safe against commit order: the id
-- of the transaction that wrote them. An event is delivered only once every
-- transaction below the oldest one still in flight has ended (its tx_id is
-- under pg_snapshot_xmin), so nothing can later appear behind a cursor.
-- Events written before this migration keep tx_id 0 and sort first.
ALTER TABLE activity_events ADD COLUMN tx_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE activity_events ALTER COLUMN tx_id SET DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX activity_events_position ON activity_events (tx_id, id);
CREATE INDEX activity_events_client_position ON activity_events (client_id, tx_id, id);

-- Whatever ends a session (sign-out, disable, password change, expiry) or
-- archives a client is recorded here by a trigger, and announced, so every
-- process ends the event streams opened under it at once.
CREATE TABLE access_revocations (
    id         BIGSERIAL PRIMARY KEY,
    session_id BIGINT,
    client_id  BIGINT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE FUNCTION portal_revoke_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO access_revocations (session_id) VALUES (OLD.id);
    PERFORM pg_notify('portal_access', 's' || OLD.id);
    RETURN NULL;
END
$$;

CREATE FUNCTION portal_revoke_client() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO access_revocations (client_id) VALUES (NEW.id);
    PERFORM pg_notify('portal_access', 'c' || NEW.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_revoke AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION portal_revoke_session();
CREATE TRIGGER clients_revoke AFTER UPDATE OF archived_at ON clients
    FOR EACH ROW WHEN (NEW.archived_at IS NOT NULL AND OLD.archived_at IS NULL)
    EXECUTE FUNCTION portal_revoke_client();
