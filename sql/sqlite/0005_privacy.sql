-- Privacy promises (PRIVACY.md): erasure of one customer's personal data, and privacy notices that
-- every customer is told about by e-mail, with their consent recorded per address and notice.

-- When the customer's e-mail address and licensee name on this order were replaced by a tombstone.
-- The order stays for bookkeeping; an erased order is never mailed again.
ALTER TABLE orders ADD COLUMN erased_at TEXT NULL;

-- A notice an admin wrote. Sending lists every distinct, non-erased customer address as a
-- recipient (resumably, in id order: recipients_through_order_id is how far the listing got) and
-- hands each one to the deliveries outbox.
CREATE TABLE privacy_notices (
    id                          INTEGER PRIMARY KEY AUTOINCREMENT,
    subject                     TEXT    NOT NULL,
    body                        TEXT    NOT NULL,
    effective_on                TEXT    NOT NULL,   -- the date the new use would start
    respond_by                  TEXT    NOT NULL,   -- consent links stop working after this time
    status                      TEXT    NOT NULL CHECK (status IN ('draft', 'sending', 'sent')),
    created_by                  TEXT    NOT NULL,   -- staff username
    created_at                  TEXT    NOT NULL,
    send_started_at             TEXT    NULL,
    recipients_through_order_id INTEGER NOT NULL DEFAULT 0,
    recipients_listed_at        TEXT    NULL,
    finished_at                 TEXT    NULL
);

-- One row per address and notice: unique, so nobody is told twice. order_id is the customer's
-- latest order when the notice was sent (the delivery row hangs on it). The choice and its time
-- are the consent record.
CREATE TABLE privacy_notice_recipients (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id   INTEGER NOT NULL REFERENCES privacy_notices (id),
    email_lower TEXT    NOT NULL,
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    delivery_id INTEGER NULL REFERENCES deliveries (id),
    choice      TEXT    NULL CHECK (choice IN ('accepted', 'declined')),
    chosen_at   TEXT    NULL,
    created_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX ux_privacy_notice_recipients_address ON privacy_notice_recipients (notice_id, email_lower);
CREATE INDEX ix_privacy_notice_recipients_email ON privacy_notice_recipients (email_lower);
CREATE INDEX ix_privacy_notice_recipients_unsent ON privacy_notice_recipients (notice_id, delivery_id);
