//! End users: create, batch, list with cursors, get, update, delete, token, isolation.

use reqwest::{Method, StatusCode};
use serde_json::json;
use usher::domain::Environment;

use crate::support::TestApp;

#[tokio::test]
async fn create_get_update_delete_under_every_prefix() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    for (i, prefix) in ["", "/2023-12", "/2024-03"].iter().enumerate() {
        let name = format!("user{i}@example.com");
        let (status, body) =
            app.post(&format!("{prefix}/users"), &key, json!({"username": name, "fullName": "Dale Mooney"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let id = body["userId"].as_str().unwrap().to_string();
        assert_eq!(id.len(), 24);
        for ident in [&id, &name] {
            let (status, user) = app.get(&format!("{prefix}/users/{ident}"), &key).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(user["userId"], id.as_str());
            assert_eq!(user["username"], name.as_str());
            assert_eq!(user["fullName"], "Dale Mooney");
            assert!(user["createdAt"].as_str().unwrap().ends_with('Z'));
        }
        let (status, user) = app
            .call(Method::PUT, &format!("{prefix}/users/{name}"), Some(&key), Some(json!({"fullName": "D. M."})))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(user["fullName"], "D. M.");
        let (status, body) = app.delete(&format!("{prefix}/users/{id}"), &key).await;
        assert_eq!((status, body), (StatusCode::OK, json!({"success": true})));
        assert_eq!(app.get(&format!("{prefix}/users/{id}"), &key).await.0, StatusCode::NOT_FOUND);
    }
    // Deleting keeps the audit log and emits user.deleted.
    assert_eq!(app.db().audit_of("user.deleted"), 3);
    assert_eq!(app.db().events_of("user.deleted"), 3);
    app.stop().await;
}

#[tokio::test]
async fn duplicate_username_is_409_and_concurrent_creates_make_one() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    app.user(&key, "taken").await;
    let (status, body) = app.post("/users", &key, json!({"username": "taken"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "username_taken");
    assert!(body["requestId"].as_str().is_some());

    let mut tasks = Vec::new();
    for _ in 0..40 {
        let client = app.client.clone();
        let url = format!("{}/users", app.url);
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            client.post(url).bearer_auth(key).json(&json!({"username": "race"})).send().await.unwrap().status()
        }));
    }
    let mut ok = 0;
    let mut conflict = 0;
    for task in tasks {
        match task.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => conflict += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((ok, conflict), (1, 39));
    assert_eq!(app.db().users_named("race"), 1);
    app.stop().await;
}

#[tokio::test]
async fn bad_usernames_and_bodies_change_nothing() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let long = "x".repeat(300);
    let cases = [
        (json!({"username": ""}), "invalid_username"),
        (json!({"username": long}), "invalid_username"),
        (json!({"username": "a\u{0007}b"}), "invalid_username"),
        (json!({"username": "line\nbreak"}), "invalid_username"),
        (json!({"username": 42}), "invalid_field"),
        (json!({"username": "ok", "fullName": ["x"]}), "invalid_field"),
        (json!({}), "invalid_field"),
    ];
    for (body, code) in cases {
        let (status, answer) = app.post("/users", &key, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer["code"], code, "{body}: {answer}");
    }
    let (status, answer) = app.post("/users", &key, json!({"username": 42})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer["message"].as_str().unwrap().contains("username"), "names the field: {answer}");
    assert_eq!(app.db().users(), 0);
    app.stop().await;
}

#[tokio::test]
async fn batch_is_all_or_nothing() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    app.user(&key, "b2").await;
    let (status, body) = app
        .post("/users/batch", &key, json!({"users": [{"username": "b1"}, {"username": "b2"}, {"username": "b3"}]}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "username_taken");
    assert_eq!(body["usernames"], json!(["b2"]));
    assert_eq!(app.db().users(), 1);
    let (status, _) = app.post("/users/batch", &key, json!({"users": [{"username": "c1"}, {"username": ""}]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app.post("/users/batch", &key, json!({"users": [{"username": "d"}, {"username": "d"}]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let users: Vec<_> = (0..1001).map(|i| json!({"username": format!("u{i}")})).collect();
    assert_eq!(app.post("/users/batch", &key, json!({"users": users})).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(app.db().users(), 1);
    let (status, body) = app
        .post("/users/batch", &key, json!({"users": [{"username": "b1", "fullName": "B One"}, {"username": "b3"}]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["userIds"].as_array().unwrap().len(), 2);
    assert!(body["message"].is_string());
    assert_eq!(app.db().users(), 3);
    app.stop().await;
}

#[tokio::test]
async fn listing_pages_with_cursors_and_refuses_tampered_ones() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let users: Vec<_> = (0..250).map(|i| json!({"username": format!("p{i:03}")})).collect();
    assert_eq!(app.post("/users/batch", &key, json!({"users": users})).await.0, StatusCode::OK);
    let mut seen = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/users?limit=100&cursor={c}"),
            None => "/users?limit=100".to_string(),
        };
        let (status, body) = app.get(&path, &key).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        for user in body["data"].as_array().unwrap() {
            assert!(seen.insert(user["userId"].as_str().unwrap().to_string()));
        }
        pages += 1;
        match body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (250, 3));
    let (_, first) = app.get("/users?limit=1", &key).await;
    let good = first["nextCursor"].as_str().unwrap().to_string();
    let mut tampered = good.clone().into_bytes();
    tampered[2] = if tampered[2] == b'A' { b'B' } else { b'A' };
    for bad in [String::from_utf8(tampered).unwrap(), "garbage".into(), format!("{good}x")] {
        let (status, body) = app.get(&format!("/users?cursor={bad}"), &key).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "invalid_cursor");
    }
    // A cursor from the other environment is not accepted either.
    let prod = app.key(Environment::Production).await;
    assert_eq!(app.get(&format!("/users?cursor={good}"), &prod).await.0, StatusCode::BAD_REQUEST);
    for limit in ["0", "1001", "abc", "-1"] {
        assert_eq!(app.get(&format!("/users?limit={limit}"), &key).await.0, StatusCode::BAD_REQUEST);
    }
    app.stop().await;
}

#[tokio::test]
async fn environments_are_isolated() {
    let app = TestApp::start().await;
    let dev = app.dev_key().await;
    let prod = app.key(Environment::Production).await;
    let id = app.user(&dev, "shared-name").await;
    let before = app.db().everything();
    assert_eq!(app.get(&format!("/users/{id}"), &prod).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/users/shared-name", &prod).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&format!("/users/{id}"), &prod).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        app.call(Method::PUT, &format!("/users/{id}"), Some(&prod), Some(json!({"fullName": "x"}))).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&format!("/users/{id}/token"), &prod).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&format!("/users/{id}/logs"), &prod).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.delete("/users/shared-name/logs", &prod).await.0, StatusCode::NOT_FOUND);
    // Re-read: the user, their audit trail and everything else are as they were.
    assert_eq!(app.db().everything(), before);
    let (_, list) = app.get("/users", &prod).await;
    assert_eq!(list["data"], json!([]));
    let (_, audit) = app.get("/audit-log", &prod).await;
    assert!(audit["data"].as_array().unwrap().iter().all(|e| e["userId"] != id.as_str()));
    // The same username is free in the other environment.
    app.user(&prod, "shared-name").await;
    let (_, user) = app.get(&format!("/users/{id}"), &dev).await;
    assert_eq!(user["fullName"], serde_json::Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn token_is_a_pinned_hs256_jwt_for_the_user() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let id = app.user(&key, "jwt-user").await;
    let (status, body) = app.get("/users/jwt-user/token", &key).await;
    assert_eq!(status, StatusCode::OK);
    let token = body["token"].as_str().unwrap();
    let now = usher::clock::now_secs();
    let claims =
        usher::auth::jwt::verify(&app.state().jwt_key, token, now, 60, usher::auth::jwt::JWT_AUDIENCE).unwrap();
    assert_eq!(claims.sub, id);
    assert_eq!(claims.env, "development");
    assert!(claims.exp - claims.iat <= 30 * 60 && claims.exp > now);
    assert!(body["expiresAt"].as_str().unwrap().ends_with('Z'));
    assert!(
        usher::auth::jwt::verify(&app.state().jwt_key, token, claims.exp + 61, 60, usher::auth::jwt::JWT_AUDIENCE)
            .is_err()
    );
    assert_eq!(app.get("/users/nobody/token", &key).await.0, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn audit_log_filters_pages_and_erases_a_users_entries() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let a = app.user(&key, "audit-a").await;
    let b = app.user(&key, "audit-b").await;
    app.call(Method::PUT, "/users/audit-a", Some(&key), Some(json!({"fullName": "A"}))).await;
    let (_, all) = app.get(&format!("/audit-log?userId={a}"), &key).await;
    let actions: Vec<_> = all["data"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["user.updated", "user.created"]);
    let (_, created) = app.get("/audit-log?action=user.created&limit=1", &key).await;
    assert_eq!(created["data"].as_array().unwrap().len(), 1);
    let next = created["nextCursor"].as_str().unwrap();
    let (_, rest) = app.get(&format!("/audit-log?action=user.created&limit=1&cursor={next}"), &key).await;
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    assert_ne!(rest["data"][0]["id"], created["data"][0]["id"]);
    let (_, future) = app.get("/audit-log?since=2999-01-01T00:00:00Z", &key).await;
    assert_eq!(future["data"], json!([]));
    assert_eq!(app.get("/audit-log?since=yesterday", &key).await.0, StatusCode::BAD_REQUEST);
    let (status, body) = app.delete(&format!("/users/{a}/logs"), &key).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"message": "Success"})));
    let (_, gone) = app.get(&format!("/audit-log?userId={a}"), &key).await;
    assert_eq!(gone["data"], json!([]));
    let (_, kept) = app.get(&format!("/audit-log?userId={b}"), &key).await;
    assert_eq!(kept["data"].as_array().unwrap().len(), 1);
    app.stop().await;
}

/// `GET /users/{id}` and `/token` are served from a cache of users read lately: a
/// change or a deletion is seen by the very next request, by id and by username, and
/// a user created again under the same name is a new user.
#[tokio::test]
async fn a_changed_or_deleted_user_is_seen_by_the_next_read() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let id = app.user(&key, "cached-ann").await;
    let jwt_sub = |body: serde_json::Value| {
        let token = body["token"].as_str().unwrap().to_string();
        usher::auth::jwt::verify(
            &app.state().jwt_key,
            &token,
            usher::clock::now_secs(),
            60,
            usher::auth::jwt::JWT_AUDIENCE,
        )
        .unwrap()
        .sub
    };
    for ident in [id.as_str(), "cached-ann", id.as_str(), "cached-ann"] {
        assert_eq!(jwt_sub(app.get(&format!("/users/{ident}/token"), &key).await.1), id);
        assert_eq!(app.get(&format!("/users/{ident}"), &key).await.1["fullName"], serde_json::Value::Null);
    }
    let (status, _) =
        app.call(Method::PUT, "/users/cached-ann", Some(&key), Some(json!({"fullName": "Ann Example"}))).await;
    assert_eq!(status, StatusCode::OK);
    for ident in [id.as_str(), "cached-ann"] {
        assert_eq!(app.get(&format!("/users/{ident}"), &key).await.1["fullName"], "Ann Example", "{ident}");
    }
    assert_eq!(app.delete(&format!("/users/{id}"), &key).await.0, StatusCode::OK);
    for ident in [id.as_str(), "cached-ann"] {
        assert_eq!(app.get(&format!("/users/{ident}/token"), &key).await.0, StatusCode::NOT_FOUND, "{ident}");
        assert_eq!(app.get(&format!("/users/{ident}"), &key).await.0, StatusCode::NOT_FOUND, "{ident}");
    }
    let again = app.user(&key, "cached-ann").await;
    assert_ne!(again, id);
    assert_eq!(jwt_sub(app.get("/users/cached-ann/token", &key).await.1), again);
    app.stop().await;
}
