-- Users and their passkeys. Runs unchanged on PostgreSQL and on the embedded H2 database (PostgreSQL mode).
CREATE TABLE users (
    id           VARCHAR(128) PRIMARY KEY,                 -- WebAuthn user handle, base64url; the token's sub
    username     VARCHAR(64)  NOT NULL,
    display_name VARCHAR(64)  NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT users_username_unique UNIQUE (username)
);

CREATE TABLE credentials (
    id              VARCHAR(1400) PRIMARY KEY,             -- credential id, base64url (ids are at most 1023 bytes)
    user_id         VARCHAR(128)  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    public_key_cose TEXT          NOT NULL,
    signature_count BIGINT        NOT NULL CHECK (signature_count >= 0),
    backup_eligible BOOLEAN       NOT NULL,
    backed_up       BOOLEAN       NOT NULL,
    transports      VARCHAR(255)  NOT NULL,
    name            VARCHAR(64)   NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    last_used_at    TIMESTAMP WITH TIME ZONE
);

CREATE INDEX credentials_user_id ON credentials (user_id);
