-- Per-shop rules (JSON of feedbridge_common::catalog::ShopSettings); absent = defaults.
CREATE TABLE shop_settings (
    shop_id  INTEGER PRIMARY KEY REFERENCES connections(id),
    settings TEXT NOT NULL
);
