-- The same table and column as sql/sqlite/0015_service_instances.sql.
CREATE TABLE service_instances (
    id           VARCHAR(64)    NOT NULL CONSTRAINT pk_service_instances PRIMARY KEY,
    started_at   TIMESTAMPTZ(3) NOT NULL,
    heartbeat_at TIMESTAMPTZ(3) NOT NULL
);

ALTER TABLE deliveries ADD COLUMN claimed_by VARCHAR(64) NULL;
