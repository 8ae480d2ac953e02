-- The closed list reads its page in its own order (latest completion first,
-- the id breaking ties) from this index: a page after a cursor is a seek,
-- and no page sorts the client's whole history (the old index had no id,
-- so PostgreSQL sorted every completion time's rows).
CREATE INDEX requests_client_closed ON requests (client_id, completed_at DESC, id DESC) WHERE status = 'completed';
