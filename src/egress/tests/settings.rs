//! Egress tests without a network: URL checks, settings errors, request headers, Send/Sync.

use super::*;

#[test]
fn check_url_refusals_and_acceptance() {
    let e = client(EgressSettings::default());
    let long = format!("https://example.com/{}", "a".repeat(2049 - 20));
    assert_eq!(long.len(), 2049);
    for (u, want_refused) in [
        ("ftp://example.com/x", false),
        ("file:///etc/passwd", false),
        ("mailto:a@example.com", false),
        ("https://user:pw@example.com/", false),
        ("https://user@example.com/", false),
        (long.as_str(), false),
        ("http://127.0.0.1/", true),
        ("http://2130706433/", true),
        ("http://169.254.169.254/latest", true),
        ("http://[::1]/", true),
        ("http://[fe80::1]/", true),
        ("http://[::ffff:127.0.0.1]/", true),
        ("http://0.0.0.0:8080/", true),
    ] {
        let err = e.check_url(&url(u)).unwrap_err();
        assert_eq!(matches!(err, EgressError::Refused { .. }), want_refused, "{u}: {err}");
        assert!(!err.to_string().contains("pw"), "{err}");
    }
    // Special schemes cannot be parsed without a host; a hostless URL never reaches us.
    assert!(Url::parse("http://").is_err());
    assert!(matches!(e.check_url(&url("data:text/plain,x")), Err(EgressError::BadUrl(_))));
    let ok = format!("https://example.com/{}", "a".repeat(2048 - 20));
    for u in ["https://example.com/x", "http://10.0.0.5:8080/hook?a=1", ok.as_str()] {
        assert_eq!(e.check_url(&url(u)), Ok(()), "{u}");
    }
    let open = client(loopback_allowed());
    assert_eq!(open.check_url(&url("http://127.0.0.1/")), Ok(()));
    assert!(open.check_url(&url("http://[::1]/")).is_err());
}

#[test]
fn new_names_bad_settings() {
    let bad = |s: EgressSettings| Egress::new(s).unwrap_err().to_string();
    let proxy = |p: &str| EgressSettings { proxy: Some(url(p)), ..EgressSettings::default() };
    assert!(bad(proxy("socks5://p:1")).contains("only http://"));
    let msg = bad(proxy("http://me:secret@p:1"));
    assert!(msg.contains("credentials") && !msg.contains("secret"), "{msg}");
    let bundle = |p: PathBuf| EgressSettings { ca_bundle: Some(p), ..EgressSettings::default() };
    let msg = bad(bundle(fixture("missing.pem")));
    assert!(msg.contains("ca_bundle") && msg.contains("missing.pem"), "{msg}");
    let msg = bad(bundle(fixture("README.md")));
    assert!(msg.contains("no PEM certificates"), "{msg}");
    let zero = EgressSettings { connect_timeout: Duration::ZERO, ..EgressSettings::default() };
    assert!(bad(zero).contains("connect_timeout"));
    assert!(Egress::new(bundle(fixture("ca.pem"))).is_ok());
}

#[test]
fn caller_cannot_set_reserved_headers() {
    for name in ["Host", "content-length", "Transfer-Encoding", "connection"] {
        let h = [(name.to_owned(), "x".to_owned())];
        let e = build_request(Method::POST, &url("http://a.example/"), &h, Bytes::new()).unwrap_err();
        assert!(matches!(e, EgressError::Http(_)), "{name}: {e}");
    }
    let h = [("bad name".to_owned(), "x".to_owned())];
    assert!(build_request(Method::POST, &url("http://a.example/"), &h, Bytes::new()).is_err());
    let h = [("x-ok".to_owned(), "a\r\nb".to_owned())];
    let e = build_request(Method::POST, &url("http://a.example/"), &h, Bytes::new()).unwrap_err();
    assert!(!e.to_string().contains("a\r\nb"), "{e}");
}

#[test]
fn client_and_its_future_are_send() {
    fn shared<T: Send + Sync + Clone + 'static>() {}
    fn send<T: Send>(_: &T) {}
    shared::<Egress>();
    let e = client(EgressSettings::default());
    let u = url("http://example.com/");
    send(&e.post(&u, &[], Bytes::new(), SECOND));
}

#[tokio::test]
async fn huge_timeout_does_not_overflow() {
    let e = client(EgressSettings::default());
    let r = e.post(&url("http://127.0.0.1:9/"), &[], Bytes::new(), Duration::MAX).await;
    assert!(matches!(r, Err(EgressError::Refused { .. })), "{r:?}");
}
