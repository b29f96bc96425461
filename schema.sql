-- usher schema (PRAGMA user_version = 1). Applied whole to a new database; older
-- databases are upgraded by the steps in src/store/migrate.rs. Times are Unix
-- milliseconds; ids are 24 hex characters, time-ordered. Every row that belongs to a
-- customer environment carries `environment`, and every query filters on it.

-- API keys: only the SHA-256 of the key is kept.
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    environment TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    label       TEXT NOT NULL DEFAULT '',
    prefix      TEXT NOT NULL,             -- the first characters, to tell keys apart
    key_hash    BLOB NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER                    -- stops working at this time; NULL = active
) STRICT;

-- End users of the customer's product.
CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    environment TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    username    TEXT NOT NULL,
    full_name   TEXT,
    phone       TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (environment, username)
) STRICT;

-- Who did what. Not tied to users by a foreign key: deleting a user keeps their trail
-- (only DELETE /users/{id}/logs erases it).
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    environment TEXT NOT NULL,
    at          INTEGER NOT NULL,
    action      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    user_id     TEXT,
    ip          TEXT,
    details     TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX audit_log_by_env ON audit_log (environment, at, id);
CREATE INDEX audit_log_by_user ON audit_log (environment, user_id, at, id);

-- The outbox: one row per event, written in the transaction of the change that caused
-- it. `payload` is the exact JSON body every delivery sends; `id` is the webhook-id.
CREATE TABLE outbox_messages (
    id          TEXT PRIMARY KEY,
    environment TEXT NOT NULL,
    type        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_messages_by_env ON outbox_messages (environment, created_at);

-- SmartLink apps: a customer's server signs login links with the app's shared secret.
-- `app_id` is the public, numeric appId: unique across the appliance (both
-- environments), never reused after a delete (AUTOINCREMENT), starting at 100.
-- The secrets are vault blobs (the secret is needed to verify, so it cannot be hashed);
-- the AAD binds each blob to its row and column. After rotate-secret the previous
-- secret keeps verifying until `previous_until`.
CREATE TABLE smartlink_apps (
    app_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    environment     TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    name            TEXT NOT NULL,
    legacy_sha1     INTEGER NOT NULL CHECK (legacy_sha1 IN (0, 1)),
    secret          BLOB NOT NULL,
    previous_secret BLOB,
    previous_until  INTEGER,
    created_at      INTEGER NOT NULL,
    rotated_at      INTEGER
) STRICT;
CREATE INDEX smartlink_apps_by_env ON smartlink_apps (environment, app_id);
INSERT INTO sqlite_sequence (name, seq) VALUES ('smartlink_apps', 99);

-- Used v2 nonces (SHA-256 of app id and nonce), kept until the link could no longer
-- verify anyway (`expires_at` = the link's expires + leeway, in ms).
CREATE TABLE smartlink_nonces (
    environment TEXT NOT NULL,
    app_id      INTEGER NOT NULL REFERENCES smartlink_apps (app_id) ON DELETE CASCADE,
    nonce_hash  BLOB NOT NULL PRIMARY KEY,
    expires_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX smartlink_nonces_by_expiry ON smartlink_nonces (expires_at);
CREATE INDEX smartlink_nonces_by_app ON smartlink_nonces (app_id);

-- End-user portal sessions (SmartLink sign-in). Only the SHA-256 of the cookie value
-- is kept; `id` is a plain row id for the audit log.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    environment TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    token_hash  BLOB NOT NULL UNIQUE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The SmartLink app that signed the user in: deleting the app ends its sessions.
    app_id      INTEGER REFERENCES smartlink_apps (app_id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_app ON sessions (app_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
