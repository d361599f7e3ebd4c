-- Listing and linking: which SKUs to list, whether the TikTok product was linked rather than
-- created by us, images already uploaded to each shop, and category requirements fetched.
ALTER TABLE listings ADD COLUMN selected_skus TEXT NOT NULL DEFAULT '[]';  -- JSON array; empty = all
ALTER TABLE listings ADD COLUMN linked INTEGER NOT NULL DEFAULT 0;

-- One upload per (shop, use case, store image URL): re-listing never uploads twice.
CREATE TABLE image_uploads (
    shop_id    INTEGER NOT NULL REFERENCES connections(id),
    use_case   TEXT NOT NULL,
    source_url TEXT NOT NULL,
    tiktok_ref TEXT NOT NULL,  -- URI (main images) or hosted URL (description images)
    PRIMARY KEY (shop_id, use_case, source_url)
);

-- A category's attributes and rules as TikTok last reported them (JSON), per shop.
CREATE TABLE category_requirements (
    shop_id     INTEGER NOT NULL REFERENCES connections(id),
    category_id TEXT NOT NULL,
    attributes  TEXT NOT NULL,
    rules       TEXT NOT NULL,
    fetched_at  INTEGER NOT NULL,
    PRIMARY KEY (shop_id, category_id)
);
CREATE INDEX listings_tiktok_product ON listings(shop_id, tiktok_product_id);
