-- orders.detail carries its format version (store/order_record.rs). Rows written by release
-- 0.1 have none: they are version 1, whose fields version 2 keeps as they are.
UPDATE orders
SET detail = json_set(detail, '$.version', 2)
WHERE json_valid(detail) AND json_extract(detail, '$.version') IS NULL;
