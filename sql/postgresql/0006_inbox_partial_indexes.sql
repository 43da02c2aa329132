-- The same partial indexes as sql/sqlite/0006_inbox_partial_indexes.sql: inserting a new inbox row
-- (no order, no refund reference, not processed) does not touch the first two, and the third holds
-- only unprocessed events.
DROP INDEX ix_inbox_order;
CREATE INDEX ix_inbox_order ON webhook_inbox (order_id) WHERE order_id IS NOT NULL;

DROP INDEX ix_inbox_refund_ref;
CREATE INDEX ix_inbox_refund_ref ON webhook_inbox (provider_refund_ref) WHERE provider_refund_ref IS NOT NULL;

DROP INDEX ix_inbox_unprocessed_order_number;
CREATE INDEX ix_inbox_unprocessed_order_number ON webhook_inbox (order_number) WHERE processed_at IS NULL;
