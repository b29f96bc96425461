//! The plan steps statements may take although they look unbounded, each with the
//! reason it is bounded all the same. Add an entry only with a reason a reviewer can check.

/// A plan step statements may take, and why it is bounded all the same. `queries` are
/// statement names without `usher::store::`; `step` is the plan line with its parents
/// (`A > B`), exactly as a failure prints it.
pub(super) struct Allowed {
    pub queries: &'static [&'static str],
    pub step: &'static str,
    pub reason: &'static str,
}

pub(super) const ALLOWED: &[Allowed] = &[
    Allowed {
        queries: &["runtime_queue::NEXT_DUE"],
        step: "SCAN executions USING INDEX executions_due",
        reason: "reads the first entry of the run queue's partial index (runs queued, running or waiting to \
                 retry), in due order: LIMIT 1, never the finished history",
    },
    Allowed {
        queries: &["executions::OPEN_COUNT"],
        step: "SCAN executions USING INDEX executions_due",
        reason: "counts the run queue itself (the partial index of runs not finished), never the history; \
                 for tests and the runtime's idle check",
    },
    Allowed {
        queries: &["deliveries::NEXT_DUE"],
        step: "CO-ROUTINE (subquery-4) > COMPOUND QUERY > LEFT-MOST SUBQUERY > CO-ROUTINE (subquery-1) > \
               SCAN d USING INDEX deliveries_due",
        reason: "walks the queue's partial index in due order and stops at the first delivery not leased: \
                 it passes over only the deliveries being sent right now",
    },
    Allowed {
        queries: &["deliveries::OPEN_COUNT"],
        step: "SCAN d USING INDEX deliveries_due",
        reason: "counts the queue itself (the partial index of deliveries still to send), never the history; \
                 for tests and tools (`run_until_idle`)",
    },
    Allowed {
        queries: &["deliveries::QUEUE_STATS"],
        step: "SCAN deliveries USING INDEX deliveries_due",
        reason: "the /metrics queue gauges: reads the queue's partial index (deliveries still to send), \
                 never the delivered history",
    },
    Allowed {
        queries: &["workflow_refs::CHILD_BY_ID_OR_PARENT"],
        step: "USE TEMP B-TREE FOR ORDER BY",
        reason: "puts first the one of a user's workflows whose own id matches: at most two rows match \
                 (the workflow with that id, and the user's one child of the parent with that id)",
    },
    Allowed {
        queries: &["installations::PAGE_OF_USER"],
        step: "USE TEMP B-TREE FOR ORDER BY",
        reason: "sorts one user's installations: at most one per integration of the catalog \
                 (UNIQUE (user_id, integration_id))",
    },
];
