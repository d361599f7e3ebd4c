-- TikTok return and refund requests per order, with their status history: one row per request,
-- `record` is feedbridge's own versioned JSON (store/returns.rs), never TikTok's wire shape.
CREATE TABLE order_returns (
    order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    return_id TEXT NOT NULL,
    record TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (order_id, return_id)
);
