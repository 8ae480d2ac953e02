-- A client's open requests, most recently updated first (the portal's
-- default list): the first page read from the index, however many requests
-- the client has. The query repeats the predicate (models.Scope.listRequests).
CREATE INDEX requests_client_open_updated ON requests (client_id, updated_at DESC, id DESC)
    WHERE status <> 'completed';
