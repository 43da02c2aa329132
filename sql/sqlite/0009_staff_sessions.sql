-- Staff sessions live in the database, not in the cookie: the cookie carries only a random session
-- id (inside the data-protected cookie) and this table only its SHA-256 hash. Signing out, disabling
-- an account or resetting its password ends the rows, so every copy of the cookie stops working at
-- once, on every instance. Ended and expired rows are deleted at the next sign-in.
CREATE TABLE staff_sessions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash    TEXT    NOT NULL,               -- hex SHA-256 of the session id in the cookie
    staff_user_id INTEGER NOT NULL REFERENCES support_users (id),
    created_at    TEXT    NOT NULL,
    last_seen_at  TEXT    NOT NULL,               -- for Support:IdleTimeout
    expires_at    TEXT    NOT NULL,               -- created_at + Support:MaxSessionLength
    ended_at      TEXT    NULL                    -- signed out, account disabled or password reset
);
CREATE UNIQUE INDEX ux_staff_sessions_token_hash ON staff_sessions (token_hash);
CREATE INDEX ix_staff_sessions_staff_user ON staff_sessions (staff_user_id);
CREATE INDEX ix_staff_sessions_expires ON staff_sessions (expires_at);
