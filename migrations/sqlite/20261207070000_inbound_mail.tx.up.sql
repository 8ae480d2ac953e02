-- E-mail as a channel (issue 19).
--
-- inbound_settings: one row. token_key signs the reply tokens in Reply-To
-- addresses and our Message-IDs (mail/thread); it is made once, at random,
-- and shared by every process through the database. reply_in is the
-- Settings switch that turns reply-by-mail off (mail is then held).
CREATE TABLE inbound_settings (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    token_key  BLOB NOT NULL,
    reply_in   BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- inbound_mails: every mail that reached the processor, once. dedupe_key is
-- the mail's Message-ID, or a hash of its bytes when it has none; the unique
-- index makes a mail delivered twice, or read by two processes at once, one
-- row and so one message. status: posted (a message on request_id), held
-- (for staff: raw kept so it can be accepted later), ignored (auto-reply or
-- bounce), accepted / discarded (a held mail staff decided on).
CREATE TABLE inbound_mails (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key  TEXT NOT NULL,
    route       TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    mail_from   TEXT NOT NULL DEFAULT '',
    from_addr   TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    size        BIGINT NOT NULL DEFAULT 0,
    client_id   BIGINT REFERENCES clients (id) ON DELETE SET NULL,
    request_id  BIGINT REFERENCES requests (id) ON DELETE SET NULL,
    user_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    message_id  BIGINT REFERENCES messages (id) ON DELETE SET NULL,
    raw         BLOB,
    decided_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_at  TIMESTAMP
);
CREATE UNIQUE INDEX inbound_mails_dedupe ON inbound_mails (dedupe_key);
CREATE INDEX inbound_mails_status ON inbound_mails (status, id);

-- inbound_routes: how each way in (smtp, imap) is doing, for the console,
-- and the IMAP mailbox's position (UIDVALIDITY and the last UID read).
CREATE TABLE inbound_routes (
    name          TEXT PRIMARY KEY,
    connected     BOOLEAN NOT NULL DEFAULT FALSE,
    last_mail_at  TIMESTAMP,
    last_error    TEXT NOT NULL DEFAULT '',
    last_error_at TIMESTAMP,
    uid_validity  BIGINT NOT NULL DEFAULT 0,
    last_uid      BIGINT NOT NULL DEFAULT 0,
    updated_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
