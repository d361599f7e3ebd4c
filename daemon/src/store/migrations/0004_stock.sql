-- Per-location store stock, and what each TikTok warehouse shows per SKU.

-- Sellable ("available") units of one store inventory item at one store location, from
-- webhooks (fast path) and from reads of that item's levels.
CREATE TABLE stock_levels (
    org_id            INTEGER NOT NULL REFERENCES organizations(id),
    inventory_item_id TEXT NOT NULL,   -- gid://shopify/InventoryItem/N
    location_key      TEXT NOT NULL,   -- the location's number, e.g. '12' for gid://shopify/Location/12
    available         INTEGER NOT NULL,
    -- The store's own timestamp of the level (ISO-8601, second precision): webhooks arrive
    -- out of order, so an older one never overwrites a newer figure.
    store_updated_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, inventory_item_id, location_key)
);

-- Items whose full set of levels was read from the store and is still trusted; until then
-- (or after two changes in the same second, which timestamps cannot order) the push re-reads
-- the item's levels.
CREATE TABLE stock_items (
    org_id            INTEGER NOT NULL REFERENCES organizations(id),
    inventory_item_id TEXT NOT NULL,
    levels_read_at    INTEGER NOT NULL,
    PRIMARY KEY (org_id, inventory_item_id)
);

-- What TikTok shows per warehouse for a listed SKU: last pushed, or last read back by
-- reconciliation. An inventory update must name every warehouse of the SKU (§4.1, §12.10).
CREATE TABLE sku_warehouse_stock (
    listing_id   INTEGER NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
    variant_id   INTEGER NOT NULL REFERENCES store_variants(id) ON DELETE CASCADE,
    warehouse_id TEXT NOT NULL,
    quantity     INTEGER NOT NULL,
    PRIMARY KEY (listing_id, variant_id, warehouse_id)
);
