-- mail_opt_outs: addresses that turned off one kind of mail (monthly
-- summaries, digests, hour alerts) with a List-Unsubscribe link or button.
-- Kept by address, not user: a summary also goes to a client's contact
-- address, which belongs to no account.
CREATE TABLE mail_opt_outs (
    kind       TEXT NOT NULL,
    email      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (kind, email)
);
