-- Product tags, vendor and custom fields that attribute rules read (store/catalog.rs), as
-- feedbridge's own versioned JSON (ProductFacts); NULL until the product is read again.
ALTER TABLE store_products ADD COLUMN facts TEXT;

-- Attribute rules read a store option (every rule written before), tags by prefix, the
-- vendor, or a custom field; `source_key` is the option name, tag prefix or field key.
ALTER TABLE attribute_rules RENAME COLUMN store_option TO source_key;
ALTER TABLE attribute_rules ADD COLUMN source_kind TEXT NOT NULL DEFAULT 'option';
