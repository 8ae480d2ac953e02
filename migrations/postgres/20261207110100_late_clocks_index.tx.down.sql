DROP INDEX requests_open_resolution_breached;
DROP INDEX requests_open_response_breached;
DROP INDEX requests_open_resolution_due;
DROP INDEX requests_open_response_due;
CREATE INDEX requests_open_clocks ON requests (client_id)
    INCLUDE (created_at, first_response_at, response_target_secs, response_used_secs, response_due_at,
             resolution_target_secs, resolution_used_secs, resolution_due_at)
    WHERE status <> 'completed' AND completed_at IS NULL;
