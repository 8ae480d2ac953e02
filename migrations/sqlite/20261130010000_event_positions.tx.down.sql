DROP TRIGGER clients_revoke;
DROP TRIGGER sessions_revoke;
DROP TABLE access_revocations;
DROP INDEX activity_events_client_position;
DROP INDEX activity_events_position;
ALTER TABLE activity_events DROP COLUMN tx_id;
