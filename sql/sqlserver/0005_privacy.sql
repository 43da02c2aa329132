-- Privacy promises on SQL Server: the same columns, tables and indexes as sql/sqlite/0005_privacy.sql.

ALTER TABLE orders ADD erased_at DATETIME2(3) NULL;

CREATE TABLE privacy_notices (
    id                          BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_privacy_notices PRIMARY KEY,
    subject                     NVARCHAR(200)  NOT NULL,
    body                        NVARCHAR(MAX)  NOT NULL,
    effective_on                DATE           NOT NULL,
    respond_by                  DATETIME2(3)   NOT NULL,
    status                      NVARCHAR(16)   NOT NULL CONSTRAINT ck_privacy_notices_status CHECK (status IN ('draft', 'sending', 'sent')),
    created_by                  NVARCHAR(64)   NOT NULL,
    created_at                  DATETIME2(3)   NOT NULL,
    send_started_at             DATETIME2(3)   NULL,
    recipients_through_order_id BIGINT         NOT NULL CONSTRAINT df_privacy_notices_through DEFAULT 0,
    recipients_listed_at        DATETIME2(3)   NULL,
    finished_at                 DATETIME2(3)   NULL
);

CREATE TABLE privacy_notice_recipients (
    id          BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_privacy_notice_recipients PRIMARY KEY,
    notice_id   BIGINT        NOT NULL CONSTRAINT fk_privacy_notice_recipients_notice REFERENCES privacy_notices (id),
    email_lower NVARCHAR(254) NOT NULL,
    order_id    BIGINT        NOT NULL CONSTRAINT fk_privacy_notice_recipients_order REFERENCES orders (id),
    delivery_id BIGINT        NULL CONSTRAINT fk_privacy_notice_recipients_delivery REFERENCES deliveries (id),
    choice      NVARCHAR(16)  NULL CONSTRAINT ck_privacy_notice_recipients_choice CHECK (choice IN ('accepted', 'declined')),
    chosen_at   DATETIME2(3)  NULL,
    created_at  DATETIME2(3)  NOT NULL
);
CREATE UNIQUE INDEX ux_privacy_notice_recipients_address ON privacy_notice_recipients (notice_id, email_lower);
CREATE INDEX ix_privacy_notice_recipients_email ON privacy_notice_recipients (email_lower);
CREATE INDEX ix_privacy_notice_recipients_unsent ON privacy_notice_recipients (notice_id, delivery_id);
