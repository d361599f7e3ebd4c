-- Orders, complete: hold window, the create outbox marker, cancellations both ways, money
-- differences, per-shop order rules, batched fetches and TikTok-shipped tracking.

-- When a held order becomes due (Unix seconds); NULL = not held.
ALTER TABLE orders ADD COLUMN hold_until INTEGER;
-- Set just before a store create call is sent: a later attempt must look the order up first.
ALTER TABLE orders ADD COLUMN create_attempted_at INTEGER;
-- The store order was cancelled (by us after a TikTok cancel, or by the merchant).
ALTER TABLE orders ADD COLUMN store_cancelled_at INTEGER;
-- We asked TikTok to cancel (the store cancelled first).
ALTER TABLE orders ADD COLUMN tiktok_cancel_requested_at INTEGER;
-- JSON array of sentences: where the store order's figures differ from TikTok's.
ALTER TABLE orders ADD COLUMN differences TEXT;
-- Which TikTok statuses we already reflected on the store order (JSON array).
ALTER TABLE orders ADD COLUMN reflected_statuses TEXT;
CREATE INDEX orders_state ON orders(sync_state);
CREATE INDEX orders_updated ON orders(updated_at);

-- Shipments go both ways now: store -> TikTok (seller shipping) and TikTok -> store.
ALTER TABLE shipments ADD COLUMN direction TEXT NOT NULL DEFAULT 'to_tiktok';
-- JSON [[seller_sku, quantity], ...]
ALTER TABLE shipments ADD COLUMN lines TEXT;

-- TikTok packages whose tracking we put on the store order, once each.
CREATE TABLE tiktok_shipments (
    order_id            INTEGER NOT NULL REFERENCES orders(id),
    tiktok_package_id   TEXT NOT NULL,
    tracking_number     TEXT NOT NULL,
    carrier             TEXT NOT NULL,
    store_fulfilment_id TEXT NOT NULL,
    lines               TEXT,
    created_at          INTEGER NOT NULL,
    PRIMARY KEY (order_id, tiktok_package_id)
);

-- Per-shop order rules (JSON of OrderSettings).
CREATE TABLE order_settings (
    shop_id  INTEGER PRIMARY KEY REFERENCES connections(id),
    settings TEXT NOT NULL
);

-- Order ids TikTok told us about, waiting to be read in batches of up to 50.
CREATE TABLE order_fetch_queue (
    shop_id         INTEGER NOT NULL REFERENCES connections(id),
    tiktok_order_id TEXT NOT NULL,
    queued_at       INTEGER NOT NULL,
    PRIMARY KEY (shop_id, tiktok_order_id)
);

-- TikTok shipping providers a shop offers (cache for the carrier editor and mapping).
CREATE TABLE shipping_providers (
    shop_id     INTEGER NOT NULL REFERENCES connections(id),
    provider_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    PRIMARY KEY (shop_id, provider_id)
);

-- Store carrier names that matched no provider (shown in the carrier editor).
CREATE TABLE unmapped_carriers (
    shop_id INTEGER NOT NULL REFERENCES connections(id),
    carrier TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (shop_id, carrier)
);
CREATE INDEX events_subject ON events(subject, seq);
CREATE INDEX jobs_running ON jobs(kind, subject) WHERE state = 'running';
