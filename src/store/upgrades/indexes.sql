-- Schema step: an index for every query's filter and order (issue 15; the query-plan
-- test, src/store/plan_tests/, holds every statement to them), and one leading with
-- each foreign key, which deleting a parent row looks up. Indexes whose columns change
-- are dropped and made again under the same name.

CREATE INDEX users_by_env ON users (environment, id);
CREATE INDEX audit_log_by_action ON audit_log (environment, action, at, id);
DROP INDEX credentials_by_user;
CREATE INDEX credentials_by_user ON credentials (user_id, id);
DROP INDEX installations_by_integration;
CREATE INDEX installations_by_integration ON installations (integration_id, id);
DROP INDEX workflows_by_user;
CREATE INDEX workflows_by_user ON workflows (user_id, id);
CREATE INDEX workflows_by_parent_user ON workflows (parent_workflow_id, user_id);
-- The runtime's (step 4) led with the environment, which a planner without statistics
-- then took for any `environment = ? AND user_id = ?`: the parent id leads instead.
DROP INDEX workflows_by_parent;
CREATE INDEX workflows_by_parent ON workflows (parent_workflow_id, environment, id);
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status IN ('pending', 'failed') AND paused = 0;
CREATE INDEX deliveries_by_endpoint_status ON deliveries (endpoint_id, status, id);
DROP INDEX deliveries_open_by_endpoint;
DROP INDEX delivery_attempts_by_delivery;
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id, at, id);
