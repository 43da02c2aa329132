-- Staff sessions on SQL Server: the same table, columns and indexes as sql/sqlite/0009_staff_sessions.sql.

CREATE TABLE staff_sessions (
    id            BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_staff_sessions PRIMARY KEY,
    token_hash    NVARCHAR(64)  NOT NULL,              -- hex SHA-256 of the session id in the cookie
    staff_user_id BIGINT        NOT NULL CONSTRAINT fk_staff_sessions_staff REFERENCES support_users (id),
    created_at    DATETIME2(3)  NOT NULL,
    last_seen_at  DATETIME2(3)  NOT NULL,              -- for Support:IdleTimeout
    expires_at    DATETIME2(3)  NOT NULL,              -- created_at + Support:MaxSessionLength
    ended_at      DATETIME2(3)  NULL                   -- signed out, account disabled or password reset
);
CREATE UNIQUE INDEX ux_staff_sessions_token_hash ON staff_sessions (token_hash);
CREATE INDEX ix_staff_sessions_staff_user ON staff_sessions (staff_user_id);
CREATE INDEX ix_staff_sessions_expires ON staff_sessions (expires_at);
