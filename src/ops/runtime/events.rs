//! The custom events the catalog defines (`GET /events[?userId]`): every event trigger
//! of a parent workflow's current version, or, for a user, of their children's
//! pinned versions, with its description and the workflows it runs.

use std::collections::BTreeMap;

use crate::domain::workflow::Trigger;
use crate::ops::{Ctx, OpError, Query};
use crate::store::{Db, workflow_versions};

pub struct ListEvents {
    pub user: Option<String>,
}

/// One custom event and the workflows (parents, or the user's children) it runs.
#[derive(Debug, Clone)]
pub struct EventInfo {
    pub event: String,
    pub description: Option<String>,
    /// (workflow id, name)
    pub workflows: Vec<(String, String)>,
}

impl Query for ListEvents {
    type Output = Vec<EventInfo>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<EventInfo>, OpError> {
        let user = match &self.user {
            Some(u) => Some(crate::ops::users::existing(db, ctx.env, u)?.id),
            None => None,
        };
        let mut events: BTreeMap<String, EventInfo> = BTreeMap::new();
        for (id, name, definition) in workflow_versions::event_triggers(db, ctx.env, user.as_deref())? {
            let Some(Trigger::Event { event, description }) = definition.trigger else { continue };
            let info = events.entry(event.clone()).or_insert_with(|| EventInfo {
                event,
                description: None,
                workflows: Vec::new(),
            });
            if info.description.is_none() {
                info.description = description;
            }
            info.workflows.push((id, name));
        }
        Ok(events.into_values().collect())
    }
}
