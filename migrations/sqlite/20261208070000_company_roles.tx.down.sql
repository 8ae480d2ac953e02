DROP INDEX requests_client_requester;
ALTER TABLE clients DROP COLUMN members_see_hours;
ALTER TABLE clients DROP COLUMN members_see;
ALTER TABLE users DROP COLUMN receives_summary;
ALTER TABLE users DROP COLUMN company_role;
