//! Egress delivery tests: a local hyper receiver, the address guard at delivery, local address binding, the CONNECT proxy.

use super::*;

#[tokio::test]
async fn post_200_with_body_and_headers() {
    let (addr, log) = receiver(200, &[], "thanks", None).await;
    let e = client(loopback_allowed());
    let u = url(&format!("http://{addr}/hook?x=1#frag"));
    let headers = [("webhook-id".to_owned(), "msg_1".to_owned())];
    let r = e.post(&u, &headers, b"{\"a\":1}".to_vec(), 5 * SECOND).await.unwrap();
    assert_eq!((r.status, r.body_prefix.as_slice(), r.body_truncated), (200, &b"thanks"[..], false));
    assert_eq!(r.retry_after, None);
    let seen = log.lock().unwrap()[0].clone();
    assert_eq!(seen.target, "/hook?x=1");
    assert_eq!(seen.body, b"{\"a\":1}");
    assert_eq!(seen.headers["host"], addr.to_string().as_str());
    assert_eq!(seen.headers["user-agent"], USER_AGENT);
    assert_eq!(seen.headers["content-length"], "7");
    assert_eq!(seen.headers["webhook-id"], "msg_1");
}

#[tokio::test]
async fn post_retry_after_is_parsed() {
    let (addr, _) = receiver(503, &[("retry-after", "7")], "busy", None).await;
    let r =
        client(loopback_allowed()).post(&url(&format!("http://{addr}/")), &[], Bytes::new(), 5 * SECOND).await.unwrap();
    assert_eq!((r.status, r.retry_after), (503, Some(Duration::from_secs(7))));
}

#[tokio::test]
async fn post_refused_without_allow_never_contacts_server() {
    let l = idle_listener();
    let port = l.local_addr().unwrap().port();
    let e = client(EgressSettings::default());
    let err = e.post(&url(&format!("http://127.0.0.1:{port}/")), &[], Bytes::new(), 5 * SECOND).await;
    assert_eq!(err, Err(EgressError::Refused { addr: "127.0.0.1".parse().unwrap() }));
    let err = e.post(&url(&format!("http://localhost:{port}/")), &[], Bytes::new(), 5 * SECOND).await;
    match err {
        Err(EgressError::Refused { addr }) => assert!(addr.is_loopback(), "{addr}"),
        other => panic!("localhost must be refused at delivery: {other:?}"),
    }
    let deny = EgressSettings { deny_cidrs: vec![Cidr::parse("127.0.0.1").unwrap()], ..loopback_allowed() };
    let err = client(deny).post(&url(&format!("http://127.0.0.1:{port}/")), &[], Bytes::new(), 5 * SECOND).await;
    assert!(matches!(err, Err(EgressError::Refused { .. })), "{err:?}");
    assert!(untouched(&l));
}

#[tokio::test]
async fn post_binds_local_address() {
    let (addr, log) = receiver(204, &[], "", None).await;
    let settings = EgressSettings { local_address: Some("127.0.0.2".parse().unwrap()), ..loopback_allowed() };
    let r = client(settings).post(&url(&format!("http://{addr}/")), &[], Bytes::new(), 5 * SECOND).await.unwrap();
    assert_eq!(r.status, 204);
    assert_eq!(log.lock().unwrap()[0].peer.ip().to_string(), "127.0.0.2");

    let v6_source = EgressSettings { local_address: Some("::1".parse().unwrap()), ..loopback_allowed() };
    let err = client(v6_source).post(&url(&format!("http://{addr}/")), &[], Bytes::new(), 5 * SECOND).await;
    match err {
        Err(EgressError::Connect(m)) => assert!(m.contains("family"), "{m}"),
        other => panic!("expected a family mismatch, got {other:?}"),
    }
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn post_through_connect_proxy() {
    let (addr, log) = receiver(200, &[], "via proxy", None).await;
    let (proxy, lines) = connect_proxy().await;
    let with_proxy = |s: EgressSettings| EgressSettings { proxy: Some(url(&format!("http://{proxy}"))), ..s };
    let e = client(with_proxy(loopback_allowed()));
    let r = e.post(&url(&format!("http://{addr}/p")), &[], Bytes::from_static(b"x"), 5 * SECOND).await.unwrap();
    assert_eq!((r.status, r.body_prefix.as_slice()), (200, &b"via proxy"[..]));
    assert_eq!(lines.lock().unwrap()[0], format!("CONNECT {addr} HTTP/1.1"));
    assert_eq!(log.lock().unwrap()[0].target, "/p");

    // A host name is resolved by the proxy, so the guard does not see its address.
    let e = client(with_proxy(EgressSettings::default()));
    let u = url(&format!("http://localhost:{}/n", addr.port()));
    assert_eq!(e.post(&u, &[], Bytes::new(), 5 * SECOND).await.unwrap().status, 200);
    assert_eq!(lines.lock().unwrap()[1], format!("CONNECT localhost:{} HTTP/1.1", addr.port()));
}

#[tokio::test]
async fn proxy_literal_ip_is_guarded_and_proxy_errors_reported() {
    let idle_proxy = idle_listener();
    let e = client(EgressSettings {
        proxy: Some(url(&format!("http://{}", idle_proxy.local_addr().unwrap()))),
        ..EgressSettings::default()
    });
    let err = e.post(&url("http://127.0.0.1:9/"), &[], Bytes::new(), 5 * SECOND).await;
    assert!(matches!(err, Err(EgressError::Refused { .. })), "{err:?}");
    assert!(untouched(&idle_proxy), "the proxy must not be contacted");

    let refusing = raw_peer(|mut s| async move {
        read_head(&mut s).await;
        let _ = s.write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n").await;
    })
    .await;
    let e = client(EgressSettings { proxy: Some(url(&format!("http://{refusing}"))), ..EgressSettings::default() });
    let err = e.post(&url("http://example.com/"), &[], Bytes::new(), 5 * SECOND).await;
    assert_eq!(err, Err(EgressError::Proxy("CONNECT answered 403".into())));
}

/// Requests to one origin share a kept-alive connection; `Connection: close` ends it.
#[tokio::test]
async fn connections_are_kept_alive_per_origin() {
    let (addr, log) = receiver(200, &[], "ok", None).await;
    let (closing, closing_log) = receiver(200, &[("connection", "close")], "ok", None).await;
    let e = client(loopback_allowed());
    for target in [addr, addr, addr, closing, closing] {
        let r = e.post(&url(&format!("http://{target}/")), &[], Bytes::new(), 5 * SECOND).await.unwrap();
        assert_eq!(r.status, 200);
    }
    let peers = |log: &Log| log.lock().unwrap().iter().map(|s| s.peer).collect::<Vec<_>>();
    let kept = peers(&log);
    assert_eq!(kept.len(), 3);
    assert!(kept.iter().all(|p| *p == kept[0]), "one connection for three requests: {kept:?}");
    let closed = peers(&closing_log);
    assert_eq!(closed.len(), 2);
    assert_ne!(closed[0], closed[1], "a new connection after `Connection: close`");
}

/// A receiver that answers one request per connection and drops the next one unread
/// (as a server does when it closes an idle connection just as it is reused): a
/// delivery, which carries `webhook-id`, is sent again on a new connection; a plain
/// POST without an idempotency key is not sent twice and fails.
#[tokio::test]
async fn a_reused_connection_closed_under_a_delivery_is_replaced() {
    let answered = Arc::new(Mutex::new(0u32));
    let seen = answered.clone();
    let addr = raw_peer(move |mut s| {
        let seen = seen.clone();
        async move {
            if read_head(&mut s).await.is_empty() {
                return;
            }
            *seen.lock().unwrap() += 1;
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").await;
            read_head(&mut s).await; // the next request: dropped with the connection
        }
    })
    .await;
    let e = client(loopback_allowed());
    let u = url(&format!("http://{addr}/"));
    let delivery = [("webhook-id".to_owned(), "msg_1".to_owned())];
    for _ in 0..4 {
        assert_eq!(e.post(&u, &delivery, Bytes::new(), 5 * SECOND).await.unwrap().status, 200);
    }
    assert_eq!(*answered.lock().unwrap(), 4, "each delivery answered once");
    let err = e.post(&u, &[], Bytes::new(), 5 * SECOND).await;
    assert!(matches!(err, Err(EgressError::Http(_))), "a plain POST is not repeated: {err:?}");
    assert_eq!(*answered.lock().unwrap(), 4);
}
