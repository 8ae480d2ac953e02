-- Portal adoption (issue 21): sign-in events, sign-ins per person and day,
-- and requests and client messages per client and day (see the PostgreSQL
-- file). Days are UTC dates, as date() gives them.
CREATE TABLE signin_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id    BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    method       TEXT NOT NULL DEFAULT '',
    signed_in_at TIMESTAMP NOT NULL
);
CREATE INDEX signin_events_user ON signin_events (user_id, signed_in_at);

CREATE TABLE user_signin_days (
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    day       DATE NOT NULL,
    signins   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, day)
);
CREATE INDEX user_signin_days_client ON user_signin_days (client_id, day);

CREATE TABLE client_activity_days (
    client_id             BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    day                   DATE NOT NULL,
    requests_portal       BIGINT NOT NULL DEFAULT 0,
    requests_staff        BIGINT NOT NULL DEFAULT 0,
    requests_email        BIGINT NOT NULL DEFAULT 0,
    client_messages       BIGINT NOT NULL DEFAULT 0,
    client_messages_email BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, day)
);

ALTER TABLE signin_challenges ADD COLUMN method TEXT NOT NULL DEFAULT '';

INSERT INTO client_activity_days (client_id, day, requests_portal, requests_staff, requests_email)
SELECT e.client_id, date(e.created_at),
       sum(CASE WHEN u.client_id IS NOT NULL AND r.channel <> 'email' THEN 1 ELSE 0 END),
       sum(CASE WHEN u.client_id IS NULL THEN 1 ELSE 0 END),
       sum(CASE WHEN u.client_id IS NOT NULL AND r.channel = 'email' THEN 1 ELSE 0 END)
FROM activity_events AS e
JOIN requests AS r ON r.id = e.request_id
LEFT JOIN users AS u ON u.id = e.actor_id
WHERE e.kind = 'request_submitted'
GROUP BY 1, 2;

INSERT INTO client_activity_days (client_id, day)
SELECT DISTINCT m.client_id, date(m.created_at)
FROM messages AS m JOIN users AS u ON u.id = m.author_id
WHERE u.client_id IS NOT NULL AND NOT m.internal
  AND NOT EXISTS (SELECT 1 FROM client_activity_days AS d WHERE d.client_id = m.client_id AND d.day = date(m.created_at));
UPDATE client_activity_days SET
    client_messages = (SELECT count(*) FROM messages AS m JOIN users AS u ON u.id = m.author_id
        WHERE m.client_id = client_activity_days.client_id AND date(m.created_at) = client_activity_days.day
          AND u.client_id IS NOT NULL AND NOT m.internal),
    client_messages_email = (SELECT count(*) FROM messages AS m JOIN users AS u ON u.id = m.author_id
        WHERE m.client_id = client_activity_days.client_id AND date(m.created_at) = client_activity_days.day
          AND u.client_id IS NOT NULL AND NOT m.internal
          AND EXISTS (SELECT 1 FROM inbound_mails AS i WHERE i.message_id = m.id));

INSERT INTO signin_events (client_id, user_id, method, signed_in_at)
SELECT client_id, id, '', last_sign_in_at FROM users
WHERE client_id IS NOT NULL AND last_sign_in_at IS NOT NULL;
INSERT INTO user_signin_days (user_id, client_id, day, signins)
SELECT user_id, client_id, date(signed_in_at), 1 FROM signin_events;

-- A request is counted once, when its request_submitted event is written;
-- the actor tells who opened it (SQLite's comparisons are 0 or 1).
CREATE TRIGGER activity_events_adoption AFTER INSERT ON activity_events
    WHEN NEW.kind = 'request_submitted'
BEGIN
    INSERT OR IGNORE INTO client_activity_days (client_id, day) VALUES (NEW.client_id, date(NEW.created_at));
    UPDATE client_activity_days SET
        requests_portal = requests_portal + (by_client AND NOT by_mail),
        requests_staff = requests_staff + (NOT by_client),
        requests_email = requests_email + (by_client AND by_mail)
    FROM (SELECT EXISTS (SELECT 1 FROM users WHERE id = NEW.actor_id AND client_id IS NOT NULL) AS by_client,
                 EXISTS (SELECT 1 FROM requests WHERE id = NEW.request_id AND channel = 'email') AS by_mail) AS how
    WHERE client_id = NEW.client_id AND day = date(NEW.created_at);
END;

CREATE TRIGGER messages_adoption AFTER INSERT ON messages
    WHEN NOT NEW.internal AND EXISTS (SELECT 1 FROM users WHERE id = NEW.author_id AND client_id IS NOT NULL)
BEGIN
    INSERT OR IGNORE INTO client_activity_days (client_id, day) VALUES (NEW.client_id, date(NEW.created_at));
    UPDATE client_activity_days SET client_messages = client_messages + 1
    WHERE client_id = NEW.client_id AND day = date(NEW.created_at);
END;

CREATE TRIGGER inbound_mails_adoption_insert AFTER INSERT ON inbound_mails
    WHEN NEW.message_id IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO client_activity_days (client_id, day)
    SELECT m.client_id, date(m.created_at) FROM messages AS m JOIN users AS u ON u.id = m.author_id
    WHERE m.id = NEW.message_id AND NOT m.internal AND u.client_id IS NOT NULL;
    UPDATE client_activity_days SET client_messages_email = client_messages_email + 1
    WHERE EXISTS (SELECT 1 FROM messages AS m JOIN users AS u ON u.id = m.author_id
        WHERE m.id = NEW.message_id AND NOT m.internal AND u.client_id IS NOT NULL
          AND m.client_id = client_activity_days.client_id AND date(m.created_at) = client_activity_days.day);
END;

CREATE TRIGGER inbound_mails_adoption_update AFTER UPDATE OF message_id ON inbound_mails
    WHEN OLD.message_id IS NULL AND NEW.message_id IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO client_activity_days (client_id, day)
    SELECT m.client_id, date(m.created_at) FROM messages AS m JOIN users AS u ON u.id = m.author_id
    WHERE m.id = NEW.message_id AND NOT m.internal AND u.client_id IS NOT NULL;
    UPDATE client_activity_days SET client_messages_email = client_messages_email + 1
    WHERE EXISTS (SELECT 1 FROM messages AS m JOIN users AS u ON u.id = m.author_id
        WHERE m.id = NEW.message_id AND NOT m.internal AND u.client_id IS NOT NULL
          AND m.client_id = client_activity_days.client_id AND date(m.created_at) = client_activity_days.day);
END;
