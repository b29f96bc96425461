-- Schema step: the operator console (issue 10). Operators and their sessions, the
-- first-run setup token, branding, the overview's counters (kept by triggers), last use
-- of API keys, the active flag of integrations, and indexes of open install links.

CREATE TABLE operators (
    id                  TEXT PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash       TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
) STRICT;

CREATE TABLE operator_sessions (
    id           TEXT PRIMARY KEY,
    token_hash   BLOB NOT NULL UNIQUE,
    operator_id  TEXT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX operator_sessions_by_operator ON operator_sessions (operator_id);
CREATE INDEX operator_sessions_by_expiry ON operator_sessions (expires_at);

CREATE TABLE console_setup (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    token_hash  BLOB NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE branding (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    product_name TEXT NOT NULL DEFAULT '',
    accent_color TEXT NOT NULL DEFAULT '',
    logo         BLOB,
    logo_type    TEXT,
    updated_at   INTEGER NOT NULL
) STRICT;
INSERT INTO branding (id, updated_at) VALUES (1, 0);

CREATE TABLE counters (
    environment TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    name        TEXT NOT NULL,
    value       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (environment, name)
) STRICT, WITHOUT ROWID;
-- One scan each, once, at the upgrade: from here on the triggers keep them.
INSERT INTO counters (environment, name, value)
    SELECT env, 'users', (SELECT count(*) FROM users WHERE environment = env)
    FROM (SELECT 'development' AS env UNION ALL SELECT 'production');
INSERT INTO counters (environment, name, value)
    SELECT env, 'installations', (SELECT count(*) FROM installations WHERE environment = env)
    FROM (SELECT 'development' AS env UNION ALL SELECT 'production');
INSERT INTO counters (environment, name, value)
    SELECT env, 'deliveries_open',
           (SELECT count(*) FROM deliveries WHERE environment = env AND status IN ('pending', 'failed'))
    FROM (SELECT 'development' AS env UNION ALL SELECT 'production');
INSERT INTO counters (environment, name, value)
    SELECT env, 'deliveries_dead', (SELECT count(*) FROM deliveries WHERE environment = env AND status = 'dead')
    FROM (SELECT 'development' AS env UNION ALL SELECT 'production');

CREATE TRIGGER counters_users_insert AFTER INSERT ON users BEGIN
    UPDATE counters SET value = value + 1 WHERE environment = new.environment AND name = 'users';
END;
CREATE TRIGGER counters_users_delete AFTER DELETE ON users BEGIN
    UPDATE counters SET value = value - 1 WHERE environment = old.environment AND name = 'users';
END;
CREATE TRIGGER counters_installations_insert AFTER INSERT ON installations BEGIN
    UPDATE counters SET value = value + 1 WHERE environment = new.environment AND name = 'installations';
END;
CREATE TRIGGER counters_installations_delete AFTER DELETE ON installations BEGIN
    UPDATE counters SET value = value - 1 WHERE environment = old.environment AND name = 'installations';
END;
CREATE TRIGGER counters_deliveries_insert AFTER INSERT ON deliveries BEGIN
    UPDATE counters SET value = value + 1 WHERE environment = new.environment AND name =
        CASE WHEN new.status IN ('pending', 'failed') THEN 'deliveries_open'
             WHEN new.status = 'dead' THEN 'deliveries_dead' END;
END;
CREATE TRIGGER counters_deliveries_update AFTER UPDATE OF status ON deliveries
WHEN (old.status IN ('pending', 'failed')) <> (new.status IN ('pending', 'failed'))
  OR (old.status = 'dead') <> (new.status = 'dead')
BEGIN
    UPDATE counters SET value = value - 1 WHERE environment = old.environment AND name =
        CASE WHEN old.status IN ('pending', 'failed') THEN 'deliveries_open'
             WHEN old.status = 'dead' THEN 'deliveries_dead' END;
    UPDATE counters SET value = value + 1 WHERE environment = new.environment AND name =
        CASE WHEN new.status IN ('pending', 'failed') THEN 'deliveries_open'
             WHEN new.status = 'dead' THEN 'deliveries_dead' END;
END;
CREATE TRIGGER counters_deliveries_delete AFTER DELETE ON deliveries BEGIN
    UPDATE counters SET value = value - 1 WHERE environment = old.environment AND name =
        CASE WHEN old.status IN ('pending', 'failed') THEN 'deliveries_open'
             WHEN old.status = 'dead' THEN 'deliveries_dead' END;
END;

ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
CREATE INDEX api_keys_by_env ON api_keys (environment, id);
ALTER TABLE integrations ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1));

CREATE INDEX install_links_open ON install_links (environment, expires_at) WHERE used_at IS NULL AND user_id IS NOT NULL AND integration_id IS NOT NULL;
CREATE INDEX install_links_open_by_integration ON install_links (integration_id, expires_at, id) WHERE used_at IS NULL AND user_id IS NOT NULL AND integration_id IS NOT NULL;
CREATE INDEX install_links_open_by_user ON install_links (user_id, expires_at, id) WHERE used_at IS NULL AND user_id IS NOT NULL AND integration_id IS NOT NULL;
