-- The same as sql/sqlite/0007_drop_inbox_order_number_index.sql: every stored and every processed
-- event touched a random page of this index, for one support view that reads the (transient)
-- unprocessed events through ix_inbox_unprocessed instead.
DROP INDEX ix_inbox_unprocessed_order_number;
