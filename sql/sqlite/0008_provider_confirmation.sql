-- PayPal signs a CRC-32 of the body, not the body: one transmission's signature fits any other body
-- with the same CRC. Each transmission id is accepted with one body only (its SHA-256 is kept for as
-- long as PayPal:WebhookMaxAge lets a transmission in; older rows are purged).
CREATE TABLE webhook_transmissions (
    provider        TEXT NOT NULL,
    transmission_id TEXT NOT NULL,
    body_sha256     TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    PRIMARY KEY (provider, transmission_id)
);
CREATE INDEX ix_webhook_transmissions_received ON webhook_transmissions (received_at);

-- When reconciliation last asked the provider about a pending order: each run asks the orders
-- asked least recently (never asked first), so no number of other pending orders starves one.
ALTER TABLE orders ADD COLUMN reconciled_at TEXT NULL;
CREATE INDEX ix_orders_pending_reconcile ON orders (reconciled_at, created_at) WHERE status = 'pending';
