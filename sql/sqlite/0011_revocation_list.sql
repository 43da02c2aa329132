-- The number of the published license revocation list (GET /api/licenses/revocations). One row,
-- bumped in the same transaction as every revocation, so the number never goes back: not with the
-- clock, a restart, or several instances on one database. Licenses revoked before this migration
-- count once each.
CREATE TABLE revocation_list (
    id            INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    list_sequence INTEGER NOT NULL,
    changed_at    TEXT    NOT NULL
);
INSERT INTO revocation_list (id, list_sequence, changed_at)
SELECT 1, COUNT(*), COALESCE(MAX(revoked_at), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) FROM licenses WHERE status = 'revoked';
-- The list reads only the revoked licenses' ids.
CREATE INDEX ix_licenses_revoked ON licenses (license_id) WHERE status = 'revoked';
