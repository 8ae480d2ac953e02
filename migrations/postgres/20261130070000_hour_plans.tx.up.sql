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
-- was once filed under is kept for old rows only.
ALTER TABLE hour_purchases ALTER COLUMN period_id DROP NOT NULL;
ALTER TABLE hour_purchases ADD COLUMN purchased_on DATE;
UPDATE hour_purchases SET purchased_on = (SELECT starts_on FROM hour_bank_periods WHERE hour_bank_periods.id = hour_purchases.period_id);
UPDATE hour_purchases SET purchased_on = CAST(created_at AS DATE) WHERE purchased_on IS NULL;
ALTER TABLE hour_purchases ALTER COLUMN purchased_on SET NOT NULL;
ALTER TABLE hour_purchases ADD COLUMN expires_on DATE;
ALTER TABLE hour_purchases ADD COLUMN reference TEXT NOT NULL DEFAULT '';
ALTER TABLE hour_purchases ADD COLUMN voided_at TIMESTAMPTZ;
ALTER TABLE hour_purchases ADD COLUMN voided_by BIGINT REFERENCES users (id);
ALTER TABLE hour_purchases ADD COLUMN void_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE hour_purchases ADD COLUMN updated_at TIMESTAMPTZ NOT NULL DEFAULT now();
ALTER TABLE hour_purchases ADD CONSTRAINT hour_purchases_expiry CHECK (expires_on IS NULL OR expires_on >= purchased_on);
CREATE INDEX hour_purchases_client_date ON hour_purchases (client_id, purchased_on);

-- A time entry counts against the bank ('billable') or not: shown to the
-- client as not charged, or hidden from the client altogether.
ALTER TABLE time_entries ADD COLUMN billing TEXT NOT NULL DEFAULT 'billable'
    CHECK (billing IN ('billable', 'not_charged', 'hidden'));
