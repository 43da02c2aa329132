-- Support console on SQL Server: the same tables, columns and indexes as sql/sqlite/0004_support.sql.

CREATE TABLE support_users (
    id              BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_support_users PRIMARY KEY,
    username        NVARCHAR(64)  NOT NULL,               -- lower case, checked by the service
    role            NVARCHAR(16)  NOT NULL CONSTRAINT ck_support_users_role CHECK (role IN ('support', 'admin')),
    password_hash   NVARCHAR(256) NOT NULL,               -- ASP.NET Core Identity PasswordHasher (PBKDF2)
    security_stamp  NVARCHAR(64)  NOT NULL,               -- changes on password reset / disable: ends every session
    failed_attempts INT           NOT NULL CONSTRAINT df_support_users_failed DEFAULT 0,
    locked_until    DATETIME2(3)  NULL,
    disabled        BIT           NOT NULL CONSTRAINT df_support_users_disabled DEFAULT 0,
    created_at      DATETIME2(3)  NOT NULL,
    last_sign_in_at DATETIME2(3)  NULL
);
CREATE UNIQUE INDEX ux_support_users_username ON support_users (username);

-- Who looked at or changed what, and when. `detail` never holds personal data (no e-mail
-- addresses, no license keys, no search terms). `actor` is the staff username, or 'command line'.
CREATE TABLE audit_log (
    id            BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_audit_log PRIMARY KEY,
    at            DATETIME2(3)  NOT NULL,
    staff_user_id BIGINT        NULL CONSTRAINT fk_audit_log_staff REFERENCES support_users (id),
    actor         NVARCHAR(64)  NOT NULL,
    action        NVARCHAR(32)  NOT NULL,
    order_id      BIGINT        NULL CONSTRAINT fk_audit_log_order REFERENCES orders (id),
    order_number  NVARCHAR(64)  NULL,
    detail        NVARCHAR(400) NULL
);
CREATE INDEX ix_audit_log_order ON audit_log (order_id, id);
CREATE INDEX ix_audit_log_actor ON audit_log (actor, id);
CREATE INDEX ix_audit_log_action ON audit_log (action, id);

-- Lookups. The e-mail is matched without regard to case through a computed column, whatever the
-- database's collation, so the index can be used.
ALTER TABLE orders ADD email_lower AS LOWER(email) PERSISTED;
GO
CREATE INDEX ix_orders_email_lower ON orders (email_lower, created_at);
CREATE INDEX ix_orders_provider_order_ref_any ON orders (provider_order_ref);
CREATE INDEX ix_orders_provider_transaction_ref_any ON orders (provider_transaction_ref);
CREATE INDEX ix_inbox_refund_ref ON webhook_inbox (provider_refund_ref);
CREATE INDEX ix_inbox_unprocessed_order_number ON webhook_inbox (order_number, processed_at);
