//! An inbound hook (`POST /hooks/{token}`): the third-party app tells a child workflow
//! that something happened. Accepted runs are queued in the same transaction; a
//! refused call (unknown token, bad signature, inactive workflow) records nothing.

use crate::domain::workflow::{Trigger, verify};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::{Tx, children, credentials, installations, workflow_versions};

/// A hook call: the token from the path, the raw body and the request's headers
/// (lower-case names), of which the workflow's verification may need one.
pub struct AcceptHook {
    pub token: String,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

/// The queued run.
#[derive(Debug, Clone)]
pub struct AcceptedHook {
    pub execution_id: String,
    pub workflow_id: String,
}

impl Operation for AcceptHook {
    type Output = AcceptedHook;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<AcceptedHook, OpError> {
        let hash = crate::ids::hash_secret(&self.token);
        let (env, workflow) = children::by_hook(tx, &hash)?.ok_or(OpError::NotFound("hook"))?;
        let ctx = ctx.in_env(env);
        let version = workflow_versions::find(tx, &workflow.parent_workflow_id, workflow.version)?
            .ok_or(OpError::NotFound("hook"))?;
        let Some(Trigger::Webhook { verify: rule }) = version.definition.trigger else {
            return Err(OpError::NotFound("hook"));
        };
        if let Some(rule) = rule {
            let secret = self.secret(tx, &ctx, &workflow.installation_id, &rule.secret_field)?;
            let sent = self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(&rule.header)).map(|(_, v)| v.as_str());
            if !verify::verify(&rule, secret.as_bytes(), &self.body, sent) {
                tracing::warn!(workflow_id = %workflow.id, "inbound hook refused: its signature does not verify");
                return Err(OpError::Unauthenticated(format!("the {} signature does not verify", rule.header)));
            }
        }
        super::ensure_runnable(tx, &workflow)?;
        let data = match serde_json::from_slice::<serde_json::Value>(&self.body) {
            Ok(json) => json,
            Err(_) => serde_json::Value::String(String::from_utf8_lossy(&self.body).into_owned()),
        };
        let execution_id = super::queue(tx, &ctx, &workflow, "webhook", &super::data_text(&data), None)?;
        Ok(AcceptedHook { execution_id, workflow_id: workflow.id })
    }
}

impl AcceptHook {
    /// The credential field the signature is keyed with. A credential that is gone or
    /// lacks the field cannot verify anything: the call is refused like a bad signature.
    fn secret(&self, tx: &Tx<'_>, ctx: &Ctx, installation_id: &str, field: &str) -> Result<String, OpError> {
        let refused = || OpError::Unauthenticated("the hook's signature cannot be verified".into());
        let installation = installations::find(tx, ctx.env, installation_id)?.ok_or_else(refused)?;
        let credential_id = installation.credential_id.ok_or_else(refused)?;
        let blob = credentials::sealed(tx, ctx.env, &credential_id)?.ok_or_else(refused)?;
        let values = super::open_credential(ctx.keyring(), &credential_id, &blob).map_err(OpError::Internal)?;
        values.get(field).cloned().ok_or_else(refused)
    }
}
