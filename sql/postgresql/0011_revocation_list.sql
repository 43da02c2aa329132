-- The same one-row table and partial index as sql/sqlite/0011_revocation_list.sql.
CREATE TABLE revocation_list (
    id            INTEGER      NOT NULL CONSTRAINT pk_revocation_list PRIMARY KEY CONSTRAINT ck_revocation_list_one_row CHECK (id = 1),
    list_sequence BIGINT       NOT NULL,
    changed_at    TIMESTAMPTZ(3) NOT NULL
);
INSERT INTO revocation_list (id, list_sequence, changed_at)
SELECT 1, COUNT(*), COALESCE(MAX(revoked_at), now()) FROM licenses WHERE status = 'revoked';
-- The list reads only the revoked licenses' ids.
CREATE INDEX ix_licenses_revoked ON licenses (license_id) WHERE status = 'revoked';
