-- The same column and partial index as sql/sqlite/0010_erasure_requests.sql.
ALTER TABLE orders ADD erase_requested_at TIMESTAMPTZ(3) NULL;
CREATE INDEX ix_orders_erase_requested ON orders (id) WHERE erase_requested_at IS NOT NULL AND erased_at IS NULL;
