-- Times are shown in the viewer's zone: a client user sees the client's,
-- staff their own (users.timezone, empty for "the workspace's"), and the
-- workspace has one for staff who have not chosen.
ALTER TABLE users ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
ALTER TABLE workspace ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
