ALTER TABLE time_entries DROP COLUMN billing;
CREATE TABLE hour_purchases_old (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id  BIGINT NOT NULL REFERENCES clients (id),
    period_id  BIGINT NOT NULL REFERENCES hour_bank_periods (id) ON DELETE CASCADE,
    minutes    INTEGER NOT NULL CHECK (minutes > 0),
    note       TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO hour_purchases_old (id, client_id, period_id, minutes, note, created_by, created_at)
SELECT id, client_id, period_id, minutes, note, created_by, created_at FROM hour_purchases WHERE period_id IS NOT NULL;
DROP TABLE hour_purchases;
ALTER TABLE hour_purchases_old RENAME TO hour_purchases;
CREATE INDEX hour_purchases_client_period ON hour_purchases (client_id, period_id);
ALTER TABLE clients DROP COLUMN rollover_expiry_periods;
ALTER TABLE clients DROP COLUMN rollover_cap_minutes;
ALTER TABLE clients DROP COLUMN rollover;
ALTER TABLE clients DROP COLUMN overage_rate;
ALTER TABLE clients DROP COLUMN period_anchor_month;
ALTER TABLE clients DROP COLUMN period_start_day;
ALTER TABLE clients DROP COLUMN plan_pooled;
ALTER TABLE clients DROP COLUMN hour_plan;
