DROP INDEX IF EXISTS requests_client_status_completed;
