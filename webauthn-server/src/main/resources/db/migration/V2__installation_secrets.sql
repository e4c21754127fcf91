-- Random secrets of this installation, each made once by the first server that needs it and then read by every
-- replica and after every restart (the made-up passkey offered for an unknown username is derived from one).
CREATE TABLE installation_secrets (
    name       VARCHAR(64)  PRIMARY KEY,
    secret     VARCHAR(128) NOT NULL,                      -- base64url
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);
