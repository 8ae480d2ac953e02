DROP TRIGGER clients_revoke ON clients;
DROP TRIGGER sessions_revoke ON sessions;
DROP FUNCTION portal_revoke_client();
DROP FUNCTION portal_revoke_session();
DROP TABLE access_revocations;
DROP INDEX activity_events_client_position;
DROP INDEX activity_events_position;
ALTER TABLE activity_events DROP COLUMN tx_id;
