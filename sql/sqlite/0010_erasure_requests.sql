-- An erasure asked for while an order of that address still waited for its payment: the order is
-- erased as soon as it ends (paid and its license e-mail gone, canceled, failed or expired), by the
-- expiry and retention job. The partial index holds only the orders still to be erased.
ALTER TABLE orders ADD COLUMN erase_requested_at TEXT NULL;
CREATE INDEX ix_orders_erase_requested ON orders (id) WHERE erase_requested_at IS NOT NULL AND erased_at IS NULL;
