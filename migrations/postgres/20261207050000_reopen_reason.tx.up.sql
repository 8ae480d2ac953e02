-- Why the client reopened a request (optional), shown to staff in the queue
-- until the request is completed again. Each reopen's reason also stays in
-- the request's history: the request_reopened event's detail, which until
-- now repeated the new status and is cleared for the events already written.
ALTER TABLE requests ADD COLUMN reopen_reason TEXT;
UPDATE activity_events SET detail = '' WHERE kind = 'request_reopened';
