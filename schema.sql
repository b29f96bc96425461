-- usher schema (PRAGMA user_version = 5). Applied whole to a new database; older
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
    revoked_at  INTEGER,                   -- stops working at this time; NULL = active
    last_used_at INTEGER                   -- last request it authenticated (kept to the minute)
) STRICT;
CREATE INDEX api_keys_by_env ON api_keys (environment, id);

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
-- SmartLink signs users in by email, which is case-insensitive.
CREATE INDEX users_by_username_nocase ON users (environment, username COLLATE NOCASE);
-- GET /users: an environment's users in id order, from the cursor on.
CREATE INDEX users_by_env ON users (environment, id);

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
-- GET /audit-log pages newest first, by the filter's column then time.
CREATE INDEX audit_log_by_env ON audit_log (environment, at, id);
CREATE INDEX audit_log_by_user ON audit_log (environment, user_id, at, id);
CREATE INDEX audit_log_by_action ON audit_log (environment, action, at, id);

-- One row rewritten by every /readyz: a real write proves the disk takes writes.
CREATE TABLE readiness (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at  INTEGER NOT NULL
) STRICT;

-- The outbox: one row per event, written in the transaction of the change that caused
-- it. `payload` is the exact JSON body every delivery sends; `id` is the webhook-id.
CREATE TABLE outbox_messages (
    id          TEXT PRIMARY KEY,
    environment TEXT NOT NULL,
    type        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_messages_by_env ON outbox_messages (environment, created_at, id);

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

-- The catalog: integrations (one per third-party app in an environment) and the
-- parent workflows every installation copies. `credential_fields` is the JSON array
-- of field specs exactly as the API shows it (validated on the way in).
CREATE TABLE integrations (
    id                TEXT PRIMARY KEY,
    environment       TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    app               TEXT NOT NULL,
    name              TEXT NOT NULL,
    description       TEXT,
    icon              TEXT,
    credential_fields TEXT NOT NULL DEFAULT '[]',
    created_at        INTEGER NOT NULL,
    -- An inactive integration is offered to no end user: no links, no installs.
    active            INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    UNIQUE (environment, app)
) STRICT;
CREATE INDEX integrations_by_env ON integrations (environment, id);

CREATE TABLE parent_workflows (
    id             TEXT PRIMARY KEY,
    environment    TEXT NOT NULL,
    integration_id TEXT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    name           TEXT NOT NULL,
    trigger        TEXT,
    description    TEXT,
    created_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX parent_workflows_by_integration ON parent_workflows (integration_id, position);

-- Credentials an end user entered. `sealed` is a vault blob of the JSON object of
-- field values, bound to this row by the associated data row_aad("credentials.sealed", id).
CREATE TABLE credentials (
    id          TEXT PRIMARY KEY,
    environment TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    app         TEXT NOT NULL,
    type        TEXT NOT NULL,
    sealed      BLOB NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
-- By user alone: the API's list, and the lookup deleting a user makes (foreign key).
CREATE INDEX credentials_by_user ON credentials (user_id, id);

-- One installation per (user, integration); reinstalling replaces its credential.
-- Deleting the credential alone leaves the installation disabled (credential_id NULL).
CREATE TABLE installations (
    id             TEXT PRIMARY KEY,
    environment    TEXT NOT NULL,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    integration_id TEXT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    credential_id  TEXT REFERENCES credentials(id) ON DELETE SET NULL,
    enabled        INTEGER NOT NULL DEFAULT 1,
    installed_at   INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (user_id, integration_id)
) STRICT;
CREATE INDEX installations_by_env ON installations (environment, id);
CREATE INDEX installations_by_integration ON installations (integration_id, id);
CREATE INDEX installations_by_credential ON installations (credential_id);

-- A user's copy of a parent workflow, made when they install.
CREATE TABLE workflows (
    id                 TEXT PRIMARY KEY,
    environment        TEXT NOT NULL,
    user_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    installation_id    TEXT NOT NULL REFERENCES installations(id) ON DELETE CASCADE,
    integration_id     TEXT NOT NULL,
    parent_workflow_id TEXT NOT NULL REFERENCES parent_workflows(id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    active             INTEGER NOT NULL DEFAULT 1,
    created_at         INTEGER NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1,
    hook_hash          BLOB,
    hook_salt          BLOB,
    hook_key           TEXT,
    UNIQUE (installation_id, parent_workflow_id)
) STRICT;
CREATE INDEX workflows_by_user ON workflows (user_id, id);
CREATE INDEX workflows_by_parent_user ON workflows (parent_workflow_id, user_id);

-- Single-use install links: only the SHA-256 of the token is kept. When the user or
-- the integration is deleted the reference becomes NULL: the row is then a tombstone
-- holding nothing about the user, so the link answers 410 (gone), not 404 (unknown).
CREATE TABLE install_links (
    id             TEXT PRIMARY KEY,
    environment    TEXT NOT NULL,
    token_hash     BLOB NOT NULL UNIQUE,
    user_id        TEXT REFERENCES users(id) ON DELETE SET NULL,
    integration_id TEXT REFERENCES integrations(id) ON DELETE SET NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
) STRICT;
CREATE INDEX install_links_by_user ON install_links (user_id);
CREATE INDEX install_links_by_expiry ON install_links (expires_at);
CREATE INDEX install_links_by_integration ON install_links (integration_id);
-- Open links (unused, their user and integration still there): the console lists them
-- soonest-expiring first and counts them.
CREATE INDEX install_links_open ON install_links (environment, expires_at) WHERE used_at IS NULL AND user_id IS NOT NULL AND integration_id IS NOT NULL;
CREATE INDEX install_links_open_by_integration ON install_links (integration_id, expires_at, id) WHERE used_at IS NULL AND user_id IS NOT NULL AND integration_id IS NOT NULL;
CREATE INDEX install_links_open_by_user ON install_links (user_id, expires_at, id) WHERE used_at IS NULL AND user_id IS NOT NULL AND integration_id IS NOT NULL;

-- Webhook endpoints of an environment. `secret` is the `whsec_...` signing secret,
-- encrypted by the vault with row_aad('webhook_endpoints', id); after rotate-secret the
-- previous one (row_aad('webhook_endpoints.previous_secret', id)) keeps signing
-- alongside until `previous_until`. `events` is a JSON array of event types; an empty
-- array means every event. A disabled endpoint gets no new deliveries and its queued
-- ones are parked (deliveries.paused) until it is enabled again.
CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    environment     TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    url             TEXT NOT NULL,
    events          TEXT NOT NULL DEFAULT '[]',
    secret          BLOB NOT NULL,
    previous_secret BLOB,
    previous_until  INTEGER,
    disabled_at     INTEGER,
    disabled_reason TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_endpoints_by_env ON webhook_endpoints (environment, id);

-- One delivery per (message, subscribed endpoint). `pending`: waiting for its first
-- attempt (or re-queued); `failed`: the last attempt failed and a retry is scheduled at
-- `next_attempt_at`; `delivered`; `dead`: the retry schedule ran out. A worker that
-- claims a delivery sets `lease_until`; until then nobody else claims it, and after a
-- crash the expired lease returns it to the queue. `schedule_step` counts the retries of
-- the current round (reset by a manual retry or recover); `attempts` counts them all.
-- `generation` is bumped by every manual retry or recover: an attempt claimed under an
-- older generation is still recorded, but no longer decides the delivery's next state.
-- `paused` = 1 parks an open delivery while its endpoint is disabled (out of the due
-- index, so the worker never walks it); enabling the endpoint clears it.
CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY,
    environment      TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    message_id       TEXT NOT NULL REFERENCES outbox_messages (id) ON DELETE CASCADE,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    schedule_step    INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    lease_until      INTEGER,
    generation       INTEGER NOT NULL DEFAULT 0,
    paused           INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    last_status_code INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (endpoint_id, message_id)
) STRICT;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status IN ('pending', 'failed') AND paused = 0;
CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE lease_until IS NOT NULL;
CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, id);
CREATE INDEX deliveries_by_endpoint_status ON deliveries (endpoint_id, status, id);
CREATE INDEX deliveries_by_message ON deliveries (message_id);

-- Every attempt of a delivery: when, the answer (status code, first 2 KiB of the body)
-- or the error, and how long it took.
CREATE TABLE delivery_attempts (
    id           TEXT PRIMARY KEY,
    delivery_id  TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    environment  TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    at           INTEGER NOT NULL,
    status_code  INTEGER,
    duration_ms  INTEGER NOT NULL,
    response     TEXT NOT NULL DEFAULT '',
    error        TEXT
) STRICT;
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id, at, id);

-- Headless installations (POST /headless/startInstallation): an install begun from the
-- customer's own UI and finished by POST /headless/completeInstallation through the same
-- install transaction as a link. A started one expires at `expires_at` (links.headless_ttl);
-- a finished one keeps `completed_at` and the installation it made, so finishing it again
-- is a conflict. `workflow_ids`: JSON list of the parent workflows to install active (NULL:
-- all). `reuse_credential` = 1: install with the user's stored credential `credential_id`
-- (chosen at start) instead of values from the form; if that credential is deleted first,
-- `credential_id` becomes NULL and completing is refused.
CREATE TABLE headless_installations (
    id               TEXT PRIMARY KEY,
    environment      TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    integration_id   TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    workflow_ids     TEXT,
    reuse_credential INTEGER NOT NULL DEFAULT 0 CHECK (reuse_credential IN (0, 1)),
    credential_id    TEXT REFERENCES credentials (id) ON DELETE SET NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    completed_at     INTEGER,
    installation_id  TEXT
) STRICT;
CREATE INDEX headless_installations_by_user ON headless_installations (user_id);
CREATE INDEX headless_installations_by_integration ON headless_installations (integration_id);
CREATE INDEX headless_installations_by_credential ON headless_installations (credential_id);
CREATE INDEX headless_installations_by_expiry ON headless_installations (expires_at);

-- Operators: the people who run the appliance from the console (/console). The
-- password is an Argon2id PHC string; the email is unique ignoring case.
CREATE TABLE operators (
    id                  TEXT PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash       TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
) STRICT;

-- Console sessions: only the SHA-256 of the cookie value is kept. A session ends when
-- idle longer than console.idle_timeout (last_seen_at, kept to the minute) or at
-- expires_at (console.max_lifetime after sign-in), and with its operator.
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

-- The first-run setup URL's token while no operator exists: its hash, valid once
-- until expires_at. `usher serve` replaces it at every start without operators.
CREATE TABLE console_setup (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    token_hash  BLOB NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;

-- Branding of the end-user pages (install page, SDK modal, portal): one row. Empty
-- texts mean the defaults; the logo is an image checked on upload (PNG, JPEG, GIF, WebP).
CREATE TABLE branding (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    product_name TEXT NOT NULL DEFAULT '',
    accent_color TEXT NOT NULL DEFAULT '',
    logo         BLOB,
    logo_type    TEXT,
    updated_at   INTEGER NOT NULL
) STRICT;
INSERT INTO branding (id, updated_at) VALUES (1, 0);

-- The console overview's counts per environment, kept exact by the triggers below in
-- the same transaction as the change (so the overview never counts rows): users,
-- installations, open deliveries (pending or failed) and dead deliveries.
CREATE TABLE counters (
    environment TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    name        TEXT NOT NULL,
    value       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (environment, name)
) STRICT, WITHOUT ROWID;
INSERT INTO counters (environment, name) VALUES
    ('development', 'users'), ('production', 'users'),
    ('development', 'installations'), ('production', 'installations'),
    ('development', 'deliveries_open'), ('production', 'deliveries_open'),
    ('development', 'deliveries_dead'), ('production', 'deliveries_dead');

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

-- Workflow runtime (schema version 4).

-- The definition of a parent workflow, one row per version: `definition` is the JSON
-- {"trigger", "steps"} the API shows. `parent_workflows.version` is the current one.
CREATE TABLE workflow_versions (
    parent_workflow_id TEXT NOT NULL REFERENCES parent_workflows (id) ON DELETE CASCADE,
    version            INTEGER NOT NULL,
    environment        TEXT NOT NULL,
    definition         TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    PRIMARY KEY (parent_workflow_id, version)
) STRICT, WITHOUT ROWID;

-- A child workflow runs the version it is pinned to. A child whose version has a
-- webhook trigger has an inbound hook: only the SHA-256 of its token is kept; the
-- token is derived from the master key `hook_key` (and `hook_salt`, renewed when the
-- URL is regenerated), so the URL can be shown again but never read from the file.
CREATE INDEX parent_workflows_by_env ON parent_workflows (environment, id);
CREATE UNIQUE INDEX workflows_by_hook ON workflows (hook_hash) WHERE hook_hash IS NOT NULL;
CREATE INDEX workflows_by_parent ON workflows (parent_workflow_id, environment, id);

-- One run of a child workflow, written in the transaction that accepted it. Not tied
-- to the workflow, user or installation by foreign keys: a run queued for something
-- deleted since ends as `cancelled`, and finished runs stay until retention. The
-- runtime's queue: `next_attempt_at` is when it is due (queued, or waiting to retry a
-- step) and, while claimed, when the claim's lease runs out; `claims` counts claims,
-- so a worker whose lease was lost cannot record over the next one. `step` is the next
-- step to run and `attempts` the tries of it so far. `input` is the trigger's data.
CREATE TABLE executions (
    id                 TEXT PRIMARY KEY,
    environment        TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    workflow_id        TEXT NOT NULL,
    parent_workflow_id TEXT NOT NULL,
    integration_id     TEXT NOT NULL,
    user_id            TEXT NOT NULL,
    version            INTEGER NOT NULL,
    trigger            TEXT NOT NULL CHECK (trigger IN ('webhook', 'event', 'run', 'rerun')),
    input              TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    step               INTEGER NOT NULL DEFAULT 0,
    attempts           INTEGER NOT NULL DEFAULT 0,
    claims             INTEGER NOT NULL DEFAULT 0,
    next_attempt_at    INTEGER,
    error              TEXT,
    rerun_of           TEXT,
    created_at         INTEGER NOT NULL,
    started_at         INTEGER,
    finished_at        INTEGER
) STRICT;
CREATE INDEX executions_due ON executions (next_attempt_at, id) WHERE status IN ('queued', 'running');
CREATE INDEX executions_by_workflow ON executions (workflow_id, created_at, id);
CREATE INDEX executions_failed_by_workflow ON executions (workflow_id, created_at, id) WHERE status = 'failed';
CREATE INDEX executions_by_user ON executions (environment, user_id, id);
CREATE INDEX executions_by_env ON executions (environment, created_at, id);

-- The record of each finished step of an execution: its input and output (capped,
-- credential values shown as [redacted]), or its error, and how many tries it took.
CREATE TABLE execution_steps (
    execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    environment  TEXT NOT NULL,
    type         TEXT NOT NULL,
    name         TEXT,
    status       TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
    attempts     INTEGER NOT NULL,
    input        TEXT,
    output       TEXT,
    error        TEXT,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER NOT NULL,
    PRIMARY KEY (execution_id, position)
) STRICT, WITHOUT ROWID;
