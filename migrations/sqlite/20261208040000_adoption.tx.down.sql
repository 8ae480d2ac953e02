DROP TRIGGER inbound_mails_adoption_update;
DROP TRIGGER inbound_mails_adoption_insert;
DROP TRIGGER messages_adoption;
DROP TRIGGER activity_events_adoption;
ALTER TABLE signin_challenges DROP COLUMN method;
DROP TABLE client_activity_days;
DROP TABLE user_signin_days;
DROP TABLE signin_events;
