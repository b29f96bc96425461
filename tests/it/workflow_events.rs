//! Running workflows on request: `POST /run/event` fans out to every active child of
//! the user listening to the event (never an inactive one), `POST /run/workflow` runs
//! one child named by id, parent id or name, the user by id or username; `GET /events`
//! lists the catalog's custom events. Refusals are clear 4xx that queue nothing, and
//! runs queued for a workflow switched off or a user deleted end as cancelled.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::receiver::Reply;
use crate::support::runtime::{Kit, LIMIT};

/// Two workflows on `order.created` (one calls the API first), one on `customer.created`.
fn workflows(kit: &Kit) -> Value {
    json!([
        {"name": "Orders to API", "trigger": {"type": "event", "event": "order.created", "description": "An order was placed"},
         "steps": [{"type": "http", "method": "POST", "url": format!("{}/orders", kit.api_origin()),
                    "body": "{\"id\": {{ data.id }}, \"by\": {{ user.username }}}"}, {"type": "stream"}]},
        {"name": "Orders to ingest", "trigger": "order.created"},
        {"name": "Customers", "trigger": {"type": "event", "event": "customer.created"}}
    ])
}

#[tokio::test]
async fn run_event_fans_out_to_every_active_child_and_never_to_an_inactive_one() {
    let kit = Kit::start().await;
    let made = kit.integration("magento", workflows(&kit)).await;
    let u1 = kit.installed_user("one@example.com", &made.id, "k1-secret", "").await;
    let u2 = kit.installed_user("two@example.com", &made.id, "k2-secret", "").await;
    let u3 = kit.installed_user("three@example.com", &made.id, "k3-secret", "").await;
    let off = kit.child_of(&u3, &made.parents[1]).await;
    let toggle = json!({"workflowId": off["workflowId"], "userId": u3});
    assert_eq!(kit.put("/workflows/deactivate", Some(toggle)).await.0, StatusCode::OK);

    let mut accepted = Vec::new();
    for (user, id) in [("one@example.com", 1), (u2.as_str(), 2), (u3.as_str(), 3)] {
        let body = json!({"event": "order.created", "userId": user, "data": {"id": id}});
        let (status, answer) = kit.post("/run/event", body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["message"], "Event successfully triggered");
        accepted.push(answer["executionIds"].as_array().unwrap().len());
    }
    assert_eq!(accepted, [2, 2, 1], "u3's inactive child does not run");
    // An event nobody listens to is accepted and runs nothing.
    let (status, answer) = kit.post("/run/event", json!({"event": "nothing.here", "userId": u1, "data": {}})).await;
    assert_eq!((status, answer["executionIds"].clone()), (StatusCode::OK, json!([])));
    kit.idle().await;

    let events = kit.ingested();
    assert_eq!(events.len(), 5);
    let mut per_user: Vec<(String, Value)> =
        events.iter().map(|e| (e["userId"].as_str().unwrap().to_string(), e["data"].clone())).collect();
    per_user.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(events.iter().all(|e| e["workflowId"] != off["workflowId"]));
    assert_eq!(per_user.iter().filter(|(u, _)| *u == u1).count(), 2);
    assert_eq!(per_user.iter().filter(|(u, _)| *u == u2).count(), 2);
    assert_eq!(per_user.iter().filter(|(u, _)| *u == u3).count(), 1);
    // The API step ran once per user, with the body template's JSON values.
    let mut bodies: Vec<Value> = kit.api_calls().iter().map(|c| c.json()).collect();
    bodies.sort_by_key(|b| b["id"].as_i64());
    assert_eq!(
        bodies,
        [
            json!({"id": 1, "by": "one@example.com"}),
            json!({"id": 2, "by": "two@example.com"}),
            json!({"id": 3, "by": "three@example.com"})
        ]
    );

    // The catalog's events, and one user's.
    let (status, listed) = kit.get("/events").await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let names: Vec<&str> = listed["data"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(names, ["customer.created", "order.created"]);
    assert_eq!(listed["data"][1]["description"], "An order was placed");
    assert_eq!(listed["data"][1]["workflows"].as_array().unwrap().len(), 2);
    let (_, mine) = kit.get(&format!("/events?userId={u1}")).await;
    assert_eq!(mine["data"][1]["workflows"].as_array().unwrap().len(), 2);
    assert_eq!(kit.get("/events?userId=nobody").await.0, StatusCode::NOT_FOUND);
    kit.stop().await;
}

#[tokio::test]
async fn run_workflow_by_child_parent_or_name_and_its_refusals() {
    let kit = Kit::start().await;
    let made = kit.integration("magento", workflows(&kit)).await;
    let user = kit.installed_user("dale@example.com", &made.id, "k-secret", "").await;
    let other = kit.installed_user("other@example.com", &made.id, "o-secret", "").await;
    let child = kit.child_of(&user, &made.parents[2]).await;
    let child_id = child["workflowId"].as_str().unwrap().to_string();

    for body in [
        json!({"workflowId": child_id, "userId": user, "data": {"n": 1}}),
        json!({"workflowId": child_id, "data": {"n": 2}}),
        json!({"workflowId": made.parents[2], "userId": "dale@example.com", "data": {"n": 3}}),
        json!({"workflowName": "Customers", "userId": "dale@example.com", "data": {"n": 4}}),
    ] {
        let (status, answer) = kit.post("/run/workflow", body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}: {answer}");
        assert_eq!(answer["message"], "success");
        assert!(answer["executionId"].as_str().is_some());
    }
    kit.idle().await;
    let ns: Vec<i64> = kit.ingested().iter().map(|e| e["data"]["n"].as_i64().unwrap()).collect();
    assert_eq!(ns.len(), 4);
    assert!(kit.ingested().iter().all(|e| e["workflowId"] == child_id.as_str()));

    let before = (kit.db().executions(), kit.db().events());
    let missing = "0123456789abcdef01234567";
    let off = kit.child_of(&other, &made.parents[2]).await;
    let toggle = json!({"workflowId": off["workflowId"], "userId": other});
    assert_eq!(kit.put("/workflows/deactivate", Some(toggle)).await.0, StatusCode::OK);
    for (body, status, code) in [
        (json!({"workflowId": missing, "userId": user}), StatusCode::NOT_FOUND, "not_found"),
        (json!({"workflowId": missing}), StatusCode::NOT_FOUND, "not_found"),
        (json!({"workflowName": "No such", "userId": user}), StatusCode::NOT_FOUND, "not_found"),
        (json!({"workflowName": "Customers", "userId": "nobody@example.com"}), StatusCode::NOT_FOUND, "not_found"),
        (json!({"workflowId": child_id, "userId": "nobody@example.com"}), StatusCode::NOT_FOUND, "not_found"),
        (json!({"workflowId": child_id, "userId": other}), StatusCode::NOT_FOUND, "not_found"),
        (json!({"workflowId": off["workflowId"], "userId": other}), StatusCode::CONFLICT, "workflow_inactive"),
        (json!({"workflowName": "Customers"}), StatusCode::BAD_REQUEST, "missing_user_id"),
        (json!({"userId": user}), StatusCode::BAD_REQUEST, "missing_workflow_id"),
        (
            json!({"userId": user, "workflowId": child_id, "workflowName": "Customers"}),
            StatusCode::BAD_REQUEST,
            "invalid_workflow",
        ),
        (json!({"workflowId": 5}), StatusCode::BAD_REQUEST, "invalid_field"),
    ] {
        let (got, answer) = kit.post("/run/workflow", body.clone()).await;
        assert_eq!((got, answer["code"].as_str().unwrap()), (status, code), "{body}: {answer}");
    }
    for (body, status) in [
        (json!({"event": "order.created", "userId": "nobody@example.com"}), StatusCode::NOT_FOUND),
        (json!({"event": "order.created"}), StatusCode::BAD_REQUEST),
        (json!({"event": "", "userId": user}), StatusCode::BAD_REQUEST),
    ] {
        assert_eq!(kit.post("/run/event", body.clone()).await.0, status, "{body}");
    }
    let raw = kit.app.client.post(format!("{}/run/workflow", kit.app.url)).bearer_auth(&kit.key);
    let response = raw.header("content-type", "application/json").body("{not json").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let big = json!({"workflowId": child_id, "data": "x".repeat(1024 * 1024)});
    assert_eq!(kit.post("/run/workflow", big).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!((kit.db().executions(), kit.db().events()), before, "refusals queue nothing");
    kit.stop().await;
}

#[tokio::test]
async fn queued_runs_of_a_workflow_switched_off_or_a_user_deleted_end_cancelled() {
    let kit = Kit::start_with(|c| c.workflows.concurrency = 1).await;
    let made = kit.integration("magento", workflows(&kit)).await;
    let first = kit.installed_user("first@example.com", &made.id, "k-1", "").await;
    let off = kit.installed_user("off@example.com", &made.id, "k-2", "").await;
    let gone = kit.installed_user("gone@example.com", &made.id, "k-3", "").await;
    // The only slot is taken by a run whose API call is held.
    kit.api.set_default(Reply::Held(200));
    let run = |user: &str, parent: &str| json!({"workflowId": parent, "userId": user, "data": {"id": 1}});
    assert_eq!(kit.post("/run/workflow", run(&first, &made.parents[0])).await.0, StatusCode::OK);
    kit.api.wait_for(1, LIMIT).await;
    assert_eq!(kit.post("/run/workflow", run(&off, &made.parents[0])).await.0, StatusCode::OK);
    assert_eq!(kit.post("/run/workflow", run(&gone, &made.parents[0])).await.0, StatusCode::OK);
    assert_eq!(kit.db().executions_in("queued"), 2);
    // Switched off and deleted while queued.
    let (status, answer) = kit.put(&format!("/users/{off}/deactivate-workflows"), None).await;
    assert_eq!((status, answer["deactivated"].clone()), (StatusCode::OK, json!(3)), "{answer}");
    assert_eq!(kit.app.call(Method::DELETE, &format!("/users/{gone}"), Some(&kit.key), None).await.0, StatusCode::OK);
    assert_eq!(kit.db().executions_in("cancelled"), 1, "the deleted user's run ends at once");
    kit.api.release();
    kit.idle().await;
    assert_eq!(kit.db().executions_in("cancelled"), 2);
    assert_eq!(kit.db().executions_in("succeeded"), 1);
    assert_eq!(kit.api_calls().len(), 1, "nothing ran for the cancelled ones");
    assert!(kit.ingested().iter().all(|e| e["userId"] == first.as_str()));
    assert!(kit.children(&off).await.iter().all(|c| c["active"] == false));
    assert_eq!(kit.db().runs_containing("gone@example.com"), 0, "a deleted user's runs keep none of their data");
    assert_eq!(kit.put("/users/nobody/deactivate-workflows", None).await.0, StatusCode::NOT_FOUND);
    kit.stop().await;
}
