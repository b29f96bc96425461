//! The console's link builder: a SmartLink signed with the app's own secret for a person
//! the operator names, exactly as the customer's server would sign it (v2 by default;
//! legacy v1 only when the app accepts it). Whoever holds the link signs in as that
//! person, so making one is audited.

use serde_json::json;

use crate::auth::smartlink::{self, LinkVersion};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;

/// Where SmartLinks are opened (fixed by the contract, API.md).
const LOGIN_PATH: &str = "/signable/token/login";

/// The person and the scheme.
pub struct BuildTestLink {
    pub app_id: i64,
    pub first_name: String,
    pub surname: String,
    pub email: String,
    pub phone: Option<String>,
    /// Sign a legacy (SHA-1, replayable) link instead of a v2 one.
    pub legacy: bool,
}

/// The signed URL, and until when it works (v2, Unix seconds).
pub struct TestLink {
    pub url: String,
    pub expires: Option<i64>,
}

impl BuildTestLink {
    /// The query the customer's server would build, before its token.
    fn query(&self, expires: i64, nonce: &str) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("appId", &self.app_id.to_string())
            .append_pair("firstName", self.first_name.trim())
            .append_pair("surname", self.surname.trim())
            .append_pair("username", self.email.trim());
        if let Some(phone) = self.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            q.append_pair("phone", phone);
        }
        if !self.legacy {
            q.append_pair("v", "2").append_pair("expires", &expires.to_string()).append_pair("nonce", nonce);
        }
        q.finish()
    }
}

impl Operation for BuildTestLink {
    type Output = TestLink;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<TestLink, OpError> {
        let app = super::existing(tx, ctx.env, self.app_id)?;
        if self.legacy && !app.legacy_sha1 {
            return Err(OpError::conflict("legacy_off", "this app does not accept legacy links; allow them first"));
        }
        let secret = ctx.keyring().decrypt(&super::secret_aad(app.app_id), &app.secret)?;
        let expires = crate::clock::now_secs() + ctx.config().smartlink.v2_max_ttl.secs() as i64;
        let query = self.query(expires, &crate::ids::new_token()?);
        let token =
            if self.legacy { smartlink::sign_legacy(&secret, &query) } else { smartlink::sign_v2(&secret, &query) };
        let signed = format!("{query}&token={token}");
        // The same checks the sign-in makes: a link that would be refused is not handed out.
        let parsed = smartlink::parse(&signed).map_err(|e| OpError::invalid("invalid_person", e.to_string()))?;
        let expires = match parsed.version {
            LinkVersion::V2 { expires, .. } => Some(expires),
            LinkVersion::Legacy => None,
        };
        let details = json!({ "appId": app.app_id.to_string(), "username": parsed.username, "legacy": self.legacy });
        ctx.audit(tx, "smartlink_app.test_link_built", None, details)?;
        let url = format!("{}{LOGIN_PATH}?{signed}", ctx.deps.public_url);
        Ok(TestLink { url, expires })
    }
}
