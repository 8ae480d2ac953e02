-- Hour plans (issue 11). A client's plan lives on its row: the kind of
-- retainer, hours included per period (monthly_included_minutes, named for
-- the first plan kind, holds the per-period figure), pooling of a quarter's
-- or year's months, the day periods start on and the month a quarter or
-- year starts in, an overage rate label and the rollover of unused hours.
ALTER TABLE clients ADD COLUMN hour_plan TEXT NOT NULL DEFAULT 'monthly'
    CHECK (hour_plan IN ('none', 'monthly', 'quarterly', 'yearly', 'prepaid'));
ALTER TABLE clients ADD COLUMN plan_pooled BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE clients ADD COLUMN period_start_day INTEGER NOT NULL DEFAULT 1
    CHECK (period_start_day BETWEEN 1 AND 28);
ALTER TABLE clients ADD COLUMN period_anchor_month INTEGER NOT NULL DEFAULT 1
    CHECK (period_anchor_month BETWEEN 1 AND 12);
ALTER TABLE clients ADD COLUMN overage_rate TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN rollover TEXT NOT NULL DEFAULT 'off'
    CHECK (rollover IN ('off', 'all', 'capped'));
ALTER TABLE clients ADD COLUMN rollover_cap_minutes INTEGER NOT NULL DEFAULT 0
    CHECK (rollover_cap_minutes >= 0);
ALTER TABLE clients ADD COLUMN rollover_expiry_periods INTEGER NOT NULL DEFAULT 0
    CHECK (rollover_expiry_periods >= 0);

-- A purchase (top-up or prepaid block) is dated, may expire, carries a
-- reference (an invoice number) and is voided, never deleted. The period it
-- was once filed under is kept for old rows only. SQLite cannot drop NOT
-- NULL, so the table is rebuilt.
CREATE TABLE hour_purchases_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id    BIGINT NOT NULL REFERENCES clients (id),
    period_id    BIGINT REFERENCES hour_bank_periods (id) ON DELETE CASCADE,
    minutes      INTEGER NOT NULL CHECK (minutes > 0),
    note         TEXT NOT NULL DEFAULT '',
    created_by   BIGINT REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    purchased_on DATE NOT NULL,
    expires_on   DATE,
    reference    TEXT NOT NULL DEFAULT '',
    voided_at    TIMESTAMP,
    voided_by    BIGINT REFERENCES users (id),
    void_reason  TEXT NOT NULL DEFAULT '',
    updated_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (expires_on IS NULL OR expires_on >= purchased_on)
);
INSERT INTO hour_purchases_new (id, client_id, period_id, minutes, note, created_by, created_at, purchased_on, updated_at)
SELECT p.id, p.client_id, p.period_id, p.minutes, p.note, p.created_by, p.created_at,
       COALESCE((SELECT starts_on FROM hour_bank_periods WHERE hour_bank_periods.id = p.period_id), date(p.created_at)),
       p.created_at
FROM hour_purchases AS p;
DROP TABLE hour_purchases;
ALTER TABLE hour_purchases_new RENAME TO hour_purchases;
CREATE INDEX hour_purchases_client_period ON hour_purchases (client_id, period_id);
CREATE INDEX hour_purchases_client_date ON hour_purchases (client_id, purchased_on);

-- A time entry counts against the bank ('billable') or not: shown to the
-- client as not charged, or hidden from the client altogether.
ALTER TABLE time_entries ADD COLUMN billing TEXT NOT NULL DEFAULT 'billable'
    CHECK (billing IN ('billable', 'not_charged', 'hidden'));
