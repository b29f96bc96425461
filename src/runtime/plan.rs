//! What one run's steps see ([`Plan`]) and how a step ended ([`Outcome`]): shared by the
//! step runner and the `http` step.

use serde_json::Value;

use crate::domain::workflow::Step;
use crate::domain::workflow::template::Scope;

/// What the steps of one run see, opened once per claim.
pub(super) struct Plan {
    pub steps: Vec<Step>,
    pub scope: Scope,
    /// Credential values, to keep them out of every record.
    pub secrets: Vec<String>,
}

/// How a step ended.
pub(super) enum Outcome {
    /// Done: what it was given and what it produced (for later steps, unredacted).
    Done {
        input: Value,
        output: Value,
    },
    /// A `stream` step's data, handed over by the recorder.
    Stream {
        data: Value,
    },
    Failed {
        input: Option<Value>,
        error: String,
    },
    /// Try again at `at` (ms).
    Retry {
        at: i64,
        error: String,
    },
}
