//! SmartLink: the checks of a parsed link before it may sign anyone in: its token
//! against the app's secret (and the previous one during the grace period), the app's
//! version rules and the v2 window, and whether a v2 link was used already. The token
//! check itself is `auth::smartlink` (pure); this reads and unseals what it needs.

use crate::auth::smartlink::{self, DEFAULT_V2_LEEWAY_SECS, LinkVersion, LoginQuery};
use crate::domain::Environment;
use crate::ops::{Deps, OpError};
use crate::store::smartlink as store;

use super::{previous_aad, secret_aad};

/// What checking a link's token found.
pub enum Verified {
    Valid { env: Environment, legacy_allowed: bool },
    Mismatch,
    UnknownApp,
}

/// A v2 link's nonce as it is kept once used: its hash, and until when (Unix ms).
#[derive(Debug, Clone)]
pub struct Nonce {
    pub hash: Vec<u8>,
    pub keep_until: i64,
}

/// The appId as the store's row id (ids beyond i64 cannot exist: -1 finds nothing).
pub fn app_row_id(query: &LoginQuery) -> i64 {
    i64::try_from(query.app_id).unwrap_or(-1)
}

/// The hash a used v2 nonce is kept under (nonces are the integrator's, per app).
pub fn nonce_hash(app_id: i64, nonce: &str) -> Vec<u8> {
    crate::ids::hash_secret(&format!("{app_id}\0{nonce}"))
}

/// Checks the token against the app's secret (and its previous one during the grace
/// period). The app may be of any environment: the link names it. An unknown app goes
/// through the same decryptions and hashes against stand-ins, so it costs the same time.
pub async fn verify_link(deps: &Deps, query: &LoginQuery) -> Result<Verified, OpError> {
    let app_id = app_row_id(query);
    let app = deps.store.read(move |db| store::find(db, app_id)).await?;
    let keyring = &deps.keyring;
    let now = crate::clock::now_ms();
    let Some(app) = app else {
        let _ = std::hint::black_box(keyring.encrypt(b"usher smartlink stand-in", &[0u8; 43]));
        let _ = std::hint::black_box(keyring.encrypt(b"usher smartlink stand-in", &[0u8; 43]));
        let _ = query.verify_against_dummy();
        let _ = query.verify_against_dummy();
        return Ok(Verified::UnknownApp);
    };
    let current = keyring.decrypt(&secret_aad(app.app_id), &app.secret)?;
    let previous = match (&app.previous_secret, app.previous_until) {
        (Some(blob), Some(until)) if in_grace(until, now) => Some(keyring.decrypt(&previous_aad(app.app_id), blob)?),
        _ => {
            let _ = std::hint::black_box(keyring.encrypt(b"usher smartlink stand-in", &[0u8; 43]));
            None
        }
    };
    let by_current = query.verify(&current);
    let by_previous = match &previous {
        Some(secret) => query.verify(secret),
        None => query.verify_against_dummy(),
    };
    // equivalent mutant: `|` -> `^`: both verify only if the two secrets are equal, and
    // a rotation never gives the secret it replaces (32 random bytes).
    Ok(if by_current | by_previous {
        Verified::Valid { env: app.environment, legacy_allowed: app.legacy_sha1 }
    } else {
        Verified::Mismatch
    })
}

/// Whether a previous secret whose grace period ends at `until` (Unix ms) still
/// verifies at `now`: the period ends at `until` itself.
fn in_grace(until: i64, now: i64) -> bool {
    until > now
}

/// The version rules of a link whose token is valid: a legacy link only where the app
/// allows it; a v2 link inside its window (`max_ttl_secs` ahead at most, at `now_secs`).
/// Returns the v2 nonce to consume, or a 403 whose message the login page shows.
pub fn admit(
    query: &LoginQuery,
    legacy_allowed: bool,
    max_ttl_secs: i64,
    now_secs: i64,
) -> Result<Option<Nonce>, OpError> {
    match &query.version {
        LinkVersion::Legacy if !legacy_allowed => Err(OpError::forbidden(
            "legacy_not_allowed",
            "This app accepts only version 2 links (v=2, expires, nonce).",
        )),
        LinkVersion::Legacy => Ok(None),
        LinkVersion::V2 { expires, nonce } => {
            smartlink::check_v2_window(*expires, now_secs, max_ttl_secs, DEFAULT_V2_LEEWAY_SECS)
                .map_err(|e| OpError::forbidden("link_window", e.to_string()))?;
            let keep_until = expires.saturating_add(DEFAULT_V2_LEEWAY_SECS).saturating_mul(1000);
            Ok(Some(Nonce { hash: nonce_hash(app_row_id(query), nonce), keep_until }))
        }
    }
}

/// Whether a v2 link's nonce has been used (the confirmation page is not shown for it).
pub async fn link_used(deps: &Deps, nonce: &Nonce) -> Result<bool, OpError> {
    let hash = nonce.hash.clone();
    Ok(deps.store.read(move |db| store::nonce_used(db, &hash)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "appId=7&firstName=Ada&surname=Lovelace&username=ada%40example.com";

    fn legacy() -> LoginQuery {
        smartlink::parse(&format!("{BASE}&token={}", "a".repeat(40))).unwrap()
    }

    fn v2(expires: i64) -> LoginQuery {
        let q = format!("{BASE}&v=2&expires={expires}&nonce=0123456789abcdef&token={}", "b".repeat(64));
        smartlink::parse(&q).unwrap()
    }

    #[test]
    fn legacy_links_only_where_the_app_allows_them() {
        assert!(admit(&legacy(), true, 900, 1_000).unwrap().is_none());
        let refused = admit(&legacy(), false, 900, 1_000).unwrap_err();
        assert!(matches!(refused, OpError::Forbidden { code: "legacy_not_allowed", .. }));
        assert_eq!(refused.to_string(), "This app accepts only version 2 links (v=2, expires, nonce).");
    }

    #[test]
    fn v2_links_inside_their_window_give_the_nonce_to_keep() {
        let now = 1_700_000_000;
        let nonce = admit(&v2(now + 600), false, 900, now).unwrap().unwrap();
        assert_eq!(nonce.hash, nonce_hash(7, "0123456789abcdef"));
        assert_eq!(nonce.keep_until, (now + 600 + DEFAULT_V2_LEEWAY_SECS) * 1000);
        let late = admit(&v2(now - DEFAULT_V2_LEEWAY_SECS - 1), false, 900, now).unwrap_err();
        assert!(matches!(late, OpError::Forbidden { code: "link_window", .. }));
        assert!(admit(&v2(now + 900 + DEFAULT_V2_LEEWAY_SECS + 1), false, 900, now).is_err());
    }

    #[test]
    fn the_grace_period_ends_at_its_last_millisecond() {
        assert!(in_grace(1_000, 999));
        assert!(!in_grace(1_000, 1_000));
        assert!(!in_grace(1_000, 1_001));
    }

    #[test]
    fn nonces_are_kept_per_app() {
        assert_ne!(nonce_hash(1, "n"), nonce_hash(2, "n"));
        assert_eq!(app_row_id(&legacy()), 7);
    }

    #[test]
    fn an_app_id_beyond_i64_finds_no_row() {
        let huge = format!("appId={}&firstName=A&surname=B&username=a%40example.com", u64::MAX);
        let query = smartlink::parse(&format!("{huge}&token={}", "a".repeat(40))).unwrap();
        assert_eq!(query.app_id, u64::MAX);
        assert_eq!(app_row_id(&query), -1, "a row id no app has");
    }
}
