DROP INDEX requests_sla_next_change;
ALTER TABLE requests DROP COLUMN sla_next_change_at;
