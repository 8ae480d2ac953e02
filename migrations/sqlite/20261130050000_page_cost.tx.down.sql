DROP INDEX requests_client_first_response;
DROP TRIGGER requests_count_update;
DROP TRIGGER requests_count_delete;
DROP TRIGGER requests_count_insert;
DROP TABLE request_counts;
DROP INDEX activity_events_client_public;
