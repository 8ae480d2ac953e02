DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TRIGGER activity_events_webhook_outbox;
DROP TABLE webhook_outbox;
DROP TABLE webhook_endpoints;
DROP TABLE api_idempotency;
DROP TABLE api_rate_windows;
DROP TABLE api_tokens;
