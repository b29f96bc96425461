//! Egress tests against misbehaving peers (silent, closing, endless) and TLS with and without the CA bundle.

use super::*;

#[tokio::test]
async fn silent_receiver_times_out() {
    let addr = raw_peer(|mut s| async move {
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink).await; // never answers; ends when the client gives up
    })
    .await;
    let started = Instant::now();
    let timeout = Duration::from_millis(300);
    let err = client(loopback_allowed()).post(&url(&format!("http://{addr}/")), &[], Bytes::new(), timeout).await;
    assert_eq!(err, Err(EgressError::Timeout));
    let took = started.elapsed();
    assert!(took >= timeout && took < timeout + 5 * SECOND, "{took:?}");
}

#[tokio::test]
async fn closing_receiver_is_an_error() {
    let addr = raw_peer(|mut s| async move {
        let mut buf = [0u8; 64];
        let _ = s.read(&mut buf).await;
    })
    .await;
    let err = client(loopback_allowed()).post(&url(&format!("http://{addr}/")), &[], Bytes::new(), 5 * SECOND).await;
    assert!(matches!(err, Err(EgressError::Http(_))), "{err:?}");
}

#[tokio::test]
async fn huge_response_is_not_buffered() {
    const TEN_MB: usize = 10 * 1024 * 1024;
    let addr = raw_peer(|mut s| async move {
        read_head(&mut s).await;
        let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {TEN_MB}\r\n\r\n");
        if s.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..TEN_MB / chunk.len() {
            if s.write_all(&chunk).await.is_err() {
                return; // the client stopped reading and closed: expected
            }
        }
    })
    .await;
    let r = client(loopback_allowed())
        .post(&url(&format!("http://{addr}/")), &[], Bytes::new(), 30 * SECOND)
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body_prefix.len(), BODY_PREFIX_LIMIT);
    assert!(r.body_prefix.iter().all(|b| *b == b'x'));
    assert!(r.body_truncated);
}

#[tokio::test]
async fn https_with_ca_bundle_and_without() {
    let (addr, log) = receiver(200, &[], "secure", Some(tls_acceptor())).await;
    let with_ca = client(EgressSettings { ca_bundle: Some(fixture("ca.pem")), ..loopback_allowed() });
    for u in [format!("https://localhost:{}/s", addr.port()), format!("https://{addr}/s")] {
        let r = with_ca.post(&url(&u), &[], Bytes::from_static(b"hi"), 5 * SECOND).await.unwrap();
        assert_eq!((r.status, r.body_prefix.as_slice()), (200, &b"secure"[..]), "{u}");
    }
    assert_eq!(log.lock().unwrap().len(), 2);

    let without = client(loopback_allowed());
    let err = without.post(&url(&format!("https://{addr}/s")), &[], Bytes::new(), 5 * SECOND).await;
    match err {
        Err(EgressError::Tls(m)) => assert!(m.contains("certificate"), "{m}"),
        other => panic!("expected a TLS error, got {other:?}"),
    }
    assert_eq!(log.lock().unwrap().len(), 2, "nothing was delivered without trust");
}
