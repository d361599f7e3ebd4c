-- Stock a TikTok source shop gave up (deduct) or got back (restore) for an order of one of
-- its organization's target shops (connector/tiktok_source): the ledger that makes each move
-- happen once. `moves` is feedbridge's own versioned JSON (store/source_moves.rs): per SKU and
-- warehouse the quantity before and after, written before the stock is changed.
CREATE TABLE source_stock_moves (
    org            TEXT NOT NULL,
    source_shop_id TEXT NOT NULL,
    tiktok_order_id TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('deduct', 'restore')),
    state          TEXT NOT NULL CHECK (state IN ('pending', 'applied')),
    moves          TEXT NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (org, source_shop_id, tiktok_order_id, kind)
);

CREATE INDEX source_stock_moves_pending ON source_stock_moves (org, source_shop_id)
    WHERE state = 'pending';
