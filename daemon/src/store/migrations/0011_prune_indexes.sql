-- What the scheduled prune (sync/prune.rs) looks rows up by, so each batch reads only what it
-- deletes: finished jobs by when they were last touched, resolved failures and webhook
-- delivery ids by age, and an order by its TikTok id (an event's subject names it).
CREATE INDEX jobs_finished ON jobs(updated_at) WHERE state IN ('done', 'failed');
CREATE INDEX failures_resolved ON failures(resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX webhook_deliveries_received ON webhook_deliveries(received_at);
CREATE INDEX orders_tiktok_order ON orders(tiktok_order_id);
