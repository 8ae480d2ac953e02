-- Portal schema, SQLite flavour. migrations/postgres holds the same tables and
-- columns; migrations_test.go keeps the two in step.

-- The MSP itself: one row (id = 1) created by the setup page.
CREATE TABLE workspace (
    id             BIGINT PRIMARY KEY CHECK (id = 1),
    name           TEXT NOT NULL,
    brand_color    TEXT NOT NULL DEFAULT '#2563eb',
    support_email  TEXT NOT NULL DEFAULT '',
    frame_origins  TEXT NOT NULL DEFAULT '',
    staff_domains  TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE categories (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    position    INTEGER NOT NULL DEFAULT 0,
    archived_at TIMESTAMP,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Business-hours calendar: 24x7, or working days (bit 0 = Sunday) between
-- start_minute and end_minute of the day in timezone, minus holidays.
CREATE TABLE sla_calendars (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    timezone     TEXT NOT NULL DEFAULT 'UTC',
    always_open  BOOLEAN NOT NULL DEFAULT FALSE,
    work_days    INTEGER NOT NULL DEFAULT 62,
    start_minute INTEGER NOT NULL DEFAULT 540 CHECK (start_minute BETWEEN 0 AND 1440),
    end_minute   INTEGER NOT NULL DEFAULT 1020 CHECK (end_minute BETWEEN 0 AND 1440),
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE sla_holidays (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    calendar_id BIGINT NOT NULL REFERENCES sla_calendars (id) ON DELETE CASCADE,
    day         DATE NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    UNIQUE (calendar_id, day)
);

CREATE TABLE sla_policies (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    calendar_id     BIGINT NOT NULL REFERENCES sla_calendars (id),
    warning_percent INTEGER NOT NULL DEFAULT 75 CHECK (warning_percent BETWEEN 1 AND 99),
    is_default      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX sla_policies_one_default ON sla_policies (is_default) WHERE is_default;

-- Targets in business minutes, one row per urgency.
CREATE TABLE sla_targets (
    policy_id          BIGINT NOT NULL REFERENCES sla_policies (id) ON DELETE CASCADE,
    urgency            TEXT NOT NULL CHECK (urgency IN ('low', 'normal', 'high', 'critical')),
    response_minutes   INTEGER NOT NULL CHECK (response_minutes > 0),
    resolution_minutes INTEGER NOT NULL CHECK (resolution_minutes > 0),
    PRIMARY KEY (policy_id, urgency)
);

CREATE TABLE clients (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    name                     TEXT NOT NULL,
    slug                     TEXT NOT NULL UNIQUE,
    request_prefix           TEXT NOT NULL,
    timezone                 TEXT NOT NULL DEFAULT 'UTC',
    contact_email            TEXT NOT NULL DEFAULT '',
    sla_policy_id            BIGINT REFERENCES sla_policies (id),
    monthly_included_minutes INTEGER NOT NULL DEFAULT 0 CHECK (monthly_included_minutes >= 0),
    next_request_number      INTEGER NOT NULL DEFAULT 1,
    archived_at              TIMESTAMP,
    created_at               TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at               TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Staff (client_id NULL, role admin|agent) and client users (client_id set,
-- role 'client') share one table so sessions, identities and resets have one owner.
-- A client user's client_id never changes.
CREATE TABLE users (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id        BIGINT REFERENCES clients (id),
    role             TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'client')),
    email            TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    password_hash    TEXT,
    signup_method    TEXT NOT NULL DEFAULT 'password',
    notify_email     BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_at      TIMESTAMP,
    last_sign_in_at  TIMESTAMP,
    password_changed_at TIMESTAMP,
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK ((role = 'client') = (client_id IS NOT NULL))
);
CREATE INDEX users_client_id ON users (client_id, name);

CREATE TABLE oauth_identities (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    email      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (provider, subject)
);
CREATE INDEX oauth_identities_user_id ON oauth_identities (user_id);

-- Only the SHA-256 of a session token is stored.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   BLOB NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_seen_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE portal_links (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id    BIGINT NOT NULL REFERENCES clients (id),
    token_hash   BLOB NOT NULL UNIQUE,
    label        TEXT NOT NULL DEFAULT '',
    created_by   BIGINT REFERENCES users (id),
    expires_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP,
    uses         INTEGER NOT NULL DEFAULT 0,
    last_used_at TIMESTAMP,
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX portal_links_client_id ON portal_links (client_id, created_at);

CREATE TABLE password_resets (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX password_resets_user_id ON password_resets (user_id);

-- Sign-in, reset and link attempts, counted per key (ip:… or email:…) so that
-- every process behind the load balancer shares one limit.
CREATE TABLE rate_limit_hits (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    bucket     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX rate_limit_hits_bucket ON rate_limit_hits (bucket, created_at);

-- SLA state is denormalised onto the request: the clocks' business seconds used
-- up to clock_updated_at, and the due times while a clock runs (NULL when paused
-- or stopped), so the SLA ticker and the queue can use an index instead of a scan.
CREATE TABLE requests (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id               BIGINT NOT NULL REFERENCES clients (id),
    number                  INTEGER NOT NULL,
    title                   TEXT NOT NULL,
    description             TEXT NOT NULL DEFAULT '',
    urgency                 TEXT NOT NULL CHECK (urgency IN ('low', 'normal', 'high', 'critical')),
    category_id             BIGINT REFERENCES categories (id),
    status                  TEXT NOT NULL CHECK (status IN ('submitted', 'in_progress', 'waiting', 'completed')),
    requester_id            BIGINT REFERENCES users (id),
    assignee_id             BIGINT REFERENCES users (id),
    response_target_secs    INTEGER NOT NULL DEFAULT 0,
    resolution_target_secs  INTEGER NOT NULL DEFAULT 0,
    response_used_secs      INTEGER NOT NULL DEFAULT 0,
    resolution_used_secs    INTEGER NOT NULL DEFAULT 0,
    clock_updated_at        TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    response_due_at         TIMESTAMP,
    resolution_due_at       TIMESTAMP,
    response_colour         TEXT NOT NULL DEFAULT 'green',
    resolution_colour       TEXT NOT NULL DEFAULT 'green',
    first_response_at       TIMESTAMP,
    completed_at            TIMESTAMP,
    created_at              TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at              TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (client_id, number)
);
CREATE INDEX requests_client_status ON requests (client_id, status, updated_at);
CREATE INDEX requests_client_created ON requests (client_id, created_at);
CREATE INDEX requests_status_response_due ON requests (status, response_due_at);
CREATE INDEX requests_status_resolution_due ON requests (status, resolution_due_at);
CREATE INDEX requests_assignee ON requests (assignee_id, status);

CREATE TABLE messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id  BIGINT NOT NULL REFERENCES clients (id),
    request_id BIGINT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    author_id  BIGINT REFERENCES users (id),
    body       TEXT NOT NULL,
    internal   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX messages_request ON messages (request_id, id);
CREATE INDEX messages_client ON messages (client_id, created_at);

-- Per-user read position in each request's thread.
CREATE TABLE message_reads (
    user_id              BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    request_id           BIGINT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    last_read_message_id BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, request_id)
);

CREATE TABLE time_entries (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id  BIGINT NOT NULL REFERENCES clients (id),
    request_id BIGINT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    staff_id   BIGINT NOT NULL REFERENCES users (id),
    minutes    INTEGER NOT NULL CHECK (minutes > 0),
    work_date  DATE NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX time_entries_client_date ON time_entries (client_id, work_date);
CREATE INDEX time_entries_request ON time_entries (request_id);

-- An hour bank period (a month by default) with its included hours; top-up
-- blocks bought during the period are hour_purchases.
CREATE TABLE hour_bank_periods (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id        BIGINT NOT NULL REFERENCES clients (id),
    starts_on        DATE NOT NULL,
    ends_on          DATE NOT NULL,
    included_minutes INTEGER NOT NULL DEFAULT 0 CHECK (included_minutes >= 0),
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (client_id, starts_on),
    CHECK (ends_on > starts_on)
);

CREATE TABLE hour_purchases (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id  BIGINT NOT NULL REFERENCES clients (id),
    period_id  BIGINT NOT NULL REFERENCES hour_bank_periods (id) ON DELETE CASCADE,
    minutes    INTEGER NOT NULL CHECK (minutes > 0),
    note       TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX hour_purchases_client_period ON hour_purchases (client_id, period_id);

-- Everything a client may see happen, plus staff-only events (audience
-- 'staff'). The id is monotonic: SSE replay asks for id > Last-Event-ID.
CREATE TABLE activity_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id  BIGINT NOT NULL REFERENCES clients (id),
    request_id BIGINT REFERENCES requests (id) ON DELETE CASCADE,
    actor_id   BIGINT REFERENCES users (id),
    kind       TEXT NOT NULL,
    audience   TEXT NOT NULL DEFAULT 'public' CHECK (audience IN ('public', 'staff')),
    detail     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX activity_events_client ON activity_events (client_id, id);
CREATE INDEX activity_events_request ON activity_events (request_id, id);

CREATE TABLE monthly_summaries (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id          BIGINT NOT NULL REFERENCES clients (id),
    month              DATE NOT NULL,
    requests_submitted INTEGER NOT NULL DEFAULT 0,
    requests_resolved  INTEGER NOT NULL DEFAULT 0,
    minutes_used       INTEGER NOT NULL DEFAULT 0,
    sla_met            INTEGER NOT NULL DEFAULT 0,
    sla_decided        INTEGER NOT NULL DEFAULT 0,
    built_at           TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    emailed_at         TIMESTAMP,
    UNIQUE (client_id, month)
);
