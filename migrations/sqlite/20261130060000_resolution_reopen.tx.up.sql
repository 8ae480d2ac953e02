-- Completing a request states its resolution (public); a client reply within
-- the workspace's reopen window reopens it, after the window a follow-up
-- request links back to it.
ALTER TABLE requests ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN follow_up_of_id BIGINT;
ALTER TABLE workspace ADD COLUMN reopen_window_days INTEGER NOT NULL DEFAULT 14;
