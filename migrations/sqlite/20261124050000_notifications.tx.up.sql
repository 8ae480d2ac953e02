-- The e-mail notifier's progress and the mail it owes; see the PostgreSQL
-- migration for why.
CREATE TABLE notification_cursor (
    id            BIGINT PRIMARY KEY CHECK (id = 1),
    last_event_id BIGINT NOT NULL DEFAULT 0,
    updated_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO notification_cursor (id, last_event_id) SELECT 1, coalesce(max(id), 0) FROM activity_events;

CREATE TABLE pending_notifications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_id   BIGINT NOT NULL REFERENCES activity_events (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, event_id)
);
