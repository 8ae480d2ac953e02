DROP INDEX requests_client_closed;
