-- Jobs are claimed by priority, then by due time (sync::kind::priority): work on orders first,
-- per-listing work that can come by the ten thousand (stock pushes after linking a large
-- catalog) last, so it never holds an order back.
ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
UPDATE jobs SET priority = 0
WHERE kind IN ('order_fetch', 'order_sync', 'fulfilment_push', 'store_cancel', 'mcf_create',
               'mcf_follow');
UPDATE jobs SET priority = 2
WHERE kind IN ('push_stock', 'list_product', 'review_check', 'store_product_refresh');
CREATE INDEX jobs_due_by_priority ON jobs(state, priority, run_at);
