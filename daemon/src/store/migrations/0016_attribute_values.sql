-- TikTok product attribute values the merchant set (store/attributes.rs). `value` is
-- feedbridge's own versioned JSON (AttributeValue), never TikTok's wire shape.
CREATE TABLE listing_attribute_values (
    listing_id   INTEGER NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
    attribute_id TEXT NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (listing_id, attribute_id)
);

-- The default for every listing of a shop mapped to the category.
CREATE TABLE category_attribute_defaults (
    shop_id      INTEGER NOT NULL REFERENCES connections(id),
    category_id  TEXT NOT NULL,
    attribute_id TEXT NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (shop_id, category_id, attribute_id)
);

-- Shop rules: the attribute named (any category) takes the value of the store option named.
CREATE TABLE attribute_rules (
    shop_id        INTEGER NOT NULL REFERENCES connections(id),
    attribute_name TEXT NOT NULL COLLATE NOCASE,
    store_option   TEXT NOT NULL,
    PRIMARY KEY (shop_id, attribute_name)
);
