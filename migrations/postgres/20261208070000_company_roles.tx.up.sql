-- Company roles (issue 21). A client user is a company admin or a member.
-- Existing users become members: their visibility does not change (the
-- client's default below is "all"), and no one silently gains the power to
-- invite or disable colleagues; staff appoint company admins.
ALTER TABLE users ADD COLUMN company_role TEXT NOT NULL DEFAULT 'member'
    CHECK (company_role IN ('admin', 'member'));
-- A client user a company admin took off the monthly summary's list;
-- everyone who got it before still does.
ALTER TABLE users ADD COLUMN summary_muted BOOLEAN NOT NULL DEFAULT FALSE;
-- What a client's members see: 'all' of the company's requests (the default,
-- as before) or only their 'own' (opened or followed); and whether hours and
-- monthly summaries are hidden from them.
ALTER TABLE clients ADD COLUMN members_see TEXT NOT NULL DEFAULT 'all'
    CHECK (members_see IN ('all', 'own'));
ALTER TABLE clients ADD COLUMN members_hours_hidden BOOLEAN NOT NULL DEFAULT FALSE;
-- A restricted member's lists read their own requests by requester.
CREATE INDEX requests_client_requester ON requests (client_id, requester_id);
