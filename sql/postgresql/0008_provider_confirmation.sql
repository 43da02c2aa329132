-- The same as sql/sqlite/0008_provider_confirmation.sql: each PayPal transmission id is accepted
-- with one body only, and reconciliation asks the pending orders asked least recently first.
CREATE TABLE webhook_transmissions (
    provider        VARCHAR(32)  NOT NULL,
    transmission_id VARCHAR(128) NOT NULL,
    body_sha256     CHAR(64)     NOT NULL,
    received_at     TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT pk_webhook_transmissions PRIMARY KEY (provider, transmission_id)
);
CREATE INDEX ix_webhook_transmissions_received ON webhook_transmissions (received_at);

ALTER TABLE orders ADD reconciled_at TIMESTAMPTZ(3) NULL;
CREATE INDEX ix_orders_pending_reconcile ON orders (reconciled_at, created_at) WHERE status = 'pending';
