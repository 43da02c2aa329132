-- The running instances of the service on this database, each with the time it last said it was
-- alive (every few seconds). A claim on an e-mail names the instance that holds it, so when an
-- instance stops beating the others release its claims within Instances:Timeout instead of
-- waiting for the claim to run out.
CREATE TABLE service_instances (
    id           TEXT NOT NULL PRIMARY KEY,   -- random, made at start-up
    started_at   TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
);

-- NULL unless status = 'sending'; claims made before this migration have none (claimed_until still ends them).
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT NULL;
