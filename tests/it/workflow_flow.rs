//! The workflow runtime end to end: a third-party app posts to a child workflow's hook
//! URL; the `http` step calls the third-party API with the user's credential, from the
//! configured local address, with the run's id; the `stream` step hands the data to the
//! customer as a signed `workflow.data` event. Logs show it, with credentials redacted.
//! And the hook's refusals: each a clear 4xx that records nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::runtime::{Kit, LIMIT, LOCAL, shopify_hmac};

/// The issue's example: an order-created hook, verified with the credential's
/// `webhookSecret`, acknowledged at the API with the credential's `apiKey`, streamed.
fn order_created(kit: &Kit) -> Value {
    json!([{
        "name": "Order created",
        "trigger": {"type": "webhook",
                    "verify": {"header": "X-Shopify-Hmac-Sha256", "secretField": "webhookSecret",
                               "algorithm": "hmac-sha256", "encoding": "base64"}},
        "steps": [
            {"type": "http", "method": "POST", "url": format!("{}/orders/{{{{data.orderId}}}}/ack", kit.api_origin()),
             "headers": {"Authorization": "Bearer {{credentials.apiKey}}"}},
            {"type": "stream"}
        ]
    }])
}

#[tokio::test]
async fn a_hook_runs_the_http_step_with_the_credential_then_streams_to_the_customer() {
    let kit = Kit::start().await;
    let made = kit.integration("shopify", order_created(&kit)).await;
    let user = kit.installed_user("dale@example.com", &made.id, "key-live-123", "hook-secret").await;
    let child = kit.child_of(&user, &made.parents[0]).await;
    let hook_url = child["hookUrl"].as_str().expect("a webhook-triggered child shows its hook URL").to_string();
    assert!(hook_url.starts_with(&format!("{}/hooks/hk_", kit.app.url)), "{hook_url}");
    let (_, one) = kit.get(&format!("/workflows/{}?userId={user}", child["workflowId"].as_str().unwrap())).await;
    assert_eq!(one["data"]["hookUrl"], hook_url, "GET /workflows/{{id}} shows the same URL");
    assert_eq!(one["data"]["version"], 1);

    let body = br#"{"orderId":"A 1/2","total":12.5}"#;
    let hmac = shopify_hmac("hook-secret", body);
    let (status, accepted) = kit.call_hook(&hook_url, body, &[("X-Shopify-Hmac-Sha256", &hmac)]).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    let execution_id = accepted["executionId"].as_str().unwrap().to_string();
    kit.idle().await;

    // The third-party call: path placeholder percent-encoded, credential injected,
    // the run's id and the step's index, from the configured local address.
    let calls = kit.api_calls();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.path, "/orders/A%201%2F2/ack");
    assert_eq!(call.header("authorization"), "Bearer key-live-123");
    assert_eq!(call.header("x-usher-execution-id"), execution_id);
    assert_eq!(call.header("x-usher-step"), "0");
    assert_eq!(call.header("content-type"), "application/json");
    assert_eq!(call.json(), json!({"orderId": "A 1/2", "total": 12.5}), "no body template: the trigger's data");
    assert_eq!(call.peer.ip().to_string(), LOCAL);

    // The customer's ingest endpoint got one signed workflow.data event.
    let events = kit.ingested();
    assert_eq!(events.len(), 1);
    let event = &events[0];
    let mut keys: Vec<&str> = event.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "data",
            "environment",
            "executionId",
            "integrationId",
            "parentWorkflowId",
            "timestamp",
            "type",
            "userId",
            "workflowId"
        ]
    );
    assert_eq!(event["type"], "workflow.data");
    assert_eq!(event["environment"], "development");
    assert_eq!(event["userId"], user);
    assert_eq!(event["workflowId"], child["workflowId"]);
    assert_eq!(event["parentWorkflowId"], made.parents[0]);
    assert_eq!(event["integrationId"], made.id);
    assert_eq!(event["executionId"], execution_id);
    assert_eq!(event["data"], json!({"orderId": "A 1/2", "total": 12.5}));

    // The logs, in the hosted shape; the credential is never stored.
    let workflow_id = child["workflowId"].as_str().unwrap();
    let (status, logs) = kit.get(&format!("/workflows/{workflow_id}/logs?userId={user}")).await;
    assert_eq!(status, StatusCode::OK, "{logs}");
    let log = &logs["data"][0];
    for field in ["executionId", "startedAt", "stoppedAt", "finished", "results", "inputs"] {
        assert!(log.get(field).is_some(), "logs carry {field}: {log}");
    }
    assert_eq!(log["executionId"], execution_id);
    assert_eq!(log["finished"], true);
    assert_eq!(log["status"], "succeeded");
    assert_eq!(log["inputs"], json!({"orderId": "A 1/2", "total": 12.5}));
    let results = log["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["input"]["headers"]["Authorization"], "Bearer [redacted]");
    assert_eq!(results[0]["output"]["status"], 200);
    assert_eq!(results[1]["type"], "stream");
    assert!(results[1]["output"]["messageId"].as_str().unwrap().starts_with("msg_"));
    assert_eq!(kit.db().runs_containing("key-live-123"), 0, "no credential value in any run record");
    assert_eq!(kit.db().runs_containing("hook-secret"), 0);
    let (_, errors) = kit.get(&format!("/workflows/{workflow_id}/errors?userId={user}")).await;
    assert_eq!(errors["data"], json!([]));
    kit.stop().await;
}

#[tokio::test]
async fn hook_refusals_record_nothing() {
    let kit = Kit::start().await;
    let made = kit.integration("shopify", order_created(&kit)).await;
    let user = kit.installed_user("dale@example.com", &made.id, "key-live-123", "hook-secret").await;
    let child = kit.child_of(&user, &made.parents[0]).await;
    let hook_url = child["hookUrl"].as_str().unwrap().to_string();
    let body = br#"{"orderId":"A1"}"#;
    let before = (kit.db().executions(), kit.db().audit_entries(), kit.db().events());

    // Unknown token (well-formed and not), wrong signature, missing signature.
    let unknown = format!("{}/hooks/hk_{}", kit.app.url, "A".repeat(43));
    assert_eq!(kit.call_hook(&unknown, body, &[]).await.0, StatusCode::NOT_FOUND);
    assert_eq!(kit.call_hook(&format!("{}/hooks/nope", kit.app.url), body, &[]).await.0, StatusCode::NOT_FOUND);
    let wrong = shopify_hmac("not-the-secret", body);
    let (status, answer) = kit.call_hook(&hook_url, body, &[("X-Shopify-Hmac-Sha256", &wrong)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("X-Shopify-Hmac-Sha256"), "{answer}");
    let signed_other = shopify_hmac("hook-secret", br#"{"orderId":"B2"}"#);
    assert_eq!(
        kit.call_hook(&hook_url, body, &[("X-Shopify-Hmac-Sha256", &signed_other)]).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(kit.call_hook(&hook_url, body, &[]).await.0, StatusCode::UNAUTHORIZED);
    // A body over the limit.
    let big = vec![b'x'; 1024 * 1024 + 1];
    let hmac = shopify_hmac("hook-secret", &big);
    assert_eq!(
        kit.call_hook(&hook_url, &big, &[("X-Shopify-Hmac-Sha256", &hmac)]).await.0,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    // An inactive workflow: signed correctly, still refused.
    let toggle = json!({"workflowId": child["workflowId"], "userId": user});
    assert_eq!(kit.put("/workflows/deactivate", Some(toggle.clone())).await.0, StatusCode::OK);
    let audit_now = kit.db().audit_entries();
    let hmac = shopify_hmac("hook-secret", body);
    let (status, answer) = kit.call_hook(&hook_url, body, &[("X-Shopify-Hmac-Sha256", &hmac)]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["code"], "workflow_inactive");
    assert_eq!((kit.db().executions(), kit.db().audit_entries(), kit.db().events()), (before.0, audit_now, before.2));
    assert_eq!(kit.api_calls().len(), 0);
    assert_eq!(audit_now, before.1 + 1, "only the deactivation was recorded");

    // Regenerating the URL: the old one is unknown from then on, the new one works.
    assert_eq!(kit.put("/workflows/activate", Some(toggle)).await.0, StatusCode::OK);
    let wf = child["workflowId"].as_str().unwrap();
    let (status, fresh) = kit.post(&format!("/workflows/{wf}/regenerate-hook"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    let new_url = fresh["data"]["hookUrl"].as_str().unwrap();
    assert_ne!(new_url, hook_url);
    assert_eq!(kit.call_hook(&hook_url, body, &[("X-Shopify-Hmac-Sha256", &hmac)]).await.0, StatusCode::NOT_FOUND);
    assert_eq!(kit.call_hook(new_url, body, &[("X-Shopify-Hmac-Sha256", &hmac)]).await.0, StatusCode::OK);
    kit.ingest.wait_for(1, LIMIT).await;
    kit.stop().await;
}

#[tokio::test]
async fn finished_runs_are_swept_after_the_retention_and_open_ones_kept() {
    let kit = Kit::start().await;
    let workflows = json!([
        {"name": "Quick", "trigger": "quick"},
        {"name": "Slow", "trigger": "slow",
         "steps": [{"type": "http", "method": "GET", "url": format!("{}/slow", kit.api_origin())}]}
    ]);
    let made = kit.integration("shopify", workflows).await;
    let user = kit.installed_user("dale@example.com", &made.id, "key-1234", "").await;
    kit.api.set_default(crate::support::receiver::Reply::Held(200));
    for event in ["quick", "slow"] {
        let (status, _) = kit.post("/run/event", json!({"event": event, "userId": user, "data": {}})).await;
        assert_eq!(status, StatusCode::OK);
    }
    kit.api.wait_for(1, LIMIT).await;
    kit.app.state().outbox.run_until_idle(LIMIT).await.unwrap();
    assert_eq!((kit.db().executions_in("succeeded"), kit.db().open_executions()), (1, 1));
    kit.db().age_executions(40 * 86_400_000);
    let retention = std::time::Duration::from_secs(30 * 86_400);
    let swept = usher::housekeeping::sweep(&kit.app.state().store, retention).await.unwrap();
    assert_eq!(swept.executions, 1, "{swept:?}");
    assert_eq!((kit.db().executions(), kit.db().open_executions()), (1, 1), "the open run is kept");
    kit.api.release();
    kit.idle().await;
    let again = usher::housekeeping::sweep(&kit.app.state().store, retention).await.unwrap();
    assert_eq!((again.executions, kit.db().executions()), (1, 0));
    kit.stop().await;
}

#[tokio::test]
async fn the_portal_shows_the_end_user_their_hook_urls() {
    use crate::portal::Visitor;
    use crate::support::smartlink::{SmartApp, create_app};
    let kit = Kit::start().await;
    let SmartApp { app_id, secret } = create_app(&kit.app, &kit.key, true).await;
    let made = kit.integration("shopify", order_created(&kit)).await;
    let visitor = Visitor::sign_in(&kit.app, &app_id, &secret, "dale@example.com").await;
    let user = crate::portal::user_id(&kit.app, &kit.key, "dale@example.com").await;
    kit.install(&user, &made.id, "key-live-123", "hook-secret").await;
    let hook_url = kit.child_of(&user, &made.parents[0]).await["hookUrl"].as_str().unwrap().to_string();
    let token = hook_url.rsplit('/').next().unwrap();
    let (status, _, html) = visitor.get("/portal").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Order created") && html.contains(token), "{html}");
    kit.stop().await;
}
