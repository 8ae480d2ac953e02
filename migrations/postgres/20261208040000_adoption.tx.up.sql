-- Portal adoption (issue 21): how much each client uses the portal.
--
-- signin_events: one row per real sign-in of a client user (password,
-- google, microsoft, openid; '' for the sign-ins known only from
-- users.last_sign_in_at before this table). Staff sign in to no client and
-- are not recorded; a session started for any other reason (a password
-- change) is not a sign-in.
CREATE TABLE signin_events (
    id           BIGSERIAL PRIMARY KEY,
    client_id    BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    method       TEXT NOT NULL DEFAULT '',
    signed_in_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX signin_events_user ON signin_events (user_id, signed_in_at);

-- user_signin_days: sign-ins per person and UTC day, written with the event.
-- A period's active people and sign-ins come from its days, so the Adoption
-- page reads at most one row per person and day of the period, however long
-- the history.
CREATE TABLE user_signin_days (
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    day       DATE NOT NULL,
    signins   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, day)
);
CREATE INDEX user_signin_days_client ON user_signin_days (client_id, day);

-- client_activity_days: per client and UTC day, requests opened by channel
-- (in the portal, by staff on the client's behalf, by e-mail) and messages
-- of client users (all, and those that came by e-mail), kept by triggers
-- so every writer (pages, API, mail-in) counts.
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

-- The second factor's page finishes a sign-in begun with a password or a
-- provider: the challenge remembers which.
ALTER TABLE signin_challenges ADD COLUMN method TEXT NOT NULL DEFAULT '';

-- History: requests by how they were opened (staff acting: on the client's
-- behalf, whatever the channel; a client user: by e-mail or the portal).
INSERT INTO client_activity_days (client_id, day, requests_portal, requests_staff, requests_email)
SELECT e.client_id, (e.created_at AT TIME ZONE 'UTC')::date,
       count(*) FILTER (WHERE u.client_id IS NOT NULL AND r.channel <> 'email'),
       count(*) FILTER (WHERE u.client_id IS NULL),
       count(*) FILTER (WHERE u.client_id IS NOT NULL AND r.channel = 'email')
FROM activity_events AS e
JOIN requests AS r ON r.id = e.request_id
LEFT JOIN users AS u ON u.id = e.actor_id
WHERE e.kind = 'request_submitted'
GROUP BY 1, 2;

INSERT INTO client_activity_days AS d (client_id, day, client_messages, client_messages_email)
SELECT m.client_id, (m.created_at AT TIME ZONE 'UTC')::date, count(*),
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM inbound_mails AS i WHERE i.message_id = m.id))
FROM messages AS m JOIN users AS u ON u.id = m.author_id
WHERE u.client_id IS NOT NULL AND NOT m.internal
GROUP BY 1, 2
ON CONFLICT (client_id, day) DO UPDATE SET
    client_messages = d.client_messages + EXCLUDED.client_messages,
    client_messages_email = d.client_messages_email + EXCLUDED.client_messages_email;

INSERT INTO signin_events (client_id, user_id, method, signed_in_at)
SELECT client_id, id, '', last_sign_in_at FROM users
WHERE client_id IS NOT NULL AND last_sign_in_at IS NOT NULL;
INSERT INTO user_signin_days (user_id, client_id, day, signins)
SELECT user_id, client_id, (signed_in_at AT TIME ZONE 'UTC')::date, 1 FROM signin_events;

-- A request is counted once, when its request_submitted event is written.
CREATE FUNCTION portal_adoption_request() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    by_client BOOLEAN := EXISTS (SELECT 1 FROM users WHERE id = NEW.actor_id AND client_id IS NOT NULL);
    by_mail   BOOLEAN := EXISTS (SELECT 1 FROM requests WHERE id = NEW.request_id AND channel = 'email');
BEGIN
    INSERT INTO client_activity_days AS d (client_id, day, requests_portal, requests_staff, requests_email)
    VALUES (NEW.client_id, (NEW.created_at AT TIME ZONE 'UTC')::date,
            CASE WHEN by_client AND NOT by_mail THEN 1 ELSE 0 END,
            CASE WHEN by_client THEN 0 ELSE 1 END,
            CASE WHEN by_client AND by_mail THEN 1 ELSE 0 END)
    ON CONFLICT (client_id, day) DO UPDATE SET
        requests_portal = d.requests_portal + EXCLUDED.requests_portal,
        requests_staff = d.requests_staff + EXCLUDED.requests_staff,
        requests_email = d.requests_email + EXCLUDED.requests_email;
    RETURN NULL;
END
$$;
CREATE TRIGGER activity_events_adoption AFTER INSERT ON activity_events
    FOR EACH ROW WHEN (NEW.kind = 'request_submitted') EXECUTE FUNCTION portal_adoption_request();

-- A public message by a client user, however it arrived.
CREATE FUNCTION portal_adoption_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM users WHERE id = NEW.author_id AND client_id IS NOT NULL) THEN
        INSERT INTO client_activity_days AS d (client_id, day, client_messages)
        VALUES (NEW.client_id, (NEW.created_at AT TIME ZONE 'UTC')::date, 1)
        ON CONFLICT (client_id, day) DO UPDATE SET client_messages = d.client_messages + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_adoption AFTER INSERT ON messages
    FOR EACH ROW WHEN (NOT NEW.internal) EXECUTE FUNCTION portal_adoption_message();

-- A mail becomes a message after its inbound_mails row is written (the
-- processor records the mail first, then points it at the message): the
-- message is counted as e-mailed when that pointer is first set.
CREATE FUNCTION portal_adoption_mail() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO client_activity_days AS d (client_id, day, client_messages_email)
    SELECT m.client_id, (m.created_at AT TIME ZONE 'UTC')::date, 1
    FROM messages AS m JOIN users AS u ON u.id = m.author_id
    WHERE m.id = NEW.message_id AND NOT m.internal AND u.client_id IS NOT NULL
    ON CONFLICT (client_id, day) DO UPDATE SET client_messages_email = d.client_messages_email + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER inbound_mails_adoption_insert AFTER INSERT ON inbound_mails
    FOR EACH ROW WHEN (NEW.message_id IS NOT NULL) EXECUTE FUNCTION portal_adoption_mail();
CREATE TRIGGER inbound_mails_adoption_update AFTER UPDATE OF message_id ON inbound_mails
    FOR EACH ROW WHEN (OLD.message_id IS NULL AND NEW.message_id IS NOT NULL) EXECUTE FUNCTION portal_adoption_mail();
