//! Inbound hook tokens of child workflows (regenerating one is
//! [`regenerate_hook`](super::regenerate_hook)).
//!
//! A token is `hk_` + base64url(HMAC-SHA256(subkey, workflow id ‖ 0 ‖ salt)), the subkey
//! derived from a master key named by its id. The database keeps the salt, the key id
//! and the token's SHA-256 (for the lookup), never the token: the URL can be shown
//! again by whoever holds the master key, and a copy of the database file cannot
//! forge a call to it. Regenerating draws a new salt; the old URL stops working.

use base64::Engine;
use ring::hmac;

use crate::ops::{Ctx, OpError};
use crate::store::installations::{HookRef, NewHook, WorkflowRow};
use crate::store::{Tx, workflow_versions};

const PURPOSE: &str = "usher hook v1";

fn token(subkey: &[u8; 32], workflow_id: &str, salt: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, subkey);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(workflow_id.as_bytes());
    ctx.update(&[0]);
    ctx.update(salt);
    let tag = ctx.sign();
    format!("hk_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

/// A fresh hook for the child `workflow_id`.
pub fn new_hook(ctx: &Ctx, workflow_id: &str) -> Result<NewHook, OpError> {
    let salt: [u8; 16] = crate::ids::random_bytes()?;
    let (key, subkey) = ctx.keyring().derive_current(PURPOSE);
    let hash = crate::ids::hash_secret(&token(&subkey, workflow_id, &salt));
    Ok(NewHook { hook: HookRef { salt: salt.to_vec(), key }, hash })
}

/// The child's hook URL (`{public_url}/hooks/{token}`), if it has a hook and the
/// master key it was derived from is still in the keyring.
pub fn hook_url(ctx: &Ctx, workflow: &WorkflowRow) -> Option<String> {
    let hook = workflow.hook.as_ref()?;
    let subkey = ctx.keyring().derive_with(&hook.key, PURPOSE)?;
    Some(format!("{}/hooks/{}", ctx.deps.public_url, token(&subkey, &workflow.id, &hook.salt)))
}

/// The hook a child pinned to `version` of its parent should have: its current one
/// if the version has a webhook trigger and it has one, a new one if it has none,
/// none for other triggers. `Err` when the version does not exist.
pub fn hook_for_version(
    tx: &Tx<'_>,
    ctx: &Ctx,
    workflow: &WorkflowRow,
    version: i64,
) -> Result<Option<Option<NewHook>>, OpError> {
    let row = workflow_versions::find(tx, &workflow.parent_workflow_id, version)?
        .ok_or_else(|| OpError::invalid("unknown_version", format!("the workflow has no version {version}")))?;
    let webhook = row.definition.trigger.as_ref().is_some_and(|t| t.kind() == "webhook");
    Ok(match (webhook, &workflow.hook) {
        // Keep the hook (and so its URL) as it is.
        (true, Some(_)) => None,
        (true, None) => Some(Some(new_hook(ctx, &workflow.id)?)),
        (false, _) => Some(None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_depend_on_key_workflow_and_salt() {
        let a = token(&[1; 32], "w1", b"salt");
        assert!(a.starts_with("hk_") && a.len() == 46, "{a}");
        assert_eq!(a, token(&[1; 32], "w1", b"salt"));
        assert_ne!(a, token(&[2; 32], "w1", b"salt"));
        assert_ne!(a, token(&[1; 32], "w2", b"salt"));
        assert_ne!(a, token(&[1; 32], "w1", b"salu"));
    }
}
