-- The API and webhooks (issue 20).
--
-- api_tokens: staff personal tokens (kind personal, owner user_id) and
-- workspace integration tokens (kind integration, user_id is the admin who
-- made it and the actor its changes are recorded under). A token reads
-- pt_<prefix>_<secret>; prefix is shown in the console, only the SHA-256
-- of the whole token is kept. scopes: space-separated.
CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL UNIQUE,
    token_hash   BYTEA NOT NULL,
    scopes       TEXT NOT NULL,
    expires_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- api_rate_windows: calls per token per minute (window = Unix minute), one
-- row upserted per call, shared by every process.
CREATE TABLE api_rate_windows (
    token_id BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    window_start BIGINT NOT NULL,
    calls    INTEGER NOT NULL,
    PRIMARY KEY (token_id, window_start)
);

-- api_idempotency: the first answer to a POST with an Idempotency-Key, per
-- token, kept 24 h. status 0 while the first call is still being answered.
CREATE TABLE api_idempotency (
    id           BIGSERIAL PRIMARY KEY,
    token_id     BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    idem_key     TEXT NOT NULL,
    request_hash BYTEA NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    location     TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX api_idempotency_key ON api_idempotency (token_id, idem_key);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);

-- webhook_endpoints: where events are sent. events: space-separated types;
-- client_id NULL: every client. secret (whsec_…) signs; after a rotation
-- old_secret signs too until old_secret_until.
CREATE TABLE webhook_endpoints (
    id               BIGSERIAL PRIMARY KEY,
    url              TEXT NOT NULL,
    events           TEXT NOT NULL,
    client_id        BIGINT REFERENCES clients (id) ON DELETE CASCADE,
    include_internal BOOLEAN NOT NULL DEFAULT FALSE,
    secret           TEXT NOT NULL,
    old_secret       TEXT NOT NULL DEFAULT '',
    old_secret_until TIMESTAMPTZ,
    failing_since    TIMESTAMPTZ,
    disabled_at      TIMESTAMPTZ,
    disabled_reason  TEXT NOT NULL DEFAULT '',
    created_by       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

-- webhook_outbox: an activity event waiting to be turned into deliveries.
-- Written by the trigger below in the transaction of the change itself, so
-- a change that commits always has its row and one that rolls back never
-- does; only while some endpoint is enabled, so a portal without webhooks
-- writes nothing more.
CREATE TABLE webhook_outbox (
    id         BIGSERIAL PRIMARY KEY,
    event_id   BIGINT NOT NULL REFERENCES activity_events (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE FUNCTION webhook_outbox_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL) THEN
        INSERT INTO webhook_outbox (event_id, created_at) VALUES (NEW.id, NEW.created_at);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER activity_events_webhook_outbox AFTER INSERT ON activity_events
    FOR EACH ROW EXECUTE FUNCTION webhook_outbox_add();

-- webhook_deliveries: one event (msg_id is its webhook-id, stable across
-- retries) to one endpoint. status: pending, delivered, failed. A worker
-- leases a row (locked_until) while it sends, so a process killed mid-send
-- leaves it to another once the lease ends.
CREATE TABLE webhook_deliveries (
    id              BIGSERIAL PRIMARY KEY,
    endpoint_id     BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    msg_id          TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    locked_until    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX webhook_deliveries_msg ON webhook_deliveries (endpoint_id, msg_id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);

-- webhook_attempts: the delivery log, kept 30 days.
CREATE TABLE webhook_attempts (
    id               BIGSERIAL PRIMARY KEY,
    delivery_id      BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    endpoint_id      BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    attempt          INTEGER NOT NULL,
    request_headers  TEXT NOT NULL,
    request_body     TEXT NOT NULL,
    response_status  INTEGER NOT NULL DEFAULT 0,
    response_headers TEXT NOT NULL DEFAULT '',
    response_body    TEXT NOT NULL DEFAULT '',
    error            TEXT NOT NULL DEFAULT '',
    duration_ms      INTEGER NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
CREATE INDEX webhook_attempts_created ON webhook_attempts (created_at);
