-- The same as sql/sqlite/0008_provider_confirmation.sql: each PayPal transmission id is accepted
-- with one body only, and reconciliation asks the pending orders asked least recently first.
CREATE TABLE webhook_transmissions (
    provider        NVARCHAR(32)  NOT NULL,
    transmission_id NVARCHAR(128) NOT NULL,
    body_sha256     NCHAR(64)     NOT NULL,
    received_at     DATETIME2(3)  NOT NULL,
    CONSTRAINT pk_webhook_transmissions PRIMARY KEY (provider, transmission_id)
);
CREATE INDEX ix_webhook_transmissions_received ON webhook_transmissions (received_at);

ALTER TABLE orders ADD reconciled_at DATETIME2(3) NULL;
GO
CREATE INDEX ix_orders_pending_reconcile ON orders (reconciled_at, created_at) WHERE status = 'pending';
