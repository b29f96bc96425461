//! One page of the environment's audit trail, newest first, filtered (`GET /audit-log`).

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::audit::{self, EntryRow, Filter};

/// Up to `limit` entries matching `filter`, older than the entry at `before`.
pub struct ListAudit {
    pub filter: Filter,
    before: Option<(i64, String)>,
    pub limit: usize,
}

impl ListAudit {
    /// The page after the entry whose [`position`] is `after` (none: the newest entries);
    /// a position that is not one is `invalid_cursor`.
    pub fn new(filter: Filter, after: Option<&str>, limit: usize) -> Result<ListAudit, OpError> {
        let before = match after.map(|p| p.split_once(':')) {
            None => None,
            Some(Some((at, id))) => Some((at.parse::<i64>().map_err(|_| bad_cursor())?, id.to_string())),
            Some(None) => return Err(bad_cursor()),
        };
        Ok(ListAudit { filter, before, limit })
    }
}

/// Where a page ends, for the cursor of the next: `<at>:<id>` of its last entry (the
/// order is by time, then id).
pub fn position(entry: &EntryRow) -> String {
    format!("{}:{}", entry.at, entry.id)
}

fn bad_cursor() -> OpError {
    OpError::invalid("invalid_cursor", "cursor is not one this server issued for this list")
}

impl Query for ListAudit {
    type Output = Vec<EntryRow>;

    fn run(mut self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<EntryRow>, OpError> {
        if let Some(given) = self.filter.user_id.take() {
            match user_filter(db, ctx, given)? {
                Some(id) => self.filter.user_id = Some(id),
                None => return Ok(Vec::new()),
            }
        }
        let before = self.before.as_ref().map(|(at, id)| (*at, id.as_str()));
        Ok(audit::page(db, ctx.env, &self.filter, before, self.limit)?)
    }
}

/// The user id to filter by, for a `userId` that is an id or a username like everywhere
/// else. An id that names no user now still filters (a deleted user's entries keep
/// their id); a username that names nobody matches nothing.
fn user_filter(db: &Db<'_>, ctx: &Ctx, given: String) -> Result<Option<String>, OpError> {
    match crate::ops::users::find(db, ctx.env, &given)? {
        Some(user) => Ok(Some(user.id)),
        None if crate::ids::is_id(&given) => Ok(Some(given)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_names_time_and_id_and_nothing_else_is_one() {
        let entry = EntryRow {
            id: "0123456789abcdef01234567".into(),
            at: 1_700_000_000_123,
            action: "user.created".into(),
            actor: "cli".into(),
            user_id: None,
            ip: None,
            details: "{}".into(),
        };
        let page = ListAudit::new(Filter::default(), Some(&position(&entry)), 10).unwrap();
        assert_eq!(page.before, Some((entry.at, entry.id)));
        assert!(ListAudit::new(Filter::default(), None, 10).unwrap().before.is_none());
        for bad in ["", "nocolon", "soon:0123", ":"] {
            assert!(matches!(
                ListAudit::new(Filter::default(), Some(bad), 10),
                Err(OpError::Invalid { code: "invalid_cursor", .. })
            ));
        }
    }
}
