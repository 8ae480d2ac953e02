-- One row per summary and recipient that the mail server accepted, so a run
-- after one recipient's refusal (or a crash mid-round) mails only the
-- recipients still missing, never the others again.
CREATE TABLE summary_deliveries (
    summary_id BIGINT NOT NULL REFERENCES monthly_summaries (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    sent_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (summary_id, email)
);
