-- ASP.NET Core Data Protection keys (they protect the order form's antiforgery tokens). Shared
-- through the database so every instance accepts a form another instance rendered.
CREATE TABLE data_protection_keys (
    id            BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_data_protection_keys PRIMARY KEY,
    friendly_name NVARCHAR(200) NOT NULL,
    xml           NVARCHAR(MAX) NOT NULL,
    created_at    DATETIME2(3)  NOT NULL
);
CREATE UNIQUE INDEX ux_data_protection_keys_name ON data_protection_keys (friendly_name);
