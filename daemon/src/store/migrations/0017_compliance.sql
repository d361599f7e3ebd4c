-- Product compliance (JSON in feedbridge's own versioned shapes, common/src/compliance.rs):
-- brand, size chart and certifications per listing and as a default per (shop, category),
-- and the EU manufacturer and responsible person ids per shop. Uploaded documents are
-- remembered in image_uploads (use cases CERTIFICATION_IMAGE, SIZE_CHART_IMAGE,
-- CERTIFICATION_FILE) so a retry never uploads twice.
CREATE TABLE listing_compliance (
    listing_id INTEGER PRIMARY KEY REFERENCES listings(id) ON DELETE CASCADE,
    body       TEXT NOT NULL
);

CREATE TABLE category_compliance (
    shop_id     INTEGER NOT NULL REFERENCES connections(id),
    category_id TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (shop_id, category_id)
);

CREATE TABLE shop_compliance (
    shop_id INTEGER PRIMARY KEY REFERENCES connections(id),
    body    TEXT NOT NULL
);
