//! What the portal's integrations section shows, read in one go for the signed-in
//! user: the environment's integrations (installed or not, with Install / Uninstall)
//! and the user's installations. Rendered by `templates/portal_integrations.html`.

use std::collections::HashMap;

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::catalog::{self, IntegrationRow};
use crate::store::installations::{self, InstallationRow};

/// Rows read per query while listing the whole catalog.
const CHUNK: usize = 500;

/// One integration of the environment as the portal lists it.
pub struct IntegrationItem {
    pub id: String,
    pub name: String,
    pub description: String,
    pub icon: String,
    /// The user's installation of it, if any (what Uninstall posts to).
    pub installation_id: Option<String>,
}

/// One of the user's installations.
pub struct InstallationItem {
    pub id: String,
    pub integration_name: String,
    /// RFC 3339, UTC.
    pub installed_at: String,
    pub workflows: usize,
    pub enabled: bool,
    /// (workflow name, hook URL) of its webhook-triggered workflows: what the user
    /// gives the third-party app to post to.
    pub hooks: Vec<(String, String)>,
}

/// The section's content.
pub struct Section {
    pub integrations: Vec<IntegrationItem>,
    pub installations: Vec<InstallationItem>,
}

/// The catalog of the caller's environment and this user's installations.
pub struct PortalSection {
    pub user_id: String,
}

/// Every page of a keyset-paged list, `CHUNK` rows at a time.
fn all<T>(mut page: impl FnMut(Option<&T>) -> Result<Vec<T>, OpError>) -> Result<Vec<T>, OpError> {
    let mut rows: Vec<T> = Vec::new();
    loop {
        let next = page(rows.last())?;
        let done = next.len() < CHUNK;
        rows.extend(next);
        if done {
            return Ok(rows);
        }
    }
}

/// The hook URLs of an installation's webhook-triggered workflows.
fn hooks(db: &Db<'_>, ctx: &Ctx, installation_id: &str) -> Result<Vec<(String, String)>, OpError> {
    let children = installations::workflows_of(db, ctx.env, installation_id)?;
    Ok(children
        .into_iter()
        .filter_map(|w| crate::ops::workflows::hook::hook_url(ctx, &w).map(|url| (w.name, url)))
        .collect())
}

impl Query for PortalSection {
    type Output = Section;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Section, OpError> {
        let env = ctx.env;
        let rows = all(|last: Option<&IntegrationRow>| {
            Ok(catalog::page_active(db, env, last.map(|r| r.id.as_str()), CHUNK)?)
        })?;
        let mine = all(|last: Option<&InstallationRow>| {
            Ok(installations::page(db, env, Some(&self.user_id), last.map(|i| i.id.as_str()), CHUNK)?)
        })?;
        let by_integration: HashMap<&str, &str> =
            mine.iter().map(|i| (i.integration_id.as_str(), i.id.as_str())).collect();
        let names: HashMap<&str, &str> = rows.iter().map(|r| (r.id.as_str(), r.name.as_str())).collect();
        let mut installations = Vec::with_capacity(mine.len());
        for i in &mine {
            installations.push(InstallationItem {
                id: i.id.clone(),
                integration_name: names.get(i.integration_id.as_str()).unwrap_or(&"(removed)").to_string(),
                installed_at: crate::clock::rfc3339(i.installed_at),
                workflows: i.workflow_ids.len(),
                enabled: i.enabled,
                hooks: hooks(db, ctx, &i.id)?,
            });
        }
        let integrations = rows
            .iter()
            .map(|r| IntegrationItem {
                id: r.id.clone(),
                name: r.name.clone(),
                description: r.description.clone().unwrap_or_default(),
                icon: r.icon.clone().unwrap_or_default(),
                installation_id: by_integration.get(r.id.as_str()).map(|s| s.to_string()),
            })
            .collect();
        Ok(Section { integrations, installations })
    }
}
