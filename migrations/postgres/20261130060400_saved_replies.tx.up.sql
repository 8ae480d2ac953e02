-- Saved replies: canned text staff insert into the composer. Workspace-wide
-- ones (owner_id NULL) are managed by admins; agents keep their own.
CREATE TABLE saved_replies (
    id         BIGSERIAL PRIMARY KEY,
    owner_id   BIGINT REFERENCES users (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX saved_replies_owner ON saved_replies (owner_id);
