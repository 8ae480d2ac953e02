-- The delivery log is pruned by age (models.PruneWebhookLog); without this
-- index each prune batch would scan every delivery.
CREATE INDEX webhook_deliveries_updated ON webhook_deliveries (updated_at);
