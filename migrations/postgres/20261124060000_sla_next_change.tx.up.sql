-- When a running SLA clock next changes colour, so the ticker reads only the
-- requests whose moment has come (an index range), not every open request.
ALTER TABLE requests ADD COLUMN sla_next_change_at TIMESTAMPTZ;
CREATE INDEX requests_sla_next_change ON requests (sla_next_change_at);
-- Existing open requests are looked at on the first tick, which then stores
-- their real next change.
UPDATE requests SET sla_next_change_at = clock_updated_at WHERE status <> 'completed';
