-- The dashboard counts a client's open requests past their SLA targets from
-- index ranges that hold only late clocks, so its cost follows what is late,
-- not what is open: a running clock by its due time (the range before now),
-- a paused or stopped one by having used more than its target. They replace
-- requests_open_clocks, which made that count read every open request.
DROP INDEX requests_open_clocks;
CREATE INDEX requests_open_response_due ON requests (client_id, response_due_at) INCLUDE (created_at, first_response_at)
    WHERE status <> 'completed' AND completed_at IS NULL AND response_target_secs > 0;
CREATE INDEX requests_open_resolution_due ON requests (client_id, resolution_due_at) INCLUDE (created_at)
    WHERE status <> 'completed' AND completed_at IS NULL AND resolution_target_secs > 0;
CREATE INDEX requests_open_response_breached ON requests (client_id) INCLUDE (created_at, first_response_at, response_due_at)
    WHERE status <> 'completed' AND completed_at IS NULL AND response_target_secs > 0
      AND response_used_secs > response_target_secs;
CREATE INDEX requests_open_resolution_breached ON requests (client_id) INCLUDE (created_at, resolution_due_at)
    WHERE status <> 'completed' AND completed_at IS NULL AND resolution_target_secs > 0
      AND resolution_used_secs > resolution_target_secs;
