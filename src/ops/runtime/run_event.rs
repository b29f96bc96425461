//! A custom event (`POST /run/event {"event","userId","data"}`): runs every active
//! child workflow of the user whose pinned version is triggered by that event.

use serde_json::Value;

use crate::ops::{Ctx, OpError, Operation};
use crate::store::{Tx, children};

pub struct RunEvent {
    pub event: String,
    pub user: String,
    pub data: Value,
}

impl Operation for RunEvent {
    /// The queued runs (none when no workflow of the user listens to the event).
    type Output = Vec<String>;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<Vec<String>, OpError> {
        if self.event.is_empty() {
            return Err(OpError::invalid("invalid_event", "event must not be empty"));
        }
        let user = crate::ops::users::existing(tx, ctx.env, &self.user)?;
        let input = super::data_text(&self.data);
        children::for_event(tx, ctx.env, &user.id, &self.event)?
            .iter()
            .map(|workflow| super::queue(tx, ctx, workflow, "event", &input, None))
            .collect()
    }
}
