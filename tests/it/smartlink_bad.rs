//! SmartLink bad input: every refused link is a 4xx with a human page and changes
//! nothing (users, sessions, events, nonces, login audit). Queries go over a raw TCP
//! request line, so `%C0%80`, `%G1` and raw bytes reach the server exactly as written.

use crate::sha1_forge::extend;
use crate::support::TestApp;
use crate::support::smartlink::*;

/// Sends the link and checks it is refused with one of `expect` and changed nothing.
/// Returns the status. Requests hyper itself refuses (raw bytes that are not HTTP)
/// never reach the router, so they get hyper's bare 400 instead of a page.
async fn refused(app: &TestApp, query: &[u8], expect: &[u16], what: &str) -> u16 {
    refused_by(app, query, expect, what).await.0
}

/// [`refused`], and whether usher's router answered (hyper's own refusals carry no
/// `x-request-id`): a test about usher's checks must see usher refuse.
async fn refused_by(app: &TestApp, query: &[u8], expect: &[u16], what: &str) -> (u16, bool) {
    let before = snapshot(app);
    let everything = app.db().everything();
    let answer = login(app, query).await;
    assert!(expect.contains(&answer.status), "{what}: got {} {}", answer.status, answer.body);
    assert_eq!(snapshot(app), before, "{what}: something changed");
    assert_eq!(app.db().everything(), everything, "{what}: something changed");
    assert!(answer.header("set-cookie").is_none(), "{what}");
    let reached_router = answer.header("x-request-id").is_some();
    if reached_router && (answer.status == 400 || answer.status == 403) {
        assert!(answer.header("content-type").unwrap_or("").starts_with("text/html"), "{what}: a page");
        assert!(answer.body.contains("<h1>"), "{what}: a human page");
        assert_eq!(answer.header("cache-control"), Some("no-store"), "{what}");
    }
    (answer.status, reached_router)
}

/// The query part of a link whose whole query (without token) is signed with `secret`.
fn signed(secret: &str, query: &str) -> String {
    signed_legacy(secret, query)
}

fn percent_encode_all(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn forged_length_extension_links_are_refused() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let SmartApp { app_id: id, secret } = create_app(&app, &key, true).await;
    app.user(&key, "victim@example.com").await;
    let original = person(&id, "dale@example.com");
    let token = legacy_token(&secret, &original);
    // The forger never sees the secret, only its length (43) and one valid link.
    let orig_len = secret.len() + original.len();
    for suffix in ["&username=victim@example.com", "&phone=%2B1%20555%200100"] {
        let (glue, forged_token) = extend(&token, orig_len, suffix.as_bytes());
        // The forgery is right for the raw bytes: sha1(secret ‖ original ‖ glue ‖ suffix).
        let mut forged_msg = secret.as_bytes().to_vec();
        forged_msg.extend_from_slice(original.as_bytes());
        forged_msg.extend_from_slice(&glue);
        forged_msg.extend_from_slice(suffix.as_bytes());
        assert_eq!(crate::sha1_forge::sha1_hex(&forged_msg), forged_token, "the forger works");

        // 1. The glue as raw bytes (0x80, 0x00, ...), exactly as hashed.
        let mut raw_query = original.as_bytes().to_vec();
        raw_query.extend_from_slice(&glue);
        raw_query.extend_from_slice(suffix.as_bytes());
        raw_query.extend_from_slice(format!("&token={forged_token}").as_bytes());
        // hyper refuses these bytes before usher sees them (NUL is no request-target
        // byte); usher's own parser, which a more lenient front end would hand them
        // to, refuses them too.
        let (_, by_usher) = refused_by(&app, &raw_query, &[400], &format!("raw glue + {suffix}")).await;
        assert!(!by_usher, "raw glue reached the router: this test no longer shows hyper refusing it");
        let parsed = usher::auth::smartlink::parse_bytes(&raw_query);
        assert_eq!(parsed.err(), Some(usher::auth::smartlink::BadQuery::ForbiddenByte), "raw glue + {suffix}");
        // 2. The glue percent-encoded (what a decoding verifier would turn back into
        //    bytes): valid HTTP, so usher itself must refuse it.
        let encoded = format!("{original}{}{suffix}&token={forged_token}", percent_encode_all(&glue));
        let what = format!("encoded glue + {suffix}");
        let (_, by_usher) = refused_by(&app, encoded.as_bytes(), &[400, 403], &what).await;
        assert!(by_usher, "{what}: refused by hyper, not by usher");
    }
    // The original link itself still works (the checks above refused the forgery, not everything).
    assert_eq!(login(&app, format!("{original}&token={token}").as_bytes()).await.status, 303);
    app.stop().await;
}

#[tokio::test]
async fn malformed_queries_with_valid_tokens_are_400() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let SmartApp { app_id: id, secret } = create_app(&app, &key, true).await;
    let base = person(&id, "dale@example.com");
    let names = |first: &str| format!("appId={id}&firstName={first}&surname=Mooney&username=dale@example.com");
    let cases: Vec<(String, &str)> = vec![
        (format!("{base}&username=victim@example.com"), "duplicate key"),
        (format!("appId={id}&appId={id}&firstName=Dale&surname=Mooney&username=dale@example.com"), "duplicate appId"),
        (format!("{base}&role=admin"), "unknown key role"),
        (format!("{base}&utm_source=newsletter"), "unknown key utm_source"),
        (format!("{base}&Username=victim@example.com"), "Username="),
        (format!("{base}&username[]=victim@example.com"), "username[]="),
        (format!("{base}&username%5B%5D=victim@example.com"), "encoded key"),
        (names("Da%00le"), "%00"),
        (names("Da%0Ale"), "%0A"),
        (names("Da%80le"), "%80"),
        (names("Da%FFle"), "%FF"),
        (names("Da%C0%80le"), "%C0%80"),
        (names("Da%G1le"), "%G1"),
        (names("Dale%"), "trailing %"),
        (names("Dale%26username%3Dv"), "encoded & and ="),
        (format!("appId={id}&firstName=Dale&surname=Mooney&username=dale%2540example.com"), "double-encoded email"),
        (format!("appId={id}&firstName=Dale&surname=Mooney&username=dale"), "non-email username"),
        (format!("appId={id}&firstName=Dale&surname=Mooney&username=dale@@example.com"), "two @"),
        (format!("appId={id}&firstName=Dale&surname=Mooney"), "missing username"),
        (format!("{base}&&"), "empty pieces"),
        (format!("{base};role=admin"), "semicolon"),
        (format!("appId={id}&firstName={}&surname=Mooney&username=dale@example.com", "a".repeat(101)), "long name"),
        (format!("{base}&phone=call%20me"), "not a phone"),
        (format!("{base}&expires=9999999999"), "v2 field without v"),
    ];
    for (query, what) in cases {
        refused(&app, signed(&secret, &query).as_bytes(), &[400], what).await;
    }
    // A 10 KB query (with a valid token over it).
    let long = format!("{base}&phone={}", "1".repeat(10 * 1024));
    refused(&app, signed(&secret, &long).as_bytes(), &[400, 414, 431], "10 KB query").await;
    // Raw bytes outside the query set: hyper or the parser refuses them.
    for (bytes, what) in [(&b"\x80"[..], "raw 0x80"), (b"\xff", "raw 0xff"), (b"\x00", "raw NUL"), (b" ", "raw space")]
    {
        let mut query = names("Da").into_bytes();
        let at = query.len() - "&surname=Mooney&username=dale@example.com".len();
        query.splice(at..at, bytes.iter().copied());
        let token = crate::sha1_forge::sha1_hex(&[secret.as_bytes(), &query].concat());
        query.extend_from_slice(format!("&token={token}").as_bytes());
        refused(&app, &query, &[400], what).await;
    }
    refused(&app, b"", &[400], "empty query").await;
    refused(&app, b"token=", &[400, 403], "only a token").await;
    app.stop().await;
}

#[tokio::test]
async fn wrong_tokens_are_403() {
    // More failures than the default per-minute limit are made here.
    let app = TestApp::start_with(|c| c.smartlink.failures_per_minute = 1000).await;
    let key = app.dev_key().await;
    let SmartApp { app_id: id, secret } = create_app(&app, &key, true).await;
    let SmartApp { app_id: _other_id, secret: other_secret } = create_app(&app, &key, true).await;
    let base = person(&id, "dale@example.com");
    let good = legacy_token(&secret, &base);
    let cases: Vec<(String, &str)> = vec![
        (format!("{base}&token={}", &good[..39]), "39 characters"),
        (format!("{base}&token={good}0"), "41 characters"),
        (format!("{base}&token={}", "g".repeat(40)), "non-hex"),
        (format!("{base}&token={}+{}", &good[..20], &good[21..]), "a space (+)"),
        (format!("{base}&token={}%20{}", &good[..20], &good[21..]), "a space (%20)"),
        (format!("{base}&token=%20{good}"), "a leading space"),
        (format!("{base}&token="), "empty token"),
        (format!("{base}&token={}", legacy_token(&other_secret, &base)), "another app's secret"),
        (format!("{base}&token={}", legacy_token("", &base)), "empty secret"),
        (format!("{base}&token={}", legacy_token(&secret, &base.replace("Dale", "Eve"))), "another query"),
        (
            format!("{}&token={}", base.replace(&id, "99999"), legacy_token(&secret, &base.replace(&id, "99999"))),
            "unknown appId",
        ),
    ];
    for (query, what) in cases {
        let status = refused(&app, query.as_bytes(), &[400, 403], what).await;
        if what != "a leading space" && what != "a space (%20)" && what != "a space (+)" && what != "empty token" {
            assert_eq!(status, 403, "{what}");
        }
    }
    // A raw space inside the token is not HTTP at all.
    refused(&app, format!("{base}&token={} {}", &good[..20], &good[21..]).as_bytes(), &[400], "raw space").await;
    app.stop().await;
}

#[tokio::test]
async fn legacy_link_on_a_v2_only_app_is_403() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let SmartApp { app_id: id, secret } = create_app(&app, &key, false).await;
    refused(&app, signed(&secret, &person(&id, "dale@example.com")).as_bytes(), &[403], "legacy on v2-only").await;
    let answer = login(&app, signed(&secret, &person(&id, "dale@example.com")).as_bytes()).await;
    assert!(answer.body.contains("version 2"), "{}", answer.body);
    app.stop().await;
}

#[tokio::test]
async fn an_attacker_chosen_session_cookie_is_replaced_at_sign_in() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let SmartApp { app_id: id, secret } = create_app(&app, &key, true).await;
    let planted = "A".repeat(43);
    let cookie = format!("usher_session={planted}");
    let answer =
        login_with(&app, "GET", signed(&secret, &person(&id, "dale@example.com")).as_bytes(), &[("Cookie", &cookie)])
            .await;
    assert_eq!(answer.status, 303);
    let (_, issued) = answer.cookie().unwrap();
    assert_ne!(issued, planted);
    assert_eq!(raw(&app, "GET", b"/portal", &[("Cookie", &cookie)]).await.status, 401);
    assert_eq!(raw(&app, "GET", b"/portal", &[("Cookie", &format!("usher_session={issued}"))]).await.status, 200);

    // A browser that was signed in gets a fresh id, and its old session ends.
    let again = login_with(
        &app,
        "GET",
        signed(&secret, &person(&id, "dale@example.com")).as_bytes(),
        &[("Cookie", &format!("usher_session={issued}"))],
    )
    .await;
    let (_, fresh) = again.cookie().unwrap();
    assert_ne!(fresh, issued);
    assert_eq!(raw(&app, "GET", b"/portal", &[("Cookie", &format!("usher_session={issued}"))]).await.status, 401);
    assert_eq!(app.db().sessions(), 1);
    app.stop().await;
}
