-- ASP.NET Core Data Protection keys (they protect the order form's antiforgery tokens). Shared
-- through the database so every instance accepts a form another instance rendered.
CREATE TABLE data_protection_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    friendly_name TEXT NOT NULL,
    xml          TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_data_protection_keys_name ON data_protection_keys (friendly_name);
