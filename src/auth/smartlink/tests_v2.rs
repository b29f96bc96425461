//! SmartLink unit tests: token shape, v2 links and the v2 validity window.

use super::tests::{DALE, SECRET, refused, v1, v2, v2_query};
use super::*;

#[test]
fn token_shape() {
    let tok = sign_legacy(SECRET, DALE);
    let bads = [
        tok[..39].to_string(),
        format!("{tok}0"),
        format!("{}g", &tok[..39]),
        format!("{}+", &tok[..39]),
        format!("{}%20", &tok[..38]),
        format!("0x{}", &tok[..38]),
    ];
    for bad in &bads {
        assert_eq!(parse(&format!("{DALE}&token={bad}")).unwrap_err(), BadQuery::BadToken, "{bad}");
    }
    assert_eq!(refused(&format!("{DALE}&token=")), BadQuery::BadToken);
    // A raw space never reaches the token rule: it is not a URL byte.
    assert_eq!(refused(&format!("{DALE}&token={} ", &tok[..39])), BadQuery::ForbiddenByte);
    // A 64-digit token on a legacy link, a 40-digit one on a v2 link.
    let q2 = v2_query("1700000900", "abcdefghijklmnop");
    assert_eq!(refused(&format!("{DALE}&token={}", sign_v2(SECRET, DALE))), BadQuery::BadToken);
    assert_eq!(refused(&v1(&q2)), BadQuery::BadToken);
    assert!(BadQuery::BadToken.is_bad_token() && !BadQuery::EmptyPiece.is_bad_token());
}

#[test]
fn v2_links() {
    let q = parse(&v2(&v2_query("1700000900", "abcdefghijklmnop_-42"))).unwrap();
    assert!(q.verify(SECRET));
    assert!(!q.verify(b"another-secret"));
    assert!(!q.verify_against_dummy());
    let want = LinkVersion::V2 { expires: 1_700_000_900, nonce: "abcdefghijklmnop_-42".into() };
    assert_eq!(q.version, want);
    // HMAC over a re-encoded query (`%40` for `@`) does not verify the link as sent.
    let sent = v2_query("1700000900", "abcdefghijklmnop");
    let link = format!("{sent}&token={}", sign_v2(SECRET, &sent.replace('@', "%40")));
    assert!(!parse(&link).unwrap().verify(SECRET));
    // Upper-case v2 hex.
    let upper = format!("{sent}&token={}", sign_v2(SECRET, &sent).to_uppercase());
    assert!(parse(&upper).unwrap().verify(SECRET));

    use BadQuery::*;
    for (query, want) in [
        (v2_query("1700000900", "short"), Invalid(Field::Nonce)),
        (v2_query("1700000900", &"n".repeat(129)), Invalid(Field::Nonce)),
        (v2_query("1700000900", "abcdefghijklmnop.q"), Invalid(Field::Nonce)),
        (v2_query("17e8", "abcdefghijklmnop"), Invalid(Field::Expires)),
        (v2_query("01700000900", "abcdefghijklmnop"), Invalid(Field::Expires)),
        (v2_query("-5", "abcdefghijklmnop"), Invalid(Field::Expires)),
        (v2_query("%2B5", "abcdefghijklmnop"), Invalid(Field::Expires)),
        (v2_query("00", "abcdefghijklmnop"), Invalid(Field::Expires)),
        (v2_query("99999999999999999999", "abcdefghijklmnop"), Invalid(Field::Expires)),
        (v2_query("1", "abcdefghijklmnop").replace("v=2", "v=3"), Invalid(Field::Version)),
        (v2_query("1", "abcdefghijklmnop").replace("v=2", "v=02"), Invalid(Field::Version)),
        (format!("v=2&{DALE}&nonce=abcdefghijklmnop"), Missing(Field::Expires)),
        (format!("v=2&{DALE}&expires=5"), Missing(Field::Nonce)),
        (format!("{DALE}&expires=5&nonce=abcdefghijklmnop"), V2FieldWithoutVersion),
        (format!("{DALE}&nonce=abcdefghijklmnop"), V2FieldWithoutVersion),
    ] {
        assert_eq!(refused(&v2(&query)), want, "{query}");
    }
    // `0` itself is a number, not a leading zero (its window is the caller's to check).
    let zero = parse(&v2(&v2_query("0", "abcdefghijklmnop"))).unwrap();
    assert_eq!(zero.version, LinkVersion::V2 { expires: 0, nonce: "abcdefghijklmnop".into() });
}

#[test]
fn v2_window() {
    let (ttl, leeway) = (DEFAULT_V2_MAX_TTL_SECS, DEFAULT_V2_LEEWAY_SECS);
    let now = 1_700_000_000;
    assert_eq!(check_v2_window(now + 300, now, ttl, leeway), Ok(()));
    assert_eq!(check_v2_window(now - 60, now, ttl, leeway), Ok(()));
    assert_eq!(check_v2_window(now - 61, now, ttl, leeway), Err(WindowError::Expired));
    assert_eq!(check_v2_window(now + 900 + 60, now, ttl, leeway), Ok(()));
    assert_eq!(check_v2_window(now + 900 + 61, now, ttl, leeway), Err(WindowError::TooFarAhead));
    assert_eq!(check_v2_window(i64::MAX, now, ttl, leeway), Err(WindowError::TooFarAhead));
    assert_eq!(check_v2_window(0, i64::MAX, i64::MAX, 60), Err(WindowError::Expired));
    assert_eq!(check_v2_window(i64::MAX, i64::MAX, i64::MAX, i64::MAX), Ok(()));
    assert_eq!(check_v2_window(now, now + 1, -5, -5), Err(WindowError::Expired));
}
