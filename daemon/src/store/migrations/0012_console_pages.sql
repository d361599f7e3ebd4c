-- The console pages through its lists (store/pages/): SQL sorts, searches and windows them,
-- so every sort walks an index and a window at any offset reads index entries, never order
-- rows. Sort indexes carry sync_state and shop_id so the Orders filters are checked in the
-- index while it is walked.
DROP INDEX orders_state;
CREATE INDEX orders_state_updated ON orders(sync_state, updated_at, shop_id);
CREATE INDEX orders_shop_updated ON orders(shop_id, updated_at);
CREATE INDEX orders_created ON orders(created_at, sync_state, shop_id);
-- Also what the prune looks an order up by (0011): its TikTok id leads.
DROP INDEX orders_tiktok_order;
CREATE INDEX orders_tiktok_order ON orders(tiktok_order_id, sync_state, shop_id);
CREATE INDEX orders_store_name ON orders(store_order_name, sync_state, shop_id);

CREATE INDEX listings_updated ON listings(updated_at);
CREATE INDEX listings_status_updated ON listings(status, updated_at);
-- The Products search reads titles, store product ids and SKUs from these two indexes alone
-- (a product row carries its description).
CREATE INDEX store_products_title ON store_products(title, store_product_id);
DROP INDEX store_variants_sku;
CREATE INDEX store_variants_sku ON store_variants(sku, product_id);

CREATE INDEX failures_open_seen ON failures(last_seen) WHERE resolved_at IS NULL;

-- What the Orders search looks in, one document per order (rowid = orders.id): the TikTok
-- order id and status, the sync state in its label's words ('in_store' -> 'in store'), the
-- store order name, the reason, and the seller SKUs and tracking numbers of its lines (from
-- the stored record, store/order_record.rs). A trigram index finds any substring of three
-- characters or more without reading the orders.
CREATE VIEW order_search_text (id, text) AS
SELECT r.id,
       r.tiktok_order_id || ' ' || r.tiktok_status || ' ' || replace(r.sync_state, '_', ' ')
       || ' ' || COALESCE(r.store_order_name, '') || ' ' || COALESCE(r.reason, '') || ' '
       || CASE WHEN json_valid(r.detail) THEN COALESCE((
              SELECT group_concat(value, ' ') FROM (
                  SELECT json_extract(item.value, '$.seller_sku') AS value
                  FROM json_each(r.detail, '$.line_items') AS item
                  UNION
                  SELECT json_extract(item.value, '$.tracking_number')
                  FROM json_each(r.detail, '$.line_items') AS item)), '')
          ELSE '' END
FROM orders r;

CREATE VIRTUAL TABLE order_search USING fts5(text, tokenize = 'trigram');

INSERT INTO order_search (rowid, text) SELECT id, text FROM order_search_text;

CREATE TRIGGER order_search_insert AFTER INSERT ON orders BEGIN
    INSERT INTO order_search (rowid, text) SELECT id, text FROM order_search_text WHERE id = new.id;
END;

-- Only when the document changes: most updates (a newer TikTok update time, bookkeeping
-- columns) leave it as it is.
CREATE TRIGGER order_search_update
AFTER UPDATE OF tiktok_order_id, tiktok_status, sync_state, store_order_name, reason, detail ON orders
WHEN (SELECT text FROM order_search WHERE rowid = new.id)
     IS NOT (SELECT text FROM order_search_text WHERE id = new.id)
BEGIN
    DELETE FROM order_search WHERE rowid = new.id;
    INSERT INTO order_search (rowid, text) SELECT id, text FROM order_search_text WHERE id = new.id;
END;

CREATE TRIGGER order_search_delete AFTER DELETE ON orders BEGIN
    DELETE FROM order_search WHERE rowid = old.id;
END;
