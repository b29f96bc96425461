//! A run's leading `stream` steps are done in the transaction that accepts it: when the
//! hook is answered, their `workflow.data` events are already in the outbox and their
//! records written; the queue runs what follows (an `http` step, later stream steps),
//! and a stream step that fails is left to the queue, which records the failure.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::receiver::Reply;
use crate::support::runtime::{Kit, LIMIT};

#[tokio::test]
async fn leading_stream_steps_are_done_at_acceptance_and_the_queue_runs_the_rest() {
    let kit = Kit::start().await;
    let workflows = json!([{"name": "Early", "trigger": {"type": "webhook"}, "steps": [
        {"type": "stream", "name": "early", "data": "{\"early\": {{ data.n }}, \"by\": {{ user.username }}}"},
        {"type": "http", "method": "POST", "url": format!("{}/ack", kit.api_origin())},
        {"type": "stream"}]}]);
    let made = kit.integration("shop", workflows).await;
    let user = kit.installed_user("sam@example.com", &made.id, "key-live-456", "").await;
    let child = kit.child_of(&user, &made.parents[0]).await;
    let hook_url = child["hookUrl"].as_str().unwrap().to_string();
    kit.api.set_default(Reply::Held(200));

    let (status, accepted) = kit.call_hook(&hook_url, br#"{"n": 7}"#, &[]).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    let execution_id = accepted["executionId"].as_str().unwrap().to_string();
    // Committed with the acceptance: the first step's event and record.
    assert_eq!(kit.db().events_of("workflow.data"), 1, "the leading stream step is done when the hook is answered");
    assert_eq!(kit.db().open_executions(), 1, "the http step is left to the queue");
    let calls = kit.api.wait_for(1, LIMIT).await;
    assert_eq!(calls[0].header("x-usher-execution-id"), execution_id);
    assert_eq!(calls[0].header("x-usher-step"), "1", "the queue resumes at the first step not done");
    kit.api.release();
    kit.idle().await;

    let events = kit.ingested();
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| e["executionId"] == execution_id.as_str()));
    assert_eq!(events[0]["data"], json!({"early": 7, "by": "sam@example.com"}));
    assert_eq!(events[1]["data"], json!({"n": 7}));
    let workflow_id = child["workflowId"].as_str().unwrap();
    let (_, logs) = kit.get(&format!("/workflows/{workflow_id}/logs?userId={user}")).await;
    let log = &logs["data"][0];
    assert_eq!((log["executionId"].as_str(), log["status"].as_str()), (Some(execution_id.as_str()), Some("succeeded")));
    let results = log["results"].as_array().unwrap();
    let kinds: Vec<&str> = results.iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["stream", "http", "stream"]);
    assert_eq!(results[0]["input"], json!({"early": 7, "by": "sam@example.com"}));
    assert!(results[0]["output"]["messageId"].as_str().unwrap().starts_with("msg_"));
    assert_eq!(kit.api_calls().len(), 1, "each step ran once");
    kit.stop().await;
}

#[tokio::test]
async fn a_stream_only_run_is_finished_at_acceptance_and_a_failing_one_is_recorded_by_the_queue() {
    let kit = Kit::start().await;
    let workflows = json!([
        {"name": "Plain", "trigger": {"type": "webhook"}},
        {"name": "Broken", "trigger": {"type": "webhook"},
         "steps": [{"type": "stream", "data": "{\"x\": {{ data.missing.deeper }}}"}]}]);
    let made = kit.integration("shop", workflows).await;
    let user = kit.installed_user("kim@example.com", &made.id, "key-live-789", "").await;
    let plain = kit.child_of(&user, &made.parents[0]).await;
    let broken = kit.child_of(&user, &made.parents[1]).await;

    let (status, _) = kit.call_hook(plain["hookUrl"].as_str().unwrap(), br#"{"id": 1}"#, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kit.db().executions_in("succeeded"), 1, "a run of stream steps only ends with its acceptance");
    assert_eq!(kit.db().open_executions(), 0);

    let (status, accepted) = kit.call_hook(broken["hookUrl"].as_str().unwrap(), br#"{"id": 2}"#, &[]).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    kit.idle().await;
    assert_eq!(kit.db().executions_in("failed"), 1);
    assert_eq!(kit.db().events_of("workflow.failed"), 1);
    let workflow_id = broken["workflowId"].as_str().unwrap();
    let (_, errors) = kit.get(&format!("/workflows/{workflow_id}/errors?userId={user}")).await;
    assert_eq!(errors["data"][0]["executionId"], accepted["executionId"]);
    assert!(errors["data"][0]["error"].as_str().unwrap().starts_with("data:"), "{errors}");
    let events = kit.ingested();
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["workflow.data", "workflow.failed"], "only the plain run streamed");
    assert_eq!(events[0]["data"], json!({"id": 1}));
    assert_eq!(events[1]["executionId"], accepted["executionId"]);
    kit.stop().await;
}
