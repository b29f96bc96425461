//! The open (unused, unexpired) install links of an integration or of a user, soonest
//! to expire first, a page at a time (the console's integration and user pages).

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::open_links::{self, Of, OpenLinkRow, Position};

/// What the links belong to.
#[derive(Debug, Clone)]
pub enum Owner {
    Integration(String),
    User(String),
}

/// Up to `limit` open links of `owner` (an id of the caller's environment, looked up
/// first: not found otherwise), after `after` (a [`position`]).
pub struct ListOpenLinks {
    pub owner: Owner,
    pub after: Option<String>,
    pub limit: usize,
}

/// Where a page ends, for the cursor of the next: `<expires_at>:<id>` of its last link.
pub fn position(link: &OpenLinkRow) -> String {
    format!("{}:{}", link.expires_at, link.id)
}

fn parse_position(text: &str) -> Result<Position, OpError> {
    let bad = || OpError::invalid("invalid_cursor", "cursor is not one this server issued for this list");
    let (at, id) = text.split_once(':').ok_or_else(bad)?;
    Ok((at.parse().map_err(|_| bad())?, id.to_string()))
}

impl Query for ListOpenLinks {
    type Output = Vec<OpenLinkRow>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<OpenLinkRow>, OpError> {
        let now = crate::clock::now_ms();
        let after = match self.after.as_deref() {
            Some(text) => parse_position(text)?,
            None => open_links::start(now),
        };
        let of = match &self.owner {
            Owner::Integration(id) => {
                crate::store::catalog::find(db, ctx.env, id)?.ok_or(OpError::NotFound("integration"))?;
                Of::Integration(id)
            }
            Owner::User(id) => {
                crate::ops::users::existing(db, ctx.env, id)?;
                Of::User(id)
            }
        };
        Ok(open_links::page(db, ctx.env, of, now, &after, self.limit)?)
    }
}
