-- The connection check and the store read that lets order creates begin after a start are
-- claimed with the orders (sync::kind::priority): behind due order work they could wait forever.
UPDATE jobs SET priority = 0
WHERE kind IN ('connect', 'store_orders_read') AND state IN ('queued', 'running');
