//! Unit tests of the HS256 JWT: RFC 7515 A.1, the pinned header and every refusal.

use super::*;

const KEY: &[u8] = b"a test key of thirty-two bytes!!";
const NOW: i64 = 1_700_000_000;

fn claims() -> Claims {
    Claims {
        sub: "usr_1".into(),
        env: "production".into(),
        iat: NOW,
        exp: NOW + 1800,
        jti: "jti_1".into(),
        aud: "usher-sdk".into(),
    }
}

/// An HS256 token over arbitrary header and payload text.
fn forge(key: &[u8], header: &str, payload: &str) -> String {
    let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

const A1_KEY: &str = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
const A1_INPUT: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
const A1_SIG: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

#[test]
fn rfc7515_appendix_a1() {
    let key = URL_SAFE_NO_PAD.decode(A1_KEY).unwrap();
    let (header, payload) = A1_INPUT.split_once('.').unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(header).unwrap(), b"{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}");
    assert_eq!(
        URL_SAFE_NO_PAD.decode(payload).unwrap(),
        b"{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"
    );
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &key), A1_INPUT.as_bytes());
    assert_eq!(URL_SAFE_NO_PAD.encode(tag.as_ref()), A1_SIG);

    let token = format!("{A1_INPUT}.{A1_SIG}");
    let claims: Value = verify_as(&key, &token, 1_300_819_379, 0, None).unwrap();
    assert_eq!(claims["iss"], "joe");
    assert_eq!(claims["http://example.com/is_root"], true);
    assert_eq!(verify_as::<Value>(&key, &token, 1_300_819_380, 0, None), Err(JwtError::Expired));
    assert_eq!(verify(&key, &token, NOW, 60, "usher-sdk"), Err(JwtError::Expired));
    // Before exp the full check refuses it for its missing `aud`, not its signature.
    assert_eq!(verify(&key, &token, 1_300_819_379, 0, "usher-sdk"), Err(JwtError::Audience));
}

#[test]
fn round_trip_with_the_pinned_header() {
    let token = sign(KEY, &claims());
    let header = token.split('.').next().unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(header).unwrap(), HEADER.as_bytes());
    assert!(!token.contains('='));
    assert_eq!(verify(KEY, &token, NOW, 0, "usher-sdk"), Ok(claims()));
    assert_eq!(verify(b"another key", &token, NOW, 0, "usher-sdk"), Err(JwtError::Signature));
}

#[test]
fn tampered_payload_or_signature_fails() {
    let token = sign(KEY, &claims());
    let parts: Vec<&str> = token.split('.').collect();
    let mut other = claims();
    other.sub = "usr_2".into();
    let swapped_payload = sign(KEY, &other).split('.').nth(1).unwrap().to_owned();
    let forged = format!("{}.{}.{}", parts[0], swapped_payload, parts[2]);
    assert_eq!(verify(KEY, &forged, NOW, 0, "usher-sdk"), Err(JwtError::Signature));
    let last = if token.ends_with('A') { "B" } else { "A" };
    let bad_sig = format!("{}{last}", &token[..token.len() - 1]);
    assert!(verify(KEY, &bad_sig, NOW, 0, "usher-sdk").is_err());
}

#[test]
fn other_algorithms_and_header_members_are_refused() {
    let payload = serde_json::to_string(&claims()).unwrap();
    let none =
        format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#), URL_SAFE_NO_PAD.encode(&payload));
    assert_eq!(verify(KEY, &none, NOW, 0, "usher-sdk"), Err(JwtError::Algorithm));
    let input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(r#"{"alg":"HS512","typ":"JWT"}"#), URL_SAFE_NO_PAD.encode(&payload));
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA512, KEY), input.as_bytes());
    let hs512 = format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()));
    assert_eq!(verify(KEY, &hs512, NOW, 0, "usher-sdk"), Err(JwtError::Algorithm));
    for header in [
        r#"{"typ":"JWT"}"#,
        r#"{"alg":"hs256"}"#,
        r#"{"alg":["HS256"]}"#,
        r#"{"alg":"HS256","crit":["exp"]}"#,
        r#"{"alg":"HS256","kid":"k1"}"#,
        r#"{"alg":"HS256","jku":"https://evil.example/jwks"}"#,
        r#"{"alg":"HS256","jwk":{"kty":"oct","k":"AA"}}"#,
    ] {
        assert_eq!(
            verify(KEY, &forge(KEY, header, &payload), NOW, 0, "usher-sdk"),
            Err(JwtError::Algorithm),
            "{header}"
        );
    }
    assert!(verify(KEY, &forge(KEY, r#"{"alg":"HS256"}"#, &payload), NOW, 0, "usher-sdk").is_ok());
    let bad_typ = forge(KEY, r#"{"alg":"HS256","typ":"at+jwt"}"#, &payload);
    assert_eq!(verify(KEY, &bad_typ, NOW, 0, "usher-sdk"), Err(JwtError::Malformed));
}

#[test]
fn audience_must_match() {
    let token = sign(KEY, &claims());
    assert_eq!(verify(KEY, &token, NOW, 0, "other"), Err(JwtError::Audience));
    let list = r#"{"sub":"u","env":"e","iat":1700000000,"exp":1700001800,"jti":"j","aud":["x","usher-sdk"]}"#;
    // An array audience passes the check but is not a usher `Claims` payload.
    assert_eq!(verify(KEY, &forge(KEY, HEADER, list), NOW, 0, "usher-sdk"), Err(JwtError::Malformed));
    assert_eq!(verify(KEY, &forge(KEY, HEADER, list), NOW, 0, "y"), Err(JwtError::Audience));
}

#[test]
fn expiry_and_issue_time_with_leeway() {
    let token = sign(KEY, &claims());
    let exp = claims().exp;
    assert!(verify(KEY, &token, exp - 1, 0, "usher-sdk").is_ok());
    assert_eq!(verify(KEY, &token, exp, 0, "usher-sdk"), Err(JwtError::Expired));
    assert!(verify(KEY, &token, exp + 30, 60, "usher-sdk").is_ok());
    assert_eq!(verify(KEY, &token, exp + 61, 60, "usher-sdk"), Err(JwtError::Expired));
    // Leeway above 60 s is clamped.
    assert_eq!(verify(KEY, &token, exp + 100, 3600, "usher-sdk"), Err(JwtError::Expired));
    // Issued in the future.
    assert!(verify(KEY, &token, NOW - 30, 60, "usher-sdk").is_ok());
    assert_eq!(verify(KEY, &token, NOW - 61, 60, "usher-sdk"), Err(JwtError::Expired));
    let no_exp = r#"{"sub":"u","env":"e","iat":1700000000,"jti":"j","aud":"usher-sdk"}"#;
    assert_eq!(verify(KEY, &forge(KEY, HEADER, no_exp), NOW, 0, "usher-sdk"), Err(JwtError::Malformed));
    let nbf = r#"{"sub":"u","env":"e","iat":1,"exp":1800000000,"nbf":1700000100,"jti":"j","aud":"usher-sdk"}"#;
    assert_eq!(verify(KEY, &forge(KEY, HEADER, nbf), NOW, 0, "usher-sdk"), Err(JwtError::Expired));
}

#[test]
fn structure_is_exactly_three_unpadded_parts() {
    let token = sign(KEY, &claims());
    let two = token.rsplit_once('.').unwrap().0;
    let four = format!("{token}.AAAA");
    let padded = format!("{token}=");
    let long = "a".repeat(MAX_TOKEN_LEN + 1);
    for bad in ["", "..", two, &four, &padded, &long, "e30.e30.e30"] {
        let got = verify(KEY, bad, NOW, 0, "usher-sdk");
        assert!(
            matches!(got, Err(JwtError::Malformed | JwtError::Signature | JwtError::Algorithm)),
            "{bad:.40}: {got:?}"
        );
    }
    assert_eq!(verify(KEY, two, NOW, 0, "usher-sdk"), Err(JwtError::Malformed));
    assert_eq!(verify(KEY, &four, NOW, 0, "usher-sdk"), Err(JwtError::Malformed));
    assert_eq!(verify(KEY, &padded, NOW, 0, "usher-sdk"), Err(JwtError::Malformed));
    assert_eq!(JwtError::Signature.to_string(), "invalid token signature");
}

/// A validly signed token of exactly `len` bytes: the payload is padded with JSON spaces.
fn signed_of_len(len: usize) -> String {
    let payload = serde_json::to_string(&claims()).unwrap();
    (0..len)
        .map(|pad| forge(KEY, HEADER, &format!("{}{payload}", " ".repeat(pad))))
        .find(|t| t.len() >= len)
        .filter(|t| t.len() == len)
        .unwrap_or_else(|| panic!("no padding gives a token of {len} bytes"))
}

#[test]
fn the_length_limit_is_8_kib_exactly() {
    // Signed and valid at the limit; one byte more is refused before any decoding.
    let at_limit = signed_of_len(MAX_TOKEN_LEN);
    assert_eq!(verify(KEY, &at_limit, NOW, 0, "usher-sdk"), Ok(claims()));
    assert_eq!(verify(KEY, &signed_of_len(MAX_TOKEN_LEN + 1), NOW, 0, "usher-sdk"), Err(JwtError::Malformed));
    assert_eq!(MAX_TOKEN_LEN, 8192);
}

#[test]
fn issued_exactly_at_the_leeway_is_accepted() {
    let token = sign(KEY, &claims());
    assert!(verify(KEY, &token, NOW - 60, 60, "usher-sdk").is_ok());
    assert_eq!(verify(KEY, &token, NOW - 1, 0, "usher-sdk"), Err(JwtError::Expired));
    assert!(verify(KEY, &token, NOW, 0, "usher-sdk").is_ok());
}

#[test]
fn every_error_says_what_is_wrong() {
    let texts = [
        (JwtError::Malformed, "malformed token"),
        (JwtError::Algorithm, "unsupported token algorithm or header"),
        (JwtError::Signature, "invalid token signature"),
        (JwtError::Expired, "token expired or not yet valid"),
        (JwtError::Audience, "token audience mismatch"),
    ];
    for (error, text) in texts {
        assert_eq!(error.to_string(), text);
    }
}
