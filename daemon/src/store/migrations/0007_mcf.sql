-- Amazon Multi-Channel Fulfillment: FBA stock, fulfilment orders, per-shop MCF rules and the
-- Amazon account's health.

-- FBA stock per organization as of the last complete inventory read (replaced as a whole).
CREATE TABLE fba_stock (
    org_id      INTEGER NOT NULL REFERENCES organizations(id),
    seller_sku  TEXT NOT NULL,
    fulfillable INTEGER NOT NULL,
    read_at     INTEGER NOT NULL,
    PRIMARY KEY (org_id, seller_sku)
);

-- One Amazon fulfilment order per TikTok order sent to MCF.
CREATE TABLE mcf_orders (
    order_id                    INTEGER PRIMARY KEY REFERENCES orders(id),
    -- Ours, derived from the TikTok order id: the idempotency key at Amazon.
    seller_fulfillment_order_id TEXT NOT NULL UNIQUE,
    -- Set just before a create call leaves: a later attempt must look the order up first.
    create_attempted_at         INTEGER,
    -- Amazon confirmed it (create answered, or found by id).
    created_at                  INTEGER,
    -- fulfillmentOrderStatus as last read, and when it last changed.
    amazon_status               TEXT,
    status_changed_at           INTEGER,
    -- We asked Amazon to cancel it (TikTok cancelled the order).
    cancel_requested_at         INTEGER,
    -- The order no longer needs following (final status handled).
    closed_at                   INTEGER,
    -- The merchant retried after Amazon gave up on it: send it again under the next id.
    resend_requested_at         INTEGER,
    last_error                  TEXT,
    updated_at                  INTEGER NOT NULL
);
CREATE INDEX mcf_orders_open ON mcf_orders(closed_at) WHERE closed_at IS NULL;

-- Amazon packages of a fulfilment order and whether their tracking reached TikTok, once each.
CREATE TABLE mcf_packages (
    order_id          INTEGER NOT NULL REFERENCES orders(id),
    package_number    INTEGER NOT NULL,
    carrier_code      TEXT NOT NULL,
    tracking_number   TEXT NOT NULL,
    -- JSON [[seller_sku, quantity], ...] shipped in it.
    lines             TEXT NOT NULL,
    tiktok_provider   TEXT,
    tiktok_package_id TEXT,
    pushed_at         INTEGER,
    PRIMARY KEY (order_id, package_number)
);

-- Per-shop MCF rules (JSON of McfSettings).
CREATE TABLE mcf_settings (
    shop_id  INTEGER PRIMARY KEY REFERENCES connections(id),
    settings TEXT NOT NULL
);

-- The organization's Amazon account as feedbridge last saw it.
CREATE TABLE amazon_accounts (
    org_id            INTEGER PRIMARY KEY REFERENCES organizations(id),
    -- Country of the marketplace (US, GB), as configured; shown in the console.
    marketplace       TEXT,
    inventory_read_at INTEGER,
    last_error        TEXT,
    last_error_at     INTEGER
);
