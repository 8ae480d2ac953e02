DROP INDEX requests_client_requester;
ALTER TABLE clients DROP COLUMN members_hours_hidden;
ALTER TABLE clients DROP COLUMN members_see;
ALTER TABLE users DROP COLUMN summary_muted;
ALTER TABLE users DROP COLUMN company_role;
