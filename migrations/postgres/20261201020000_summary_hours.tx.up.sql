-- Monthly summaries carry the hour bank as the Hours page computes it
-- (issue 11): the bank period the month ends in, as at the month's end,
-- with where its hours came from, what was used, time not charged and the
-- time-entry questions still open. mail_round numbers the sendings of a
-- summary: a resend starts a new round, and a delivery counts for the round
-- it was made in, so a retry reaches only the recipients the round missed.
ALTER TABLE monthly_summaries ADD COLUMN has_bank BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE monthly_summaries ADD COLUMN bank_period_start DATE;
ALTER TABLE monthly_summaries ADD COLUMN bank_period_end DATE;
ALTER TABLE monthly_summaries ADD COLUMN included_minutes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monthly_summaries ADD COLUMN rollover_in_minutes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monthly_summaries ADD COLUMN brought_in_minutes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monthly_summaries ADD COLUMN bought_minutes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monthly_summaries ADD COLUMN bank_used_minutes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monthly_summaries ADD COLUMN not_charged_minutes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monthly_summaries ADD COLUMN open_questions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monthly_summaries ADD COLUMN overage_rate TEXT NOT NULL DEFAULT '';
ALTER TABLE monthly_summaries ADD COLUMN mail_round INTEGER NOT NULL DEFAULT 0;
ALTER TABLE summary_deliveries ADD COLUMN mail_round INTEGER NOT NULL DEFAULT 0;

-- Low-balance alerts get their own opt-in, apart from "e-mail me about
-- updates" (which keeps the monthly summary); people keep what they had.
ALTER TABLE users ADD COLUMN notify_low_balance BOOLEAN NOT NULL DEFAULT true;
UPDATE users SET notify_low_balance = notify_email;
