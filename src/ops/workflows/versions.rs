//! The versions of a parent workflow's definition (`GET /workflows/{id}/versions`),
//! newest first; `{id}` may also be a child, whose parent's versions are listed.

use super::view::parent_id;
use crate::ops::{Ctx, OpError, Query};
use crate::store::workflow_versions::{self, VersionRow};
use crate::store::{Db, catalog};

pub struct ListVersions {
    pub id: String,
    pub user: Option<String>,
}

/// The versions and which one is current.
pub struct Versions {
    pub current: i64,
    pub versions: Vec<VersionRow>,
}

impl Query for ListVersions {
    type Output = Versions;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Versions, OpError> {
        let parent_id = parent_id(db, ctx.env, &self.id, self.user.as_deref())?;
        let parent = catalog::find_parent(db, ctx.env, &parent_id)?.ok_or(OpError::NotFound("workflow"))?;
        Ok(Versions { current: parent.version, versions: workflow_versions::all(db, &parent.id)? })
    }
}
