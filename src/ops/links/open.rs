//! Open an install link presented by its holder (the hosted install page): what the
//! page shows, and the context its install runs in. Nothing is consumed here; the
//! install consumes the link in its own transaction.

use std::sync::Arc;

use crate::domain::Actor;
use crate::ops::{Ctx, Deps, OpError};
use crate::store::catalog::{self, IntegrationRow, ParentWorkflowRow};
use crate::store::links::{self, LinkRow};

/// A usable link with what its page shows.
#[derive(Debug, Clone)]
pub struct OpenLink {
    pub link: LinkRow,
    pub user_id: String,
    pub integration: IntegrationRow,
    pub workflows: Vec<ParentWorkflowRow>,
}

impl OpenLink {
    /// The link's holder as a caller: in the link's environment, named `link:<id>`.
    pub fn ctx(&self, deps: &Arc<Deps>, ip: Option<String>) -> Ctx {
        Ctx::new(Arc::clone(deps), self.link.environment, Actor::Link(self.link.id.clone()), ip)
    }
}

/// A token as [`crate::ids::new_token`] makes them (43 URL-safe base64 characters):
/// anything else cannot name a link, and is refused before a lookup.
fn plausible_token(token: &str) -> bool {
    token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The link whose token is `token`: not found when unknown, gone when used, expired, or
/// its user or integration was deleted. Looked up by the token's hash, which is also
/// what tells the environment, so this runs before there is a [`Ctx`].
pub async fn open(deps: &Deps, token: &str) -> Result<OpenLink, OpError> {
    if !plausible_token(token) {
        return Err(OpError::NotFound("link"));
    }
    let hash = crate::ids::hash_secret(token);
    let now = crate::clock::now_ms();
    deps.store
        .read(move |db| {
            let link = links::find_by_hash(db, &hash)?.ok_or(OpError::NotFound("link"))?;
            if link.used_at.is_some() {
                return Err(OpError::Gone("This link was already used to finish an installation.".into()));
            }
            if link.expires_at <= now {
                return Err(OpError::Gone("This link has expired.".into()));
            }
            let gone = || OpError::Gone("This link is no longer valid.".into());
            let user_id = link.user_id.clone().ok_or_else(gone)?;
            let integration_id = link.integration_id.clone().ok_or_else(gone)?;
            let integration =
                catalog::find(db, link.environment, &integration_id)?.filter(|i| i.active).ok_or_else(gone)?;
            let workflows = catalog::parent_workflows(db, &integration.id)?;
            Ok(OpenLink { link, user_id, integration, workflows })
        })
        .await
}
