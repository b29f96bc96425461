//! Portal: what the integrations section shows, read in one go for the signed-in user —
//! the environment's integrations (installed or not, with Install / Uninstall) and the
//! user's installations. Rendered by `templates/portal_integrations.html`.

use std::collections::HashMap;

use crate::error::AppError;
use crate::state::AppState;
use crate::store::{catalog, installations};

use super::session::PortalSession;

/// Integrations read per query while listing the whole catalog.
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
}

/// The section's content.
pub struct Section {
    pub integrations: Vec<IntegrationItem>,
    pub installations: Vec<InstallationItem>,
}

/// Reads the catalog of the session's environment and the session user's installations.
pub async fn section(state: &AppState, session: &PortalSession) -> Result<Section, AppError> {
    let env = session.session.environment;
    let user_id = session.session.user_id.clone();
    state
        .store
        .read(move |conn| {
            let mut rows = Vec::new();
            loop {
                let page =
                    catalog::page(conn, env, rows.last().map(|r: &catalog::IntegrationRow| r.id.as_str()), CHUNK)?;
                let done = page.len() < CHUNK;
                rows.extend(page);
                if done {
                    break;
                }
            }
            let mut mine = Vec::new();
            loop {
                let after = mine.last().map(|i: &installations::InstallationRow| i.id.clone());
                let page = installations::page(conn, env, Some(&user_id), after.as_deref(), CHUNK)?;
                let done = page.len() < CHUNK;
                mine.extend(page);
                if done {
                    break;
                }
            }
            let by_integration: HashMap<&str, &str> =
                mine.iter().map(|i| (i.integration_id.as_str(), i.id.as_str())).collect();
            let names: HashMap<&str, &str> = rows.iter().map(|r| (r.id.as_str(), r.name.as_str())).collect();
            let installations = mine
                .iter()
                .map(|i| InstallationItem {
                    id: i.id.clone(),
                    integration_name: names.get(i.integration_id.as_str()).unwrap_or(&"(removed)").to_string(),
                    installed_at: crate::clock::rfc3339(i.installed_at),
                    workflows: i.workflow_ids.len(),
                    enabled: i.enabled,
                })
                .collect();
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
        })
        .await
}
