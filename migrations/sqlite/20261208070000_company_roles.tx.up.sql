-- Company roles (issue 21). A client user is a company admin or a member.
-- Existing users become members: their visibility does not change (the
-- client's default below is "all"), and no one silently gains the power to
-- invite or disable colleagues; staff appoint company admins.
ALTER TABLE users ADD COLUMN company_role TEXT NOT NULL DEFAULT 'member'
    CHECK (company_role IN ('admin', 'member'));
-- Whether a client user is sent the monthly summary (chosen by a company
-- admin); everyone who got it before still does.
ALTER TABLE users ADD COLUMN receives_summary BOOLEAN NOT NULL DEFAULT TRUE;
-- What a client's members see: 'all' of the company's requests (the default,
-- as before) or only 'own' (opened or followed); and whether they see hours
-- and monthly summaries.
ALTER TABLE clients ADD COLUMN members_see TEXT NOT NULL DEFAULT 'all'
    CHECK (members_see IN ('all', 'own'));
ALTER TABLE clients ADD COLUMN members_see_hours BOOLEAN NOT NULL DEFAULT TRUE;
-- A restricted member's lists read their own requests by requester.
CREATE INDEX requests_client_requester ON requests (client_id, requester_id);
