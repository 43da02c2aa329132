-- Orders: the single source of truth. Only what is needed to issue and support a license.
-- Money is integer minor units + ISO 4217 code; times are UTC ISO-8601 text ('yyyy-MM-ddTHH:mm:ss.fffZ'),
-- which sorts correctly as text.

CREATE TABLE orders (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    order_number             TEXT    NOT NULL,
    sku                      TEXT    NOT NULL,
    product_name             TEXT    NOT NULL,
    quantity                 INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor         INTEGER NOT NULL CHECK (unit_price_minor >= 0),
    currency                 TEXT    NOT NULL,
    total_minor              INTEGER NOT NULL CHECK (total_minor >= 0),
    email                    TEXT    NOT NULL,
    licensee_name            TEXT    NOT NULL,
    provider                 TEXT    NOT NULL,
    provider_order_ref       TEXT    NULL,
    provider_transaction_ref TEXT    NULL,
    redirect_url             TEXT    NULL,  -- the provider's pay page, returned again on an idempotent replay
    status                   TEXT    NOT NULL,
    status_token_hash        TEXT    NOT NULL,
    checkout_key_hash        TEXT    NULL,
    checkout_fingerprint     TEXT    NULL,
    created_at               TEXT    NOT NULL,
    updated_at               TEXT    NOT NULL,
    paid_at                  TEXT    NULL
);
CREATE UNIQUE INDEX ux_orders_order_number ON orders (order_number);
CREATE UNIQUE INDEX ux_orders_checkout_key ON orders (checkout_key_hash) WHERE checkout_key_hash IS NOT NULL;
CREATE UNIQUE INDEX ux_orders_provider_order_ref ON orders (provider, provider_order_ref) WHERE provider_order_ref IS NOT NULL;
CREATE INDEX ix_orders_status_created ON orders (status, created_at);
CREATE INDEX ix_orders_transaction_ref ON orders (provider, provider_transaction_ref);

-- Verified provider events, normalised. The raw body is never stored.
CREATE TABLE webhook_inbox (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    provider                 TEXT    NOT NULL,
    provider_event_id        TEXT    NOT NULL,
    event_type               TEXT    NOT NULL,
    kind                     TEXT    NOT NULL,
    order_number             TEXT    NULL,
    provider_order_ref       TEXT    NULL,
    provider_transaction_ref TEXT    NULL,
    provider_refund_ref      TEXT    NULL,
    amount_minor             INTEGER NULL,
    currency                 TEXT    NULL,
    received_at              TEXT    NOT NULL,
    order_id                 INTEGER NULL REFERENCES orders (id),
    processed_at             TEXT    NULL,
    outcome                  TEXT    NULL,
    attempts                 INTEGER NOT NULL DEFAULT 0,
    last_error               TEXT    NULL
);
CREATE UNIQUE INDEX ux_inbox_provider_event ON webhook_inbox (provider, provider_event_id);
CREATE INDEX ix_inbox_unprocessed ON webhook_inbox (processed_at, received_at);
CREATE INDEX ix_inbox_order ON webhook_inbox (order_id);

CREATE TABLE licenses (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id      INTEGER NOT NULL REFERENCES orders (id),
    line_no       INTEGER NOT NULL,
    license_id    TEXT    NOT NULL,
    license_key   TEXT    NOT NULL,
    key_id        TEXT    NOT NULL,
    seats         INTEGER NOT NULL CHECK (seats > 0),
    status        TEXT    NOT NULL,
    issued_at     TEXT    NOT NULL,
    revoked_at    TEXT    NULL,
    revoke_reason TEXT    NULL
);
CREATE UNIQUE INDEX ux_licenses_order_line ON licenses (order_id, line_no);
CREATE UNIQUE INDEX ux_licenses_license_id ON licenses (license_id);

-- One row per e-mail to send. dedupe_key makes "one license e-mail per order" a constraint.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id        INTEGER NOT NULL REFERENCES orders (id),
    kind            TEXT    NOT NULL,
    dedupe_key      TEXT    NOT NULL,
    to_address      TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NULL,
    created_at      TEXT    NOT NULL,
    next_attempt_at TEXT    NOT NULL,
    claimed_until   TEXT    NULL,
    sent_at         TEXT    NULL
);
CREATE UNIQUE INDEX ux_deliveries_dedupe ON deliveries (dedupe_key);
CREATE INDEX ix_deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX ix_deliveries_order ON deliveries (order_id);
