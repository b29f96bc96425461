//! How steps fail and are tried again: a 503 with Retry-After is tried again later with
//! the same execution id; a 4xx fails the run (a signed `workflow.failed`, the errors
//! list); a template that refers to a missing value fails its step with a clear
//! message; a run can be run again with the same data.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::receiver::Reply;
use crate::support::runtime::{Kit, LIMIT};

fn calling_api(kit: &Kit, path: &str) -> Value {
    json!([{"name": "Push", "trigger": "push",
            "steps": [{"type": "http", "name": "push", "method": "PUT", "url": format!("{}{path}", kit.api_origin()),
                       "headers": {"X-Key": "{{ credentials.apiKey }}"}},
                      {"type": "stream", "data": "{\"pushed\": {{ steps.push.body }}}"}]}])
}

/// Installs for one user and runs the workflow once with `data`; returns (child id, execution id).
async fn run_once(kit: &Kit, workflows: Value, data: Value) -> (String, String, String) {
    let made = kit.integration("erp", workflows).await;
    let user = kit.installed_user("dale@example.com", &made.id, "secret-api-key", "").await;
    let child = kit.child_of(&user, &made.parents[0]).await["workflowId"].as_str().unwrap().to_string();
    let (status, answer) = kit.post("/run/workflow", json!({"workflowId": child, "data": data})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    (child, answer["executionId"].as_str().unwrap().to_string(), user)
}

#[tokio::test]
async fn a_503_with_retry_after_is_tried_again_later_with_the_same_execution_id() {
    let kit = Kit::start().await;
    kit.api.script(vec![Reply::WithHeaders(503, vec![("retry-after", "1".into())])]);
    kit.api.set_default(Reply::Status(200));
    let (child, execution, user) = run_once(&kit, calling_api(&kit, "/items/1"), json!({"sku": "X"})).await;
    let calls = kit.api.wait_for(2, LIMIT).await;
    kit.idle().await;
    assert_eq!(calls.len(), 2);
    for call in &calls {
        assert_eq!(call.header("x-usher-execution-id"), execution);
        assert_eq!(call.header("x-usher-step"), "0");
        assert_eq!(call.header("x-key"), "secret-api-key");
    }
    let gap = calls[1].at - calls[0].at;
    assert!(gap >= Duration::from_millis(900), "retried after {gap:?}; Retry-After asked for 1 s");
    let (_, logs) = kit.get(&format!("/workflows/{child}/logs?userId={user}")).await;
    let result = &logs["data"][0]["results"][0];
    assert_eq!((result["status"].clone(), result["attempts"].clone()), (json!("succeeded"), json!(2)));
    assert_eq!(logs["data"][0]["results"][1]["input"], json!({"pushed": "ok"}), "steps by name see earlier outputs");
    assert_eq!(kit.ingested()[0]["data"], json!({"pushed": "ok"}));
    kit.stop().await;
}

#[tokio::test]
async fn a_refused_call_fails_the_run_with_a_workflow_failed_event_and_an_error() {
    let kit = Kit::start().await;
    kit.api.set_default(Reply::Status(422));
    let (child, execution, user) = run_once(&kit, calling_api(&kit, "/items/2"), json!({})).await;
    kit.idle().await;
    assert_eq!(kit.api_calls().len(), 1, "a 4xx is not tried again");
    let events = kit.ingested();
    assert_eq!(events.len(), 1);
    let failed = &events[0];
    assert_eq!(failed["type"], "workflow.failed");
    assert_eq!(
        (failed["executionId"].as_str(), failed["workflowId"].as_str()),
        (Some(execution.as_str()), Some(child.as_str()))
    );
    assert_eq!((failed["step"].clone(), failed["stepName"].clone()), (json!(0), json!("push")));
    assert!(failed["error"].as_str().unwrap().contains("422"), "{failed}");

    let (status, errors) = kit.get(&format!("/workflows/{child}/errors?userId={user}")).await;
    assert_eq!(status, StatusCode::OK, "{errors}");
    let error = &errors["data"][0];
    let mut keys: Vec<&str> = error.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["blockId", "createdAt", "error", "executionId", "stepName"]);
    assert_eq!((error["executionId"].as_str(), error["blockId"].as_str()), (Some(execution.as_str()), Some("0")));
    assert!(error["error"].as_str().unwrap().starts_with("the API answered 422"), "{error}");

    // A run that succeeds after it; `error=true` lists only the failed one.
    kit.api.set_default(Reply::Status(200));
    kit.post("/run/workflow", json!({"workflowId": child, "data": {}})).await;
    kit.idle().await;
    let (_, all) = kit.get(&format!("/workflows/{child}/logs")).await;
    assert_eq!(all["data"].as_array().unwrap().len(), 2);
    assert_eq!(all["data"][1]["executionId"], execution, "newest first");
    let (_, only) = kit.get(&format!("/workflows/{child}/logs?error=true")).await;
    assert_eq!(only["data"].as_array().unwrap().len(), 1);
    assert_eq!(only["data"][0]["status"], "failed");
    let (_, oldest) = kit.get(&format!("/workflows/{child}/logs?order=asc&limit=1")).await;
    assert_eq!(oldest["data"][0]["executionId"], execution);
    let (_, next) = kit.get(&format!("/workflows/{child}/logs?order=asc&limit=1&page=2")).await;
    assert_ne!(next["data"][0]["executionId"], execution);
    let cursor = oldest["nextCursor"].as_str().unwrap();
    let (_, by_cursor) = kit.get(&format!("/workflows/{child}/logs?order=asc&limit=1&cursor={cursor}")).await;
    assert_eq!(by_cursor["data"], next["data"]);
    for bad in ["limit=0", "limit=101", "page=0", "page=11&limit=100", "order=up", "error=yes", "cursor=x"] {
        assert_eq!(kit.get(&format!("/workflows/{child}/logs?{bad}")).await.0, StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(kit.get("/workflows/0123456789abcdef01234567/logs").await.0, StatusCode::NOT_FOUND);
    assert_eq!(kit.get("/workflows/nope/errors").await.0, StatusCode::NOT_FOUND);
    kit.stop().await;
}

#[tokio::test]
async fn retries_run_out_and_the_run_fails() {
    let kit = Kit::start().await;
    kit.api.set_default(Reply::Status(500));
    let (child, _, _) = run_once(&kit, calling_api(&kit, "/items/3"), json!({})).await;
    kit.idle().await;
    assert_eq!(kit.api_calls().len(), 4, "the first try and three retries");
    let (_, errors) = kit.get(&format!("/workflows/{child}/errors")).await;
    let message = errors["data"][0]["error"].as_str().unwrap();
    assert!(message.contains("500") && message.contains("gave up after 4 tries"), "{message}");
    kit.stop().await;
}

#[tokio::test]
async fn a_template_naming_a_missing_value_fails_its_step_with_a_clear_message() {
    let kit = Kit::start().await;
    let workflows = json!([{"name": "Lookup", "steps": [
        {"type": "http", "method": "GET", "url": format!("{}/orders/{{{{ data.orderNumber }}}}", kit.api_origin())},
        {"type": "stream"}]}]);
    let (child, _, _) = run_once(&kit, workflows, json!({"orderId": 7})).await;
    kit.idle().await;
    assert_eq!(kit.api_calls().len(), 0);
    let (_, logs) = kit.get(&format!("/workflows/{child}/logs")).await;
    let step = &logs["data"][0]["results"][0];
    assert_eq!(step["status"], "failed");
    assert_eq!(step["error"], "url: `data.orderNumber` is missing");
    // The runtime is fine: the next run with the value works.
    kit.post("/run/workflow", json!({"workflowId": child, "data": {"orderNumber": "N 9"}})).await;
    kit.idle().await;
    assert_eq!(kit.api_calls()[0].path, "/orders/N%209");
    assert_eq!(kit.api_calls()[0].body, b"", "a GET without a body template sends no body");
    kit.stop().await;
}

#[tokio::test]
async fn a_run_is_run_again_with_the_same_data() {
    let kit = Kit::start().await;
    let (child, first, user) = run_once(&kit, calling_api(&kit, "/items/4"), json!({"sku": "Y"})).await;
    kit.idle().await;
    let (status, answer) = kit.post(&format!("/workflows/{child}/rerun/{first}?userId={user}"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["message"], "success");
    let second = answer["executionUuid"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    kit.idle().await;
    let calls = kit.api_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].body, calls[1].body);
    assert_eq!(calls[1].header("x-usher-execution-id"), second);
    let (_, logs) = kit.get(&format!("/workflows/{child}/logs")).await;
    assert_eq!(
        (logs["data"][0]["executionId"].as_str(), logs["data"][0]["rerunOf"].as_str()),
        (Some(second.as_str()), Some(first.as_str()))
    );

    let before = kit.db().executions();
    let missing = "0123456789abcdef01234567";
    assert_eq!(kit.post(&format!("/workflows/{child}/rerun/{missing}"), json!({})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(kit.post(&format!("/workflows/{child}/rerun/bad-id"), json!({})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(kit.post(&format!("/workflows/{missing}/rerun/{first}"), json!({})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(kit.db().executions(), before);
    kit.stop().await;
}
