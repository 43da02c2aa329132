-- Storing a webhook is the hottest write, and the index of unprocessed events by order number made
-- every stored event (and every processed one, leaving it) touch a random page of that index: under
-- a webhook backlog that was about a third of the pages each group commit wrote and each checkpoint
-- copied again. It served one view, the support timeline's "events still waiting for this order".
-- Unprocessed events are a transient set (an event that matches no order is marked processed too),
-- so that view now reads them through ix_inbox_unprocessed (processed_at IS NULL first) and filters
-- by order number: a few rows normally, a scan of the backlog while one drains.
DROP INDEX ix_inbox_unprocessed_order_number;
