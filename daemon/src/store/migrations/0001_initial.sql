-- Organizations and their connections (one store, many TikTok shops).
CREATE TABLE organizations (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE connections (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organizations(id),
    kind        TEXT NOT NULL CHECK (kind IN ('store', 'tiktok')),
    platform    TEXT NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    external_id TEXT NOT NULL,
    currency    TEXT,
    region      TEXT,
    warehouse_id TEXT,
    state       TEXT NOT NULL DEFAULT 'unknown',
    detail      TEXT,
    updated_at  INTEGER NOT NULL
);

-- The store catalog as last read.
CREATE TABLE store_products (
    id               INTEGER PRIMARY KEY,
    org_id           INTEGER NOT NULL REFERENCES organizations(id),
    store_product_id TEXT NOT NULL,
    title            TEXT NOT NULL,
    description_html TEXT NOT NULL,
    image_urls       TEXT NOT NULL,  -- JSON array
    store_updated_at TEXT NOT NULL,
    UNIQUE (org_id, store_product_id)
);

CREATE TABLE store_variants (
    id                INTEGER PRIMARY KEY,
    product_id        INTEGER NOT NULL REFERENCES store_products(id) ON DELETE CASCADE,
    store_variant_id  TEXT NOT NULL,
    inventory_item_id TEXT,
    sku               TEXT NOT NULL,
    title             TEXT NOT NULL,
    price             TEXT NOT NULL,  -- decimal string
    available         INTEGER NOT NULL,
    options           TEXT NOT NULL,  -- JSON array of [name, value]
    UNIQUE (product_id, store_variant_id)
);
CREATE INDEX store_variants_sku ON store_variants(sku);
CREATE INDEX store_variants_item ON store_variants(inventory_item_id);

-- TikTok category trees, cached per shop.
CREATE TABLE categories (
    shop_id     INTEGER NOT NULL REFERENCES connections(id),
    category_id TEXT NOT NULL,
    parent_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    path        TEXT NOT NULL,
    is_leaf     INTEGER NOT NULL,
    available   INTEGER NOT NULL,
    PRIMARY KEY (shop_id, category_id)
);

-- One store product on one TikTok shop.
CREATE TABLE listings (
    id                INTEGER PRIMARY KEY,
    product_id        INTEGER NOT NULL REFERENCES store_products(id) ON DELETE CASCADE,
    shop_id           INTEGER NOT NULL REFERENCES connections(id),
    category_id       TEXT,
    category_name     TEXT,
    status            TEXT NOT NULL DEFAULT 'not_synced',
    status_reason     TEXT,
    review_reasons    TEXT NOT NULL DEFAULT '[]',  -- JSON array
    tiktok_product_id TEXT,
    updated_at        INTEGER NOT NULL,
    UNIQUE (product_id, shop_id)
);

CREATE TABLE listing_skus (
    listing_id    INTEGER NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
    variant_id    INTEGER NOT NULL REFERENCES store_variants(id) ON DELETE CASCADE,
    tiktok_sku_id TEXT NOT NULL,
    synced_price  TEXT,
    synced_stock  INTEGER,
    PRIMARY KEY (listing_id, variant_id)
);

-- TikTok orders, once per (shop, order id).
CREATE TABLE orders (
    id                 INTEGER PRIMARY KEY,
    shop_id            INTEGER NOT NULL REFERENCES connections(id),
    tiktok_order_id    TEXT NOT NULL,
    tiktok_status      TEXT NOT NULL,
    tiktok_update_time INTEGER NOT NULL,
    sync_state         TEXT NOT NULL,
    reason             TEXT,
    detail             TEXT NOT NULL,  -- JSON of the last order detail read
    currency           TEXT NOT NULL,
    total              TEXT NOT NULL,
    store_order_id     TEXT,
    store_order_name   TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    UNIQUE (shop_id, tiktok_order_id)
);
CREATE INDEX orders_store_order ON orders(store_order_id);

-- Store shipments and where their tracking went on TikTok.
CREATE TABLE shipments (
    order_id             INTEGER NOT NULL REFERENCES orders(id),
    store_fulfilment_id  TEXT NOT NULL,
    tracking_number      TEXT NOT NULL,
    carrier              TEXT NOT NULL,
    tiktok_package_id    TEXT,
    pushed_at            INTEGER,
    PRIMARY KEY (order_id, store_fulfilment_id)
);

-- The durable job queue. At most one queued job per (kind, subject): later requests coalesce.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    run_at      INTEGER NOT NULL,  -- unix millis
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX jobs_one_queued ON jobs(kind, subject) WHERE state = 'queued';
CREATE INDEX jobs_due ON jobs(state, run_at);

-- What went wrong, in the merchant's words, until it is resolved.
CREATE TABLE failures (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER REFERENCES organizations(id),
    job_kind    TEXT NOT NULL,
    job_subject TEXT NOT NULL,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    action      TEXT NOT NULL,
    raw_error   TEXT,
    retryable   INTEGER NOT NULL,
    attempts    INTEGER NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    resolved_at INTEGER
);
CREATE UNIQUE INDEX failures_open ON failures(job_kind, job_subject) WHERE resolved_at IS NULL;

-- Every state change, numbered; the console follows it by sequence.
CREATE TABLE events (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    org     TEXT,
    subject TEXT NOT NULL,
    message TEXT NOT NULL
);

-- Poll cursors (e.g. last TikTok order update time per shop).
CREATE TABLE cursors (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Webhook deliveries already taken in: duplicates are dropped.
CREATE TABLE webhook_deliveries (
    platform    TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (platform, delivery_id)
);
