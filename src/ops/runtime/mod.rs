//! Runs of child workflows, as operations: accepting one (an inbound hook, a custom
//! event, a run on request, a rerun) writes its execution row in the same transaction,
//! and the runtime (`src/runtime/`) wakes after the commit; reading them back (logs,
//! errors) and the custom events the catalog defines.

pub mod errors;
pub mod events;
pub mod hook;
pub mod logs;
pub mod rerun;
pub mod run_event;
pub mod run_workflow;
pub mod streams;

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Ctx, OpError};
use crate::store::executions::{self, NewExecution};
use crate::store::installations::WorkflowRow;
use crate::store::sealed;
use crate::store::{Tx, children};
use crate::vault::LiveKeyring;

/// Queues a run of `workflow` with `data`; returns its id (the execution id sent with
/// every outbound call it makes). Its leading `stream` steps are done here, in the
/// same transaction (`streams.rs`); the runtime is woken for whatever is left.
pub fn queue(
    tx: &Tx<'_>,
    ctx: &Ctx,
    workflow: &WorkflowRow,
    trigger: &str,
    input: &str,
    rerun_of: Option<&str>,
) -> Result<String, OpError> {
    let id = crate::ids::new_id()?;
    let new = NewExecution { id: &id, workflow, trigger, input, rerun_of, now: crate::clock::now_ms() };
    executions::insert(tx, ctx.env, &new)?;
    if !streams::run_leading(tx, ctx, workflow, &id, input)? {
        crate::store::wake_runtime_after_commit();
    }
    Ok(id)
}

/// Refuses a run of a child that is switched off or whose installation is disabled
/// (409): such runs never start.
pub fn ensure_runnable(tx: &Tx<'_>, workflow: &WorkflowRow) -> Result<(), OpError> {
    if !workflow.active {
        return Err(OpError::conflict("workflow_inactive", "this workflow is inactive; activate it first"));
    }
    if !children::installation_enabled(tx, &workflow.installation_id)? {
        return Err(OpError::conflict(
            "installation_disabled",
            "this workflow's installation is disabled: its credential was deleted",
        ));
    }
    Ok(())
}

/// The trigger's data as a run stores it.
pub fn data_text(data: &Value) -> String {
    data.to_string()
}

/// An installation's credential values, opened from their sealed blob.
pub fn open_credential(
    keyring: &LiveKeyring,
    credential_id: &str,
    blob: &[u8],
) -> Result<BTreeMap<String, String>, String> {
    let plain = keyring
        .decrypt(&sealed::CREDENTIALS.aad(credential_id), blob)
        .map_err(|e| format!("cannot open the installation's credential: {e}"))?;
    serde_json::from_slice(&plain).map_err(|_| "the installation's credential is not a set of fields".to_string())
}
