-- The e-mail notifier (handlers/notifications.go) reads activity_events in id
-- order. notification_cursor (one row) is how far it has read;
-- pending_notifications is the mail it still owes: one line per recipient and
-- event, sent together once that recipient's burst has gone quiet. Only
-- public events get lines, so internal notes are never mailed.
CREATE TABLE notification_cursor (
    id            BIGINT PRIMARY KEY CHECK (id = 1),
    last_event_id BIGINT NOT NULL DEFAULT 0,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Start after the events that already exist: an upgrade must not mail history.
INSERT INTO notification_cursor (id, last_event_id) SELECT 1, coalesce(max(id), 0) FROM activity_events;

CREATE TABLE pending_notifications (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_id   BIGINT NOT NULL REFERENCES activity_events (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, event_id)
);
