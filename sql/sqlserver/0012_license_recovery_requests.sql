-- The same table as sql/sqlite/0012_license_recovery_requests.sql.
CREATE TABLE license_recovery_requests (
    id           BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_license_recovery_requests PRIMARY KEY,
    email        NVARCHAR(254) NOT NULL,
    requested_at DATETIME2(3)  NOT NULL
);
