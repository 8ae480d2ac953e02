-- Attachments (issue 12): files on a new request (message_id NULL: they go
-- with the description) or on a message. The file itself is in object
-- storage under storage_key, a random key the server chose; this row is
-- written in the same transaction as the message, so a file without a row
-- is an orphan the clean-up job deletes. internal copies the message's flag
-- so a client query filters on the row alone and fails closed.
CREATE TABLE attachments (
    id           BIGSERIAL PRIMARY KEY,
    client_id    BIGINT NOT NULL REFERENCES clients (id),
    request_id   BIGINT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    message_id   BIGINT REFERENCES messages (id) ON DELETE CASCADE,
    uploader_id  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    internal     BOOLEAN NOT NULL DEFAULT TRUE,
    name         TEXT NOT NULL,
    size         BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    storage_key  TEXT NOT NULL UNIQUE,
    thumb_key    TEXT,
    width        INTEGER NOT NULL DEFAULT 0,
    height       INTEGER NOT NULL DEFAULT 0,
    inline       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX attachments_request ON attachments (request_id, id);
CREATE INDEX attachments_message ON attachments (message_id);
CREATE INDEX attachments_client ON attachments (client_id, id);

-- How many attachments a request and a message have, kept in the same
-- transaction: a page reads attachments only when there are some, so a
-- thread without files costs no extra statement.
ALTER TABLE requests ADD COLUMN attachments INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN attachments INTEGER NOT NULL DEFAULT 0;

-- Limits admins set on Settings.
ALTER TABLE workspace ADD COLUMN attach_max_file_bytes BIGINT NOT NULL DEFAULT 20971520;
ALTER TABLE workspace ADD COLUMN attach_max_files INTEGER NOT NULL DEFAULT 10;
ALTER TABLE workspace ADD COLUMN attach_blocked TEXT NOT NULL
    DEFAULT 'apk app bat cmd com cpl dll dmg elf exe hta jar js jse lnk msi msp ps1 psm1 reg scr sh vb vbe vbs wsf';
