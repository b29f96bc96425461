//! Make an install link (`GET /users/{user}/integrations/{id}/install-url`,
//! `GET /install-url?userId&integrationId`).

use serde_json::json;

use crate::config::Config;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::catalog;
use crate::store::links::{self, LinkRow};

/// Makes a single-use link for `user` (an id or a username) and `integration`, valid
/// `ttl_secs`; `install_link.created` in the audit log.
pub struct CreateLink {
    pub user: String,
    pub integration: String,
    pub ttl_secs: u64,
}

/// A link just made: the only time its URL (which carries the token) exists.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub url: String,
    /// Unix milliseconds.
    pub expires_at: i64,
}

/// Checks a requested lifetime (whole seconds, 60 to `links.max_ttl`); none means
/// `links.default_ttl`.
pub fn ttl(config: &Config, expires_in: Option<&str>) -> Result<u64, OpError> {
    let links = &config.links;
    let Some(text) = expires_in else { return Ok(links.default_ttl.secs()) };
    let max = links.max_ttl.secs();
    match text.parse::<u64>() {
        Ok(secs) if (60..=max).contains(&secs) => Ok(secs),
        _ => Err(OpError::invalid(
            "invalid_expires_in",
            format!("expiresIn must be a whole number of seconds from 60 to {max} (links.max_ttl)"),
        )),
    }
}

/// Checks a lifetime in seconds chosen in a form: 1 minute to `links.max_ttl`.
pub fn check_ttl(config: &Config, secs: u64) -> Result<u64, OpError> {
    let max = config.links.max_ttl;
    if (60..=max.secs()).contains(&secs) {
        return Ok(secs);
    }
    Err(OpError::invalid(
        "invalid_expires_in",
        format!("the expiration time must be from 1 minute to {max} (links.max_ttl)"),
    ))
}

impl Operation for CreateLink {
    type Output = NewLink;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<NewLink, OpError> {
        let token = crate::ids::new_token()?;
        let now = crate::clock::now_ms();
        let expires_at = now.saturating_add((self.ttl_secs as i64).saturating_mul(1000));
        let user = crate::ops::users::existing(tx, ctx.env, &self.user)?;
        let integration = catalog::find(tx, ctx.env, &self.integration)?.ok_or(OpError::NotFound("integration"))?;
        if !integration.active {
            return Err(OpError::conflict(
                "integration_inactive",
                "the integration is switched off: switch it on before sharing links to it",
            ));
        }
        let link = LinkRow {
            id: crate::ids::new_id()?,
            environment: ctx.env,
            user_id: Some(user.id.clone()),
            integration_id: Some(integration.id.clone()),
            created_at: now,
            expires_at,
            used_at: None,
        };
        links::insert(tx, &link, &crate::ids::hash_secret(&token))?;
        let details = json!({
            "linkId": link.id,
            "integrationId": integration.id,
            "expiresAt": crate::clock::rfc3339(expires_at),
        });
        ctx.audit(tx, "install_link.created", Some(&user.id), details)?;
        Ok(NewLink { url: format!("{}/link/{token}", ctx.deps.public_url), expires_at })
    }
}
