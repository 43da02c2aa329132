-- Storing a webhook is the hottest write (a backlog after an outage arrives all at once), and a new
-- inbox row has no order, no refund reference worth indexing, and is not yet processed. Indexes
-- that only ever look up rows with a value become partial, so inserting a row does not touch them
-- (order, refund reference), and the index of unprocessed events by order number holds only the
-- unprocessed ones instead of every event ever received. Every query that uses them compares the
-- column with a value (=, IN, a join), which implies IS NOT NULL, or asks for processed_at IS NULL.
DROP INDEX ix_inbox_order;
CREATE INDEX ix_inbox_order ON webhook_inbox (order_id) WHERE order_id IS NOT NULL;

DROP INDEX ix_inbox_refund_ref;
CREATE INDEX ix_inbox_refund_ref ON webhook_inbox (provider_refund_ref) WHERE provider_refund_ref IS NOT NULL;

DROP INDEX ix_inbox_unprocessed_order_number;
CREATE INDEX ix_inbox_unprocessed_order_number ON webhook_inbox (order_number) WHERE processed_at IS NULL;
