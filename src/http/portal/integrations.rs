//! Portal: the integrations section (the environment's integrations with Install and
//! Uninstall, and the user's installations).
//!
//! Placeholder until the integrations catalog and the install transaction land (issue
//! 3): the portal must reuse that install page and transaction, not duplicate them.

use crate::error::AppError;
use crate::state::AppState;

use super::session::PortalSession;

/// The HTML fragment shown under "Integrations" (already escaped).
pub async fn section(_state: &AppState, _session: &PortalSession, _csrf: &str) -> Result<String, AppError> {
    Ok("<p class=\"empty\">No integrations are available yet.</p>".to_string())
}
