-- The same table and column as sql/sqlite/0015_service_instances.sql.
CREATE TABLE service_instances (
    id           NVARCHAR(64) NOT NULL CONSTRAINT pk_service_instances PRIMARY KEY,
    started_at   DATETIME2(3) NOT NULL,
    heartbeat_at DATETIME2(3) NOT NULL
);
GO
ALTER TABLE deliveries ADD claimed_by NVARCHAR(64) NULL;
