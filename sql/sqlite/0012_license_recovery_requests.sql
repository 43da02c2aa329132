-- A customer asked for their license keys (/licenses/recover, POST /api/licenses/recover). Every
-- request writes one row, whether the address is known or not, so the answer takes the same path
-- for both; the key-recovery job looks the address up (within seconds), queues the e-mail if it has
-- active licenses, and deletes the row. No IP address is stored.
CREATE TABLE license_recovery_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    email        TEXT    NOT NULL,               -- as typed; deleted once looked up
    requested_at TEXT    NOT NULL
);
