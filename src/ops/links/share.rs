//! Share an install link from the console: with an existing user, or with a new user
//! named by email (created here, in the same transaction; nothing is mailed). The link
//! is made by `CreateLink`, so it is the same single-use link the API hands out.

use super::create::{CreateLink, NewLink};
use crate::ops::users::NewUser;
use crate::ops::users::create::CreateUser;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::users::{self, ByEmail};

/// Who the link is for.
#[derive(Debug, Clone)]
pub enum ShareWith {
    /// A user of the caller's environment, by id or username.
    Existing(String),
    /// An email address (checked by [`ShareWith::new_user`]): that user, made if new.
    NewUser(String),
}

impl ShareWith {
    /// A new user named by `email`: 400 `invalid_email` unless it is an email address.
    pub fn new_user(email: &str) -> Result<ShareWith, OpError> {
        let email = crate::auth::smartlink::parse_email(email.trim()).ok_or_else(|| {
            OpError::invalid("invalid_email", "to share with a new user, enter their email address (name@example.com)")
        })?;
        Ok(ShareWith::NewUser(email))
    }
}

/// Makes the link (and the user, if new); `user.created` (when made) and
/// `install_link.created` in the audit log.
pub struct ShareLink {
    pub with: ShareWith,
    pub integration: String,
    /// Checked by `create::check_ttl`.
    pub ttl_secs: u64,
}

/// The link and whom it is for.
pub struct Shared {
    pub link: NewLink,
    pub user_id: String,
    pub username: String,
    /// True when the user was made for this link.
    pub created_user: bool,
}

impl Operation for ShareLink {
    type Output = Shared;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<Shared, OpError> {
        let (user, created_user) = match self.with {
            ShareWith::Existing(ident) => (crate::ops::users::existing(tx, ctx.env, &ident)?, false),
            // The same lookup as a SmartLink sign-in: an email names a user ignoring case.
            ShareWith::NewUser(email) => match users::find_by_email(tx, ctx.env, &email)? {
                ByEmail::Found(user) => (user, false),
                ByEmail::Ambiguous => {
                    return Err(OpError::conflict(
                        "ambiguous_email",
                        "several users have this email in different letter cases: share with one of them by id",
                    ));
                }
                ByEmail::NotFound => (CreateUser(NewUser::parse(&email, None)?).run(tx, ctx)?, true),
            },
        };
        let create = CreateLink { user: user.id.clone(), integration: self.integration, ttl_secs: self.ttl_secs };
        let link = create.run(tx, ctx)?;
        Ok(Shared { link, user_id: user.id, username: user.username, created_user })
    }
}
