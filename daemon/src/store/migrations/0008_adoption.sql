-- Adoption: what the store and TikTok already hold when this database does not know it (a new
-- data dir, a reinstall, a restore from an old backup). Nothing is created until it is read.

-- Store orders carrying a TikTok order id, as read back from the store; consulted before any
-- create, so an order the store already has is recorded instead of created again.
CREATE TABLE store_order_claims (
    org_id           INTEGER NOT NULL REFERENCES organizations(id),
    tiktok_order_id  TEXT NOT NULL,
    store_order_id   TEXT NOT NULL,
    store_order_name TEXT NOT NULL,
    read_at          INTEGER NOT NULL,
    PRIMARY KEY (org_id, tiktok_order_id)
);

-- Per organization: the store was read back to `known_since` (Unix seconds), so a TikTok order
-- created before then may have a store order this database never saw and is looked up in the
-- store before a create. Databases from before adoption synced every order they know: 0.
CREATE TABLE store_order_adoption (
    org_id      INTEGER PRIMARY KEY REFERENCES organizations(id),
    known_since INTEGER NOT NULL
);
INSERT INTO store_order_adoption (org_id, known_since) SELECT id, 0 FROM organizations;

-- TikTok shops whose products already on TikTok were linked by seller SKU on their first
-- catalog read in this database. Shops of databases from before adoption count as done.
CREATE TABLE catalog_adoption (
    connection_id INTEGER PRIMARY KEY REFERENCES connections(id),
    adopted_at    INTEGER NOT NULL,
    linked        INTEGER NOT NULL DEFAULT 0
);
INSERT INTO catalog_adoption (connection_id, adopted_at)
    SELECT id, 0 FROM connections WHERE kind = 'tiktok';
