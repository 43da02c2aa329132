-- The same as sql/sqlite/0013_support_console_tools.sql.
CREATE TABLE order_notes (
    id            BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_order_notes PRIMARY KEY,
    order_id      BIGINT        NOT NULL CONSTRAINT fk_order_notes_order REFERENCES orders (id) ON DELETE CASCADE,
    staff_user_id BIGINT        NULL CONSTRAINT fk_order_notes_staff REFERENCES support_users (id),
    author        NVARCHAR(64)  NOT NULL,
    body          NVARCHAR(2000) NOT NULL,
    created_at    DATETIME2(3)  NOT NULL
);
CREATE INDEX ix_order_notes_order ON order_notes (order_id, id);

ALTER TABLE orders ADD licensee_name_lower AS LOWER(licensee_name) PERSISTED;
GO
CREATE INDEX ix_orders_licensee_name_lower ON orders (licensee_name_lower, created_at);
CREATE INDEX ix_orders_created ON orders (created_at, id);
CREATE INDEX ix_orders_provider_created ON orders (provider, created_at, id);
