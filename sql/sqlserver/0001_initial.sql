-- Orders on SQL Server: the same tables as sql/sqlite/0001_initial.sql, column for column.
-- Money is integer minor units + ISO 4217 code; times are UTC datetime2.

CREATE TABLE orders (
    id                       BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_orders PRIMARY KEY,
    order_number             NVARCHAR(64)   NOT NULL,
    sku                      NVARCHAR(64)   NOT NULL,
    product_name             NVARCHAR(200)  NOT NULL,
    quantity                 INT            NOT NULL CONSTRAINT ck_orders_quantity CHECK (quantity > 0),
    unit_price_minor         BIGINT         NOT NULL CONSTRAINT ck_orders_unit_price CHECK (unit_price_minor >= 0),
    currency                 NCHAR(3)       NOT NULL,
    total_minor              BIGINT         NOT NULL CONSTRAINT ck_orders_total CHECK (total_minor >= 0),
    email                    NVARCHAR(254)  NOT NULL,
    licensee_name            NVARCHAR(200)  NOT NULL,
    provider                 NVARCHAR(32)   NOT NULL,
    provider_order_ref       NVARCHAR(128)  NULL,
    provider_transaction_ref NVARCHAR(128)  NULL,
    redirect_url             NVARCHAR(2048) NULL,  -- the provider's pay page, returned again on an idempotent replay
    status                   NVARCHAR(16)   NOT NULL,
    status_token_hash        NCHAR(64)      NOT NULL,
    checkout_key_hash        NCHAR(64)      NULL,
    checkout_fingerprint     NCHAR(64)      NULL,
    created_at               DATETIME2(3)   NOT NULL,
    updated_at               DATETIME2(3)   NOT NULL,
    paid_at                  DATETIME2(3)   NULL
);
CREATE UNIQUE INDEX ux_orders_order_number ON orders (order_number);
CREATE UNIQUE INDEX ux_orders_checkout_key ON orders (checkout_key_hash) WHERE checkout_key_hash IS NOT NULL;
CREATE UNIQUE INDEX ux_orders_provider_order_ref ON orders (provider, provider_order_ref) WHERE provider_order_ref IS NOT NULL;
CREATE INDEX ix_orders_status_created ON orders (status, created_at);
CREATE INDEX ix_orders_transaction_ref ON orders (provider, provider_transaction_ref);

-- Verified provider events, normalised. The raw body is never stored.
CREATE TABLE webhook_inbox (
    id                       BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_webhook_inbox PRIMARY KEY,
    provider                 NVARCHAR(32)  NOT NULL,
    provider_event_id        NVARCHAR(200) NOT NULL,
    event_type               NVARCHAR(128) NOT NULL,
    kind                     NVARCHAR(16)  NOT NULL,
    order_number             NVARCHAR(128) NULL,
    provider_order_ref       NVARCHAR(128) NULL,
    provider_transaction_ref NVARCHAR(128) NULL,
    provider_refund_ref      NVARCHAR(128) NULL,
    amount_minor             BIGINT        NULL,
    currency                 NCHAR(3)      NULL,
    received_at              DATETIME2(3)  NOT NULL,
    order_id                 BIGINT        NULL CONSTRAINT fk_inbox_order REFERENCES orders (id),
    processed_at             DATETIME2(3)  NULL,
    outcome                  NVARCHAR(400) NULL,
    attempts                 INT           NOT NULL CONSTRAINT df_inbox_attempts DEFAULT 0,
    last_error               NVARCHAR(600) NULL
);
CREATE UNIQUE INDEX ux_inbox_provider_event ON webhook_inbox (provider, provider_event_id);
CREATE INDEX ix_inbox_unprocessed ON webhook_inbox (processed_at, received_at);
CREATE INDEX ix_inbox_order ON webhook_inbox (order_id);

CREATE TABLE licenses (
    id            BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_licenses PRIMARY KEY,
    order_id      BIGINT         NOT NULL CONSTRAINT fk_licenses_order REFERENCES orders (id),
    line_no       INT            NOT NULL,
    license_id    NVARCHAR(40)   NOT NULL,
    license_key   NVARCHAR(2048) NOT NULL,
    key_id        NVARCHAR(16)   NOT NULL,
    seats         INT            NOT NULL CONSTRAINT ck_licenses_seats CHECK (seats > 0),
    status        NVARCHAR(16)   NOT NULL,
    issued_at     DATETIME2(3)   NOT NULL,
    revoked_at    DATETIME2(3)   NULL,
    revoke_reason NVARCHAR(200)  NULL
);
CREATE UNIQUE INDEX ux_licenses_order_line ON licenses (order_id, line_no);
CREATE UNIQUE INDEX ux_licenses_license_id ON licenses (license_id);

-- One row per e-mail to send. dedupe_key makes "one license e-mail per order" a constraint.
CREATE TABLE deliveries (
    id              BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_deliveries PRIMARY KEY,
    order_id        BIGINT        NOT NULL CONSTRAINT fk_deliveries_order REFERENCES orders (id),
    kind            NVARCHAR(16)  NOT NULL,
    dedupe_key      NVARCHAR(128) NOT NULL,
    to_address      NVARCHAR(254) NOT NULL,
    status          NVARCHAR(16)  NOT NULL,
    attempts        INT           NOT NULL CONSTRAINT df_deliveries_attempts DEFAULT 0,
    last_error      NVARCHAR(600) NULL,
    created_at      DATETIME2(3)  NOT NULL,
    next_attempt_at DATETIME2(3)  NOT NULL,
    claimed_until   DATETIME2(3)  NULL,
    sent_at         DATETIME2(3)  NULL
);
CREATE UNIQUE INDEX ux_deliveries_dedupe ON deliveries (dedupe_key);
CREATE INDEX ix_deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX ix_deliveries_order ON deliveries (order_id);
