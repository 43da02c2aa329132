-- Support console: staff accounts, the audit trail, and the indexes that keep support lookups fast
-- with a million orders (e-mail without regard to case, any provider reference, a refund id).

CREATE TABLE support_users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    username        TEXT    NOT NULL,               -- lower case, checked by the service
    role            TEXT    NOT NULL CHECK (role IN ('support', 'admin')),
    password_hash   TEXT    NOT NULL,               -- ASP.NET Core Identity PasswordHasher (PBKDF2)
    security_stamp  TEXT    NOT NULL,               -- changes on password reset / disable: ends every session
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT    NULL,
    disabled        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT    NOT NULL,
    last_sign_in_at TEXT    NULL
);
CREATE UNIQUE INDEX ux_support_users_username ON support_users (username);

-- Who looked at or changed what, and when. `detail` never holds personal data (no e-mail
-- addresses, no license keys, no search terms). `actor` is the staff username, or 'command line'.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT    NOT NULL,
    staff_user_id INTEGER NULL REFERENCES support_users (id),
    actor         TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    order_id      INTEGER NULL REFERENCES orders (id),
    order_number  TEXT    NULL,
    detail        TEXT    NULL
);
CREATE INDEX ix_audit_log_order ON audit_log (order_id, id);
CREATE INDEX ix_audit_log_actor ON audit_log (actor, id);
CREATE INDEX ix_audit_log_action ON audit_log (action, id);

-- Lookups. The e-mail is matched without regard to case through a computed column (a virtual
-- generated column here, a persisted computed column on SQL Server) so the index can be used.
ALTER TABLE orders ADD COLUMN email_lower TEXT GENERATED ALWAYS AS (lower(email)) VIRTUAL;
CREATE INDEX ix_orders_email_lower ON orders (email_lower, created_at);
CREATE INDEX ix_orders_provider_order_ref_any ON orders (provider_order_ref);
CREATE INDEX ix_orders_provider_transaction_ref_any ON orders (provider_transaction_ref);
CREATE INDEX ix_inbox_refund_ref ON webhook_inbox (provider_refund_ref);
CREATE INDEX ix_inbox_unprocessed_order_number ON webhook_inbox (order_number, processed_at);
