//! SmartLink unit tests: published vectors, every malformed input of the issue, v2 rules.

use super::*;

pub(super) const SECRET: &[u8] = b"test-secret";
pub(super) const DALE: &str = "appId=83&firstName=Dale&surname=Mooney&username=dale@example.com";
const ZOE: &str = "appId=83&firstName=Zo%C3%AB%20Anne&surname=O%27Brien-Smith\
                   &username=dale%2Btest%40example.com&phone=%2B44%207700%20900123";

/// `query` with a valid legacy token (over the whole query) appended.
pub(super) fn v1(query: &str) -> String {
    format!("{query}&token={}", sign_legacy(SECRET, query))
}

/// `query` with a valid v2 token appended.
pub(super) fn v2(query: &str) -> String {
    format!("{query}&token={}", sign_v2(SECRET, query))
}

pub(super) fn v2_query(expires: &str, nonce: &str) -> String {
    format!("v=2&{DALE}&expires={expires}&nonce={nonce}")
}

pub(super) fn refused(link: &str) -> BadQuery {
    match parse(link) {
        Ok(q) => panic!("accepted {link:?} as {q:?}"),
        Err(e) => e,
    }
}

#[test]
fn published_vectors() {
    assert_eq!(sign_legacy(SECRET, DALE), "3df86df6579128de971629968c6aedd83c0f174c");
    assert_eq!(sign_legacy(SECRET, ZOE), "12e4c9bbb0f7e991f65398746455907b0b862421");

    let q = parse(&format!("{DALE}&token=3df86df6579128de971629968c6aedd83c0f174c")).unwrap();
    assert!(q.verify(SECRET));
    assert_eq!((q.app_id, q.first_name.as_str(), q.surname.as_str()), (83, "Dale", "Mooney"));
    assert_eq!(q.username, "dale@example.com");
    assert_eq!((q.phone, q.version), (None, LinkVersion::Legacy));

    let q = parse(&format!("{ZOE}&token=12e4c9bbb0f7e991f65398746455907b0b862421")).unwrap();
    assert!(q.verify(SECRET));
    assert_eq!(q.first_name, "Zoë Anne");
    assert_eq!(q.surname, "O'Brien-Smith");
    assert_eq!(q.username, "dale+test@example.com");
    assert_eq!(q.phone.as_deref(), Some("+44 7700 900123"));
}

#[test]
fn upper_case_hex_and_other_secret() {
    let q = parse(&format!("{DALE}&token=3DF86DF6579128DE971629968C6AEDD83C0F174C")).unwrap();
    assert!(q.verify(SECRET));
    assert!(!q.verify(b"another-secret"));
    assert!(!q.verify(b""));
    assert!(!q.verify_against_dummy());
    let other = format!("{DALE}&token={}", sign_legacy(b"another-secret", DALE));
    assert!(!parse(&other).unwrap().verify(SECRET));
}

#[test]
fn username_is_lower_cased_and_debug_hides_token() {
    let q = parse(&v1("appId=83&firstName=Dale&surname=Mooney&username=Dale@Example.COM")).unwrap();
    assert!(q.verify(SECRET));
    assert_eq!(q.username, "dale@example.com");
    let dbg = format!("{q:?}");
    assert!(dbg.contains("<redacted>") && !dbg.contains(&sign_legacy(SECRET, DALE)[..12]));
}

#[test]
fn token_anywhere_is_removed_and_order_kept() {
    let tok = sign_legacy(SECRET, DALE);
    for link in [
        format!("token={tok}&{DALE}"),
        format!("appId=83&firstName=Dale&token={tok}&surname=Mooney&username=dale@example.com"),
    ] {
        let q = parse(&link).unwrap();
        assert_eq!(q.signed, DALE);
        assert!(q.verify(SECRET), "{link}");
    }
    // Same pieces, another order: the token does not carry over.
    let reordered = format!("firstName=Dale&appId=83&surname=Mooney&username=dale@example.com&token={tok}");
    assert!(!parse(&reordered).unwrap().verify(SECRET));
}

#[test]
fn structural_refusals() {
    use BadQuery::*;
    let cases: Vec<(String, BadQuery)> = vec![
        (String::new(), Empty),
        (v1(&format!("{DALE}&appId=83")), DuplicateKey(Field::AppId)),
        (v1(&format!("{DALE}&username=victim@example.com")), DuplicateKey(Field::Username)),
        (format!("{}&token=00", v1(DALE)), DuplicateKey(Field::Token)),
        (v1(&format!("{DALE}&role=admin")), UnknownKey),
        (v1(&format!("{DALE}&utm_source=mail")), UnknownKey),
        (v1(&format!("{DALE}&a.b-c_9=1")), UnknownKey),
        (v1("appId=83&firstName=Dale&surname=Mooney&Username=dale@example.com"), UnknownKey),
        (v1(&format!("{DALE}&username[]=v@example.com")), ForbiddenByte),
        (v1(&format!("{DALE}&username%5B%5D=v@example.com")), MalformedKey),
        (v1(&format!("{DALE}&user%6Eame=v@example.com")), MalformedKey),
        (v1(&format!("{DALE}&=x")), MalformedKey),
        (v1("appId=83&&firstName=Dale&surname=Mooney&username=dale@example.com"), EmptyPiece),
        (format!("&{}", v1(DALE)), EmptyPiece),
        (format!("{}&", v1(DALE)), EmptyPiece),
        (v1(&format!("{DALE}&phone")), MissingEquals),
        (v1("appId=83;firstName=Dale&surname=Mooney&username=dale@example.com"), Semicolon),
        (v1("appId=83&firstName=Da le&surname=Mooney&username=dale@example.com"), ForbiddenByte),
        (v1("appId=83&firstName=Zoë&surname=Mooney&username=dale@example.com"), ForbiddenByte),
        (v1("appId=83&firstName=<b>&surname=Mooney&username=dale@example.com"), ForbiddenByte),
        (v1(&"a".repeat(10 * 1024)), TooLong),
        (v1(DALE).replace("&token=", "&token=%20"), BadToken),
    ];
    for (link, want) in cases {
        assert_eq!(refused(&link), want, "{link:.120}");
    }
    assert_eq!(parse_bytes(format!("{DALE}\0").as_bytes()).unwrap_err(), ForbiddenByte);
}

#[test]
fn value_decoding_refusals() {
    use BadQuery::*;
    let with_name = |n: &str| v1(&format!("appId=83&firstName={n}&surname=Mooney&username=dale@example.com"));
    let f = Field::FirstName;
    for (name, want) in [
        ("Dale%00", NotPrintable(f)),
        ("Dale%0A", NotPrintable(f)),
        ("Dale%09", NotPrintable(f)),
        ("Dale%7F", NotPrintable(f)),
        ("Dale%C2%85", NotPrintable(f)),
        ("Dale%E2%80%AE", NotPrintable(f)),
        ("Dale%E2%80%8B", NotPrintable(f)),
        ("Dale%80", InvalidUtf8(f)),
        ("Dale%FF", InvalidUtf8(f)),
        ("Dale%C0%80", InvalidUtf8(f)),
        ("Dale%ED%A0%80", InvalidUtf8(f)),
        ("Dale%G1", BadEscape(f)),
        ("Dale%4", BadEscape(f)),
        ("Dale%", BadEscape(f)),
        ("Dale%26username%3Dv", Invalid(f)),
        ("Dale=x", Invalid(f)),
        ("%3Cscript%3E", Invalid(f)),
        ("%20%20", Invalid(f)),
        ("", Invalid(f)),
    ] {
        assert_eq!(refused(&with_name(name)), want, "{name}");
    }
    assert_eq!(parse(&with_name(&"é".repeat(100).replace('é', "%C3%A9"))).unwrap().first_name.chars().count(), 100);
    assert_eq!(refused(&with_name(&"a".repeat(101))), Invalid(f));
    assert_eq!(parse(&with_name("Mary+Jo")).unwrap().first_name, "Mary Jo");
}

/// Every printable ASCII byte, escaped with lower- and with upper-case hex digits,
/// decodes to itself: each hex digit's value is used, not only the upper-case ones.
#[test]
fn escapes_decode_with_hex_digits_in_either_case() {
    let printable: String = (0x20u8..0x7f).map(char::from).collect();
    let lower: String = printable.bytes().map(|b| format!("%{b:02x}")).collect();
    let upper: String = printable.bytes().map(|b| format!("%{b:02X}")).collect();
    assert!(lower.contains("%7e") && upper.contains("%7E"));
    assert_eq!(rules::decode_value(Field::FirstName, &lower).as_deref(), Ok(printable.as_str()));
    assert_eq!(rules::decode_value(Field::FirstName, &upper).as_deref(), Ok(printable.as_str()));
    assert_eq!(rules::decode_value(Field::FirstName, "Zo%c3%ab+%C3%89").as_deref(), Ok("Zoë É"));
}

#[test]
fn field_rules() {
    use BadQuery::*;
    let link = |app: &str, user: &str, extra: &str| {
        v1(&format!("appId={app}&firstName=Dale&surname=Mooney&username={user}{extra}"))
    };
    let u = Invalid(Field::Username);
    for user in [
        "dale%2540example.com",
        "dale",
        "dale@@example.com",
        "da@le@example.com",
        "@example.com",
        "dale@",
        "dale@localhost",
        "dale@example..com",
        "dale@-example.com",
        "dale@1.2.3.4",
        ".dale@example.com",
        "da..le@example.com",
        "dale+test@example.com",
        "dale%20@example.com",
        "dale&x=1@example.com",
    ] {
        let want = if user.contains('&') { UnknownKey } else { u };
        assert_eq!(refused(&link("83", user, "")), want, "{user}");
    }
    let email = |last: usize| {
        let (a, b) = ("a".repeat(64), "b".repeat(63));
        format!("{a}@{b}.{b}.{}.com", "c".repeat(last))
    };
    assert_eq!((email(57).len(), email(58).len()), (254, 255));
    assert_eq!(parse(&link("83", &email(57), "")).unwrap().username, email(57));
    assert_eq!(refused(&link("83", &email(58), "")), u);
    // `%2B83` decodes to `+83`, which `u64::from_str` alone would take as 83.
    for app in ["083", "0", "-1", "%2B83", "8a", "", "18446744073709551616", "%38%33x"] {
        assert_eq!(refused(&link(app, "d@example.com", "")), Invalid(Field::AppId), "{app}");
    }
    assert_eq!(parse(&link("18446744073709551615", "d@example.com", "")).unwrap().app_id, u64::MAX);
    for phone in
        ["1234", "%2B44%2B7700", "+4477009", "07700900+", "phone12345", "%2B%2B4477009", "(0)-123", &"1".repeat(33)]
    {
        let extra = format!("&phone={phone}");
        assert_eq!(refused(&link("83", "d@example.com", &extra)), Invalid(Field::Phone), "{phone}");
    }
    let q = parse(&link("83", "d@example.com", "&phone=(020)+7946.0958")).unwrap();
    assert_eq!(q.phone.as_deref(), Some("(020) 7946.0958"));
    assert_eq!(refused(&v1("appId=83&firstName=Dale&username=d@example.com")), Missing(Field::Surname));
    assert_eq!(refused(DALE), Missing(Field::Token));
}

#[test]
fn messages_never_echo_values() {
    let link = v1("appId=83&firstName=SECRETNAME%00&surname=Mooney&username=dale@example.com");
    let msg = refused(&link).to_string();
    assert!(!msg.contains("SECRETNAME") && msg.contains("firstName"), "{msg}");
    assert!(!refused(&v1(&format!("{DALE}&role=admin"))).to_string().contains("role"));
}

#[test]
fn the_length_limit_is_4_kib_exactly() {
    // At the limit the query goes on to the next check; one byte more is refused for its size.
    assert_eq!(parse(&"a".repeat(MAX_QUERY_LEN)).unwrap_err(), BadQuery::MissingEquals);
    assert_eq!(parse(&"a".repeat(MAX_QUERY_LEN + 1)).unwrap_err(), BadQuery::TooLong);
    assert_eq!(MAX_QUERY_LEN, 4096);
}

#[test]
fn parse_email_lower_cases_a_valid_username_and_refuses_the_rest() {
    assert_eq!(parse_email("Dale@Example.COM").as_deref(), Some("dale@example.com"));
    assert_eq!(parse_email("dale+test@example.com").as_deref(), Some("dale+test@example.com"));
    for bad in ["", "dale", "dale@", "@example.com", "da le@example.com"] {
        assert_eq!(parse_email(bad), None, "{bad}");
    }
}
