UPDATE activity_events SET detail = 'in_progress' WHERE kind = 'request_reopened';
ALTER TABLE requests DROP COLUMN reopen_reason;
