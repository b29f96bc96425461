//! The catalog API: integrations (JSON shape, validation, per-user state, paging,
//! delete with and without force), installations, workflows and credentials.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use usher::domain::Environment;

use crate::support::install::{Integration, install, integration, keys_of, link, snapshot};
use crate::support::{DbFile, TestApp, cli};

#[tokio::test]
async fn integrations_have_exactly_the_api_shape_under_every_prefix() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let Integration { id, parent_ids: workflow_ids } = integration(&app, &key, "shopify").await;
    assert_eq!(workflow_ids.len(), 2);
    for prefix in ["", "/2023-12", "/2024-03"] {
        let (status, list) = app.get(&format!("{prefix}/integrations"), &key).await;
        assert_eq!(status, StatusCode::OK);
        let one = &list["data"][0];
        assert_eq!(
            keys_of(one),
            ["app", "credentialFields", "description", "icon", "installed", "integrationId", "name", "workflows"]
        );
        assert_eq!(one["integrationId"], id.as_str());
        assert_eq!(one["installed"], false);
        assert_eq!(one["icon"], Value::Null);
        assert_eq!(
            one["credentialFields"][0],
            json!({"name": "apiKey", "displayName": "API key", "type": "password", "required": true, "secret": true})
        );
        assert_eq!(keys_of(&one["workflows"][0]), ["active", "installed", "name", "workflowId"]);
        assert_eq!(one["workflows"][0]["workflowId"], workflow_ids[0].as_str());
        assert_eq!(one["workflows"][0]["name"], "Sync orders");
        let (status, single) = app.get(&format!("{prefix}/integrations/{id}"), &key).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(&single["data"], one);
    }
    // Another environment sees nothing of it, and changes nothing.
    let prod = app.key(Environment::Production).await;
    let before = app.db().everything();
    assert_eq!(app.get("/integrations", &prod).await.1["data"], json!([]));
    assert_eq!(app.get(&format!("/integrations/{id}"), &prod).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&format!("/integrations/{id}"), &prod).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&format!("/integrations/{id}?force=true"), &prod).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/integrations?userId=nobody", &key).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.db().everything(), before);
    assert_eq!(app.db().audit_of("integration.created"), 1);
    app.stop().await;
}

#[tokio::test]
async fn bad_integrations_are_400_or_409_and_change_nothing() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    integration(&app, &key, "shopify").await;
    let before = app.db().integrations() + app.db().parent_workflows();
    let everything = app.db().everything();
    let long = "x".repeat(300);
    for body in [
        json!({"name": "x"}),
        json!({"app": "", "name": "x"}),
        json!({"app": "has space", "name": "x"}),
        json!({"app": "a", "name": ""}),
        json!({"app": "a", "name": long}),
        json!({"app": "a", "name": "x", "icon": "javascript:alert(1)"}),
        json!({"app": "a", "name": "x", "credentialFields": [{"name": "k", "type": "select"}]}),
        json!({"app": "a", "name": "x", "credentialFields": [{"name": "_csrf", "type": "text"}]}),
        json!({"app": "a", "name": "x", "credentialFields": [{"name": "k", "type": "text"}, {"name": "k", "type": "url"}]}),
        json!({"app": "a", "name": "x", "credentialFields": [{"name": "k", "type": "text", "colour": "red"}]}),
        json!({"app": "a", "name": "x", "workflows": [{"name": " "}]}),
        json!({"app": "a", "name": "x", "workflows": "nope"}),
    ] {
        let (status, answer) = app.post("/integrations", &key, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert!(answer["message"].as_str().unwrap().contains('`') || answer["code"] == "invalid_field", "{answer}");
    }
    let (status, answer) = app.post("/integrations", &key, json!({"app": "shopify", "name": "again"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(answer["code"], "integration_exists");
    assert_eq!(app.db().integrations() + app.db().parent_workflows(), before);
    assert_eq!(app.db().everything(), everything, "a refusal wrote something (an audit entry, an event?)");
    app.stop().await;
}

#[tokio::test]
async fn integrations_page_with_cursors() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    for name in ["a1", "a2", "a3"] {
        integration(&app, &key, name).await;
    }
    let (_, first) = app.get("/integrations?limit=2", &key).await;
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    let cursor = first["nextCursor"].as_str().unwrap();
    let (_, second) = app.get(&format!("/integrations?limit=2&cursor={cursor}"), &key).await;
    assert_eq!(second["data"].as_array().unwrap().len(), 1);
    assert_eq!(second["nextCursor"], Value::Null);
    let mut apps: Vec<Value> = first["data"].as_array().unwrap().iter().map(|i| i["app"].clone()).collect();
    apps.push(second["data"][0]["app"].clone());
    apps.sort_by_key(|v| v.to_string());
    assert_eq!(apps, [json!("a1"), json!("a2"), json!("a3")]);
    assert_eq!(app.get("/integrations?limit=0", &key).await.0, StatusCode::BAD_REQUEST);
    app.stop().await;
}

#[tokio::test]
async fn workflows_activate_deactivate_and_credentials_never_show_values() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "w@example.com").await;
    let other = app.user(&key, "o@example.com").await;
    let integration_id = integration(&app, &key, "shopify").await.id;
    let url = link(&app, &key, &user, &integration_id).await;
    assert_eq!(install(&app, &url, "value-never-listed").await.0, StatusCode::OK);

    let (_, wfs) = app.get(&format!("/workflows?userId={user}"), &key).await;
    let wf = &wfs["data"][0];
    assert_eq!(keys_of(wf), ["active", "createdAt", "integrationId", "name", "parentWorkflowId", "workflowId"]);
    let wf_id = wf["workflowId"].as_str().unwrap().to_string();
    let toggle = |path: &'static str, user: String| {
        let body = json!({"workflowId": wf_id, "userId": user});
        let app = &app;
        let key = key.clone();
        async move { app.call(Method::PUT, path, Some(&key), Some(body)).await }
    };
    let (status, body) = toggle("/workflows/deactivate", user.clone()).await;
    // API.md's `message`, and the hosted API's flag beside it (issue 12).
    assert_eq!((status, body), (StatusCode::OK, json!({"message": "success", "deactivated": true})));
    let (_, catalog) = app.get(&format!("/integrations/{integration_id}?userId={user}"), &key).await;
    let states: Vec<&Value> = catalog["data"]["workflows"].as_array().unwrap().iter().map(|w| &w["active"]).collect();
    assert!(states.contains(&&json!(false)), "{catalog}");
    assert_eq!(toggle("/workflows/activate", user.clone()).await.0, StatusCode::OK);
    assert_eq!(app.db().inactive_workflows(), 0);
    let before = app.db().audit_entries();
    let everything = app.db().everything();
    // Another user's workflow, an unknown user, a missing field: refused, nothing changed.
    assert_eq!(toggle("/workflows/deactivate", other.clone()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(toggle("/workflows/deactivate", "ghost".into()).await.0, StatusCode::NOT_FOUND);
    let (status, _) =
        app.call(Method::PUT, "/workflows/activate", Some(&key), Some(json!({"workflowId": wf_id}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/workflows", &key).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(app.db().audit_entries(), before);
    assert_eq!(app.db().inactive_workflows(), 0);
    assert_eq!(app.db().everything(), everything);

    let (_, creds) = app.get(&format!("/users/{user}/credentials"), &key).await;
    assert_eq!(creds["data"].as_array().unwrap().len(), 1);
    assert_eq!(keys_of(&creds["data"][0]), ["app", "createdAt", "credentialId", "type"]);
    assert!(!creds.to_string().contains("value-never-listed"));
    let cred = creds["data"][0]["credentialId"].as_str().unwrap().to_string();
    assert_eq!(app.delete(&format!("/users/{other}/credentials/{cred}"), &key).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.db().credentials(), 1);
    let (status, body) = app.delete(&format!("/users/{user}/credentials/{cred}"), &key).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"success": true})));
    let (_, list) = app.get("/installations", &key).await;
    assert_eq!(list["data"][0]["enabled"], false);
    assert_eq!(list["data"][0]["credentialIds"], json!({}));
    assert_eq!(app.delete(&format!("/users/{user}/credentials/{cred}"), &key).await.0, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn uninstall_and_integration_delete_with_and_without_force() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let prod = app.key(Environment::Production).await;
    let a = app.user(&key, "a@example.com").await;
    let b = app.user(&key, "b@example.com").await;
    let integration_id = integration(&app, &key, "shopify").await.id;
    for user in [&a, &b] {
        let url = link(&app, &key, user, &integration_id).await;
        assert_eq!(install(&app, &url, "k").await.0, StatusCode::OK);
    }
    let (_, list) = app.get(&format!("/installations?userId={a}"), &key).await;
    let inst = list["data"][0]["installationId"].as_str().unwrap().to_string();
    assert_eq!(
        keys_of(&list["data"][0]),
        ["credentialIds", "enabled", "installationId", "installedAt", "integrationId", "userId", "workflowIds"]
    );
    assert_eq!(app.delete(&format!("/installations/{inst}"), &prod).await.0, StatusCode::NOT_FOUND);
    let (status, body) = app.delete(&format!("/installations/{inst}"), &key).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"success": true})));
    assert_eq!(app.delete(&format!("/installations/{inst}"), &key).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.db().workflows_of(&a), 0);
    assert_eq!(app.db().credentials_of(&a), 0);
    let deleted = app.db().event_payloads("installation.deleted");
    let event = &deleted[0];
    assert_eq!((event["userId"].as_str(), event["installationId"].as_str()), (Some(a.as_str()), Some(inst.as_str())));

    let before = snapshot(&app);
    let everything = app.db().everything();
    let (status, body) = app.delete(&format!("/integrations/{integration_id}"), &key).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "integration_installed");
    assert_eq!(
        app.delete(&format!("/integrations/{integration_id}?force=maybe"), &key).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(snapshot(&app), before);
    assert_eq!(app.db().everything(), everything);
    let (status, _) = app.delete(&format!("/integrations/{integration_id}?force=true"), &key).await;
    assert_eq!(status, StatusCode::OK);
    let db = app.db();
    let left = [db.integrations(), db.parent_workflows(), db.installations(), db.workflows(), db.credentials()];
    assert_eq!(left, [0; 5], "integrations, parent workflows, installations, workflows, credentials");
    assert_eq!(app.db().events_of("installation.deleted"), 2);
    assert_eq!(app.db().audit_of("integration.deleted"), 1);
    app.stop().await;
}

#[tokio::test]
async fn deleting_a_user_removes_their_installations_workflows_and_credentials() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "del@example.com").await;
    let integration_id = integration(&app, &key, "shopify").await.id;
    let url = link(&app, &key, &user, &integration_id).await;
    assert_eq!(install(&app, &url, "k").await.0, StatusCode::OK);
    link(&app, &key, &user, &integration_id).await;
    assert_eq!(app.delete(&format!("/users/{user}"), &key).await.0, StatusCode::OK);
    let db = app.db();
    let left = [db.installations(), db.workflows(), db.credentials(), db.links_with_user()];
    assert_eq!(left, [0; 4], "installations, workflows, credentials, the user's links");
    assert_eq!(app.db().integrations(), 1);
    app.stop().await;
}

#[tokio::test]
async fn master_key_rotate_reencrypts_every_credential() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "rot@example.com").await;
    let integration_id = integration(&app, &key, "shopify").await.id;
    let url = link(&app, &key, &user, &integration_id).await;
    assert_eq!(install(&app, &url, "rotate-me").await.0, StatusCode::OK);
    let dir = app.dir.path().to_path_buf();
    let blob_key = || -> (String, Vec<u8>) { DbFile::at(&dir).sealed_credentials().remove(0) };
    let (id, old) = blob_key();
    assert_eq!(&old[2..4], b"k1");
    let mut app = app;
    app.running.take().unwrap().shutdown().await.unwrap();

    let (ok, out, err) = cli(&dir, &["master-key", "rotate"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("k2") && out.contains("re-encrypted 1 secret"), "{out}");
    let (_, new) = blob_key();
    assert_eq!(&new[2..4], b"k2");
    let ring = usher::vault::Keyring::load(&dir.join("master.key")).unwrap();
    assert_eq!(ring.current_id(), "k2");
    let plain = ring.decrypt(&usher::store::sealed::CREDENTIALS.aad(&id), &new).unwrap();
    assert!(String::from_utf8(plain).unwrap().contains("rotate-me"));
    let (ok, out, _) = cli(&dir, &["master-key", "reencrypt"]);
    assert!(ok && out.contains("re-encrypted 0"), "{out}");
}

#[tokio::test]
async fn installations_workflows_and_credentials_page_with_cursors() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let a = app.user(&key, "pa@example.com").await;
    let b = app.user(&key, "pb@example.com").await;
    let shop = integration(&app, &key, "shopify").await.id;
    let hub = integration(&app, &key, "hubspot").await.id;
    for (user, integration_id) in [(&a, &shop), (&a, &hub), (&b, &shop)] {
        let url = link(&app, &key, user, integration_id).await;
        assert_eq!(install(&app, &url, "k").await.0, StatusCode::OK);
    }
    // Walks a list page by page; returns the ids seen under `field`.
    let walk = |path: String, field: &'static str| {
        let (app, key) = (&app, key.clone());
        async move {
            let mut seen = Vec::new();
            let mut next = path.clone();
            loop {
                let (status, body) = app.get(&next, &key).await;
                assert_eq!(status, StatusCode::OK, "{next}: {body}");
                let data = body["data"].as_array().unwrap();
                seen.extend(data.iter().map(|row| row[field].as_str().unwrap().to_string()));
                match body["nextCursor"].as_str() {
                    Some(cursor) => next = format!("{path}&cursor={cursor}"),
                    None => return seen,
                }
            }
        }
    };
    let mut all = walk("/installations?limit=2".into(), "installationId").await;
    all.dedup();
    assert_eq!(all.len(), 3, "each installation once: {all:?}");
    assert_eq!(walk(format!("/installations?userId={a}&limit=1"), "installationId").await.len(), 2);
    assert_eq!(walk(format!("/workflows?userId={a}&limit=1"), "workflowId").await.len(), 4);
    assert_eq!(walk(format!("/users/{a}/credentials?limit=1"), "credentialId").await.len(), 2);
    // A cursor is bound to its list: one of all installations does not page one user's.
    let (_, first) = app.get("/installations?limit=2", &key).await;
    let cursor = first["nextCursor"].as_str().unwrap();
    let (status, body) = app.get(&format!("/installations?userId={a}&limit=2&cursor={cursor}"), &key).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_cursor")));
    app.stop().await;
}
