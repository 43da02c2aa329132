-- The same column and filtered index as sql/sqlite/0010_erasure_requests.sql.
ALTER TABLE orders ADD erase_requested_at DATETIME2(3) NULL;
GO
CREATE INDEX ix_orders_erase_requested ON orders (id) WHERE erase_requested_at IS NOT NULL AND erased_at IS NULL;
