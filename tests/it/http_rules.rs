//! HTTP behaviour common to every endpoint: auth, error shape, request ids, limits,
//! content types, version prefixes, health and readiness.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn missing_unknown_and_malformed_keys_are_401() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let (status, body) = app.call(Method::GET, "/users", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "unauthorized");
    for bad in ["ush_dev_nope", &format!("{key}x"), ""] {
        assert_eq!(app.get("/users", bad).await.0, StatusCode::UNAUTHORIZED, "{bad}");
    }
    let response = app
        .client
        .get(format!("{}/users", app.url))
        .header("authorization", format!("Basic {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // The scheme is case-insensitive.
    let response = app
        .client
        .get(format!("{}/users", app.url))
        .header("authorization", format!("BEARER {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (status, _) = app.call(Method::POST, "/users", None, Some(json!({"username": "x"}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.db().users(), 0);
    app.stop().await;
}

#[tokio::test]
async fn every_response_carries_a_request_id_matching_the_error_body() {
    let app = TestApp::start().await;
    for path in ["/healthz", "/users", "/nowhere"] {
        let response = app.client.get(format!("{}{path}", app.url)).send().await.unwrap();
        let id = response.headers().get("x-request-id").expect("x-request-id").to_str().unwrap().to_string();
        assert_eq!(id.len(), 24);
        if response.status() != StatusCode::OK {
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["requestId"], id.as_str());
            assert!(body["message"].is_string() && body["code"].is_string());
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn malformed_json_wrong_type_and_oversized_bodies_change_nothing() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let url = format!("{}/users", app.url);
    let send = |body: Vec<u8>, content_type: &'static str| {
        app.client.post(&url).bearer_auth(&key).header("content-type", content_type).body(body).send()
    };
    let response = send(b"{\"username\": ".to_vec(), "application/json").await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["code"], "invalid_json");
    let response = send(b"{\"username\": \"a\"} trailing".to_vec(), "application/json").await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = send(b"{\"username\": \"a\"}".to_vec(), "text/plain").await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["code"], "unsupported_media_type");
    let response = send(b"username=a".to_vec(), "application/x-www-form-urlencoded").await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let mut big = b"{\"username\": \"".to_vec();
    big.extend(std::iter::repeat_n(b'a', 2 * 1024 * 1024));
    big.extend(b"\"}");
    let response = send(big, "application/json").await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["code"], "payload_too_large");
    // A charset parameter is fine.
    let response = send(b"{\"username\": \"ok\"}".to_vec(), "application/json; charset=utf-8").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.db().users(), 1);
    app.stop().await;
}

#[tokio::test]
async fn unknown_version_prefix_is_400_and_unknown_route_404() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    // Every YYYY-MM from 2023-01 is a version now (issue 12); the month before is not.
    let (status, body) = app.get("/2022-12/users", &key).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "unknown_version");
    let (status, _) = app.post("/1999-12/users", &key, json!({"username": "v"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(app.db().users(), 0);
    let (status, body) = app.get("/2024-03/nothing-here", &key).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, body) = app.call(Method::PATCH, "/users", Some(&key), None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed")));
    app.stop().await;
}

#[tokio::test]
async fn health_readiness_metrics_and_draining() {
    let app = TestApp::start().await;
    let get = |path: &'static str| app.client.get(format!("{}{path}", app.url)).send();
    assert_eq!(get("/healthz").await.unwrap().status(), StatusCode::OK);
    assert_eq!(get("/readyz").await.unwrap().status(), StatusCode::OK);
    let metrics = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(metrics.contains("usher_http_responses_total{class=\"2xx\"}"), "{metrics}");
    app.state().draining.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(get("/readyz").await.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
    app.state().draining.store(false, std::sync::atomic::Ordering::SeqCst);
    // A store that no longer takes writes is not ready.
    let store = app.state().store.clone();
    tokio::task::spawn_blocking(move || store.close()).await.unwrap();
    assert_eq!(get("/readyz").await.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(get("/healthz").await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn slow_requests_hit_the_time_limit() {
    let app =
        TestApp::start_with(|c| c.server.request_timeout = usher::config::Span(std::time::Duration::from_secs(1)))
            .await;
    let key = app.dev_key().await;
    // A body that never finishes arriving keeps the handler waiting on it.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    tx.send(Ok(b"{\"username\":".to_vec())).await.unwrap();
    let body = reqwest::Body::wrap_stream(tokio_stream_from(rx));
    let response = app
        .client
        .post(format!("{}/users", app.url))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["code"], "request_timeout");
    drop(tx);
    assert_eq!(app.db().users(), 0);
    app.stop().await;
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[tokio::test]
async fn a_client_trickling_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app =
        TestApp::start_with(|c| c.server.header_read_timeout = usher::config::Span(std::time::Duration::from_secs(1)))
            .await;
    let mut stream = tokio::net::TcpStream::connect(app.url.trim_start_matches("http://")).await.unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    // The server closes the connection (maybe after a 408) instead of waiting forever.
    let mut buf = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection was still open after 10 s");
    app.stop().await;
}

#[tokio::test]
async fn connections_past_the_limit_are_closed_and_service_resumes() {
    use tokio::io::AsyncReadExt;
    let app = TestApp::start_with(|c| c.server.max_connections = 1).await;
    let addr = app.url.trim_start_matches("http://").to_string();
    let holder = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // Once the holder's connection is accepted, a second one is closed without an answer.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let mut second = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let mut buf = [0u8; 1];
        let closed = tokio::time::timeout(std::time::Duration::from_millis(200), second.read(&mut buf)).await;
        if matches!(closed, Ok(Ok(0)) | Ok(Err(_))) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "a connection past the limit was kept open");
    }
    drop(holder);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Ok(response) = app.client.get(format!("{}/healthz", app.url)).send().await
            && response.status() == StatusCode::OK
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "service did not resume");
        tokio::task::yield_now().await;
    }
    app.stop().await;
}

#[tokio::test]
async fn client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy() {
    async fn audited_ip(app: &TestApp, forwarded: &str) -> serde_json::Value {
        let key = app.dev_key().await;
        let name = format!("fwd-{}", usher::ids::new_id().unwrap());
        let response = app
            .client
            .post(format!("{}/users", app.url))
            .bearer_auth(&key)
            .header("x-forwarded-for", forwarded)
            .json(&json!({"username": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let (_, audit) = app.get("/audit-log?action=user.created&limit=1", &key).await;
        audit["data"][0]["ip"].clone()
    }
    // Not trusted: the header is the client's word and is ignored.
    let app = TestApp::start().await;
    assert_eq!(audited_ip(&app, "203.0.113.9").await, "127.0.0.1");
    app.stop().await;
    // Behind a trusted proxy: the right-most untrusted hop, not what the client wrote.
    let app = TestApp::start_with(|c| {
        c.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap(), "10.0.0.0/8".parse().unwrap()]
    })
    .await;
    assert_eq!(audited_ip(&app, "203.0.113.9").await, "203.0.113.9");
    assert_eq!(audited_ip(&app, "198.51.100.1, 203.0.113.9, 10.1.2.3").await, "203.0.113.9");
    assert_eq!(audited_ip(&app, "not-an-address").await, "127.0.0.1");
    assert_eq!(audited_ip(&app, "203.0.113.7:5678").await, "203.0.113.7", "a hop with a port");
    assert_eq!(audited_ip(&app, "[2001:db8::7]:443, 10.0.0.1").await, "2001:db8::7");
    assert_eq!(audited_ip(&app, "garbage, 203.0.113.8").await, "203.0.113.8", "a bad hop on the left is ignored");
    app.stop().await;
}
