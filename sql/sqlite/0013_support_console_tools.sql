-- Support console tools: internal notes on an order, finding an order by its licensee name, and
-- the recent-orders list filtered by provider.

-- Staff's internal notes on an order. Never shown to the customer; part of their data export,
-- deleted by erasure, and gone with an abandoned order when it is purged (cascade).
CREATE TABLE order_notes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id      INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    staff_user_id INTEGER NULL REFERENCES support_users (id),
    author        TEXT    NOT NULL,               -- the staff username at the time
    body          TEXT    NOT NULL,               -- checked by the service: length, no card-like numbers
    created_at    TEXT    NOT NULL
);
CREATE INDEX ix_order_notes_order ON order_notes (order_id, id);

-- The licensee name is matched without regard to case through a computed column, like the e-mail.
ALTER TABLE orders ADD COLUMN licensee_name_lower TEXT GENERATED ALWAYS AS (lower(licensee_name)) VIRTUAL;
CREATE INDEX ix_orders_licensee_name_lower ON orders (licensee_name_lower, created_at);

-- The recent-orders list: newest first, all orders or one provider's (ix_orders_status_created serves a status).
CREATE INDEX ix_orders_created ON orders (created_at, id);
CREATE INDEX ix_orders_provider_created ON orders (provider, created_at, id);
