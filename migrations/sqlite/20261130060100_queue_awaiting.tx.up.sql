-- The queue marks requests awaiting the MSP: new and unanswered, or the
-- last public message is the client's. Staff can open a request on a
-- client's behalf (phone, e-mail, walk-in): the channel is noted.
ALTER TABLE requests ADD COLUMN awaiting_msp BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE requests ADD COLUMN channel TEXT NOT NULL DEFAULT 'portal';
UPDATE requests SET awaiting_msp = TRUE
WHERE status <> 'completed' AND NOT EXISTS (
    SELECT 1 FROM messages AS m JOIN users AS u ON u.id = m.author_id
    WHERE m.request_id = requests.id AND m.internal = FALSE AND u.role IN ('admin', 'agent')
      AND m.id > coalesce((SELECT max(m2.id) FROM messages AS m2 JOIN users AS u2 ON u2.id = m2.author_id
                           WHERE m2.request_id = requests.id AND m2.internal = FALSE AND u2.role = 'client'), 0));
