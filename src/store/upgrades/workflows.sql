ALTER TABLE parent_workflows ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE workflows ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE workflows ADD COLUMN hook_hash BLOB;
ALTER TABLE workflows ADD COLUMN hook_salt BLOB;
ALTER TABLE workflows ADD COLUMN hook_key TEXT;

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
CREATE INDEX workflows_by_parent ON workflows (environment, parent_workflow_id, id);

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

-- Every existing parent workflow gets version 1: its plain-string trigger becomes an
-- event trigger of that name, and its one step streams the trigger's data.
INSERT INTO workflow_versions (parent_workflow_id, version, environment, definition, created_at)
SELECT id, 1, environment,
       json_object('trigger', CASE WHEN trigger IS NULL THEN NULL
                                   ELSE json_object('type', 'event', 'event', trigger) END,
                   'steps', json('[{"type":"stream"}]')),
       created_at
FROM parent_workflows;
