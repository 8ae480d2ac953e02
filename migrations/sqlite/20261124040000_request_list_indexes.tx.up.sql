-- Closed requests are listed by completion date within a client; without this
-- the list sorts every completed request of the client on each page.
CREATE INDEX requests_client_status_completed ON requests (client_id, status, completed_at);
