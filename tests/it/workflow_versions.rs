//! Definitions and their versions: editing a parent makes a new version, children keep
//! theirs until upgraded (and runs use the child's version); versions and users are
//! listed; a bad definition is refused at save time naming the step, changing nothing;
//! workflows are shown and deleted.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::runtime::Kit;

async fn run(kit: &Kit, child: &str, data: Value) {
    let (status, answer) = kit.post("/run/workflow", json!({"workflowId": child, "data": data})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    kit.idle().await;
}

#[tokio::test]
async fn editing_a_parent_makes_a_version_that_children_run_once_upgraded() {
    let kit = Kit::start().await;
    let made = kit.integration("crm", json!([{"name": "Sync", "trigger": "contact.created"}])).await;
    let parent = made.parents[0].clone();
    let user = kit.installed_user("dale@example.com", &made.id, "crm-key", "").await;
    let child = kit.child_of(&user, &parent).await["workflowId"].as_str().unwrap().to_string();

    let (status, shown) = kit.get(&format!("/workflows/{parent}/versions")).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["currentVersion"], 1);
    assert_eq!(shown["data"][0]["trigger"], json!({"type": "event", "event": "contact.created"}));
    assert_eq!(shown["data"][0]["steps"], json!([{"type": "stream"}]));

    let steps = json!([{"type": "http", "method": "POST", "url": format!("{}/contacts", kit.api_origin()),
                         "headers": {"Authorization": "Bearer {{ credentials.apiKey }}"}}, {"type": "stream"}]);
    let (status, edited) = kit.put(&format!("/workflows/{parent}"), Some(json!({"steps": steps}))).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["data"]["version"], 2);
    assert_eq!(edited["data"]["trigger"]["event"], "contact.created", "an absent trigger stays as it was");
    let (_, versions) = kit.get(&format!("/workflows/{parent}/versions")).await;
    assert_eq!(versions["currentVersion"], 2);
    let listed: Vec<(i64, bool)> = versions["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_i64().unwrap(), v["current"].as_bool().unwrap()))
        .collect();
    assert_eq!(listed, [(2, true), (1, false)]);

    // The child is still on version 1: no API call.
    let (_, one) = kit.get(&format!("/workflows/{child}?userId={user}")).await;
    assert_eq!(one["data"]["version"], 1);
    run(&kit, &child, json!({"n": 1})).await;
    assert_eq!(kit.api_calls().len(), 0);
    let (_, users) = kit.get(&format!("/workflows/{parent}/users")).await;
    let entry = &users["data"][0];
    for field in ["userId", "username", "fullName", "workflowActive", "installedVersion", "installedAt"] {
        assert!(entry.get(field).is_some(), "{field} in {entry}");
    }
    assert_eq!((entry["userId"].as_str(), entry["installedVersion"].clone()), (Some(user.as_str()), json!(1)));

    // Upgraded (named by the parent id and the username), the child runs version 2.
    let (status, upgraded) = kit.put(&format!("/workflows/{parent}/upgrade?userId=dale@example.com"), None).await;
    assert_eq!(status, StatusCode::OK, "{upgraded}");
    assert_eq!((upgraded["message"].clone(), upgraded["data"]["version"].clone()), (json!("success"), json!(2)));
    run(&kit, &child, json!({"n": 2})).await;
    let calls = kit.api_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].header("authorization"), "Bearer crm-key");
    let (_, users) = kit.get(&format!("/workflows/{parent}/users")).await;
    assert_eq!(users["data"][0]["installedVersion"], 2);
    let (_, logs) = kit.get(&format!("/workflows/{child}/logs")).await;
    assert_eq!((logs["data"][0]["version"].clone(), logs["data"][1]["version"].clone()), (json!(2), json!(1)));

    // A webhook trigger in version 3: the upgraded child gets a hook URL.
    let (status, _) = kit.put(&format!("/workflows/{parent}"), Some(json!({"trigger": {"type": "webhook"}}))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kit.child_of(&user, &parent).await.get("hookUrl").is_none());
    let (status, up) = kit.put(&format!("/workflows/{child}/upgrade"), None).await;
    assert_eq!(status, StatusCode::OK, "{up}");
    let hook = up["data"]["hookUrl"].as_str().unwrap().to_string();
    assert_eq!(kit.child_of(&user, &parent).await["hookUrl"], hook.as_str());
    let (status, _) = kit.call_hook(&hook, br#"{"via":"hook"}"#, &[]).await;
    assert_eq!(status, StatusCode::OK);
    kit.idle().await;
    assert_eq!(kit.ingested().last().unwrap()["data"], json!({"via": "hook"}));

    // Back to version 1 by number; an unknown version is refused and changes nothing.
    let (status, down) = kit.put(&format!("/workflows/{child}/upgrade?version=1"), None).await;
    assert_eq!((status, down["data"]["version"].clone()), (StatusCode::OK, json!(1)));
    assert!(down["data"].get("hookUrl").is_none());
    for bad in ["version=9", "version=0", "version=x"] {
        assert_eq!(kit.put(&format!("/workflows/{child}/upgrade?{bad}"), None).await.0, StatusCode::BAD_REQUEST);
    }
    let missing = "0123456789abcdef01234567";
    assert_eq!(kit.put(&format!("/workflows/{missing}/upgrade"), None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        kit.put(&format!("/workflows/{parent}/upgrade"), None).await.0,
        StatusCode::NOT_FOUND,
        "a parent alone names no child"
    );
    assert_eq!(kit.get(&format!("/workflows/{child}?userId={user}")).await.1["data"]["version"], 1);
    kit.stop().await;
}

#[tokio::test]
async fn bad_definitions_are_refused_at_save_time_naming_the_step() {
    let kit = Kit::start().await;
    let api = kit.api_origin();
    let before = (kit.db().integrations(), kit.db().parent_workflows(), kit.db().workflow_versions());
    for (steps, field) in [
        (json!([{"type": "stream"}, {"type": "email", "to": "x"}]), "workflows[0].steps[1]"),
        (
            json!([{"type": "http", "method": "GET", "url": format!("{api}/x/{{{{ data.id")}]),
            "workflows[0].steps[0].url",
        ),
        (json!([{"type": "http", "method": "GET", "url": "{{ data.url }}/x"}]), "workflows[0].steps[0].url"),
        (
            json!([{"type": "http", "method": "GET", "url": "ftp://files.example.com/{{ data.id }}"}]),
            "workflows[0].steps[0].url",
        ),
        (
            json!([{"type": "http", "method": "GET", "url": format!("{api}/"), "headers": {"X": "{{ data.x }"}}]),
            "workflows[0].steps[0].headers.X",
        ),
        (
            json!([{"type": "http", "method": "POST", "url": format!("{api}/"), "body": "{\"a\": \"{{ data.a }}\"}"}]),
            "workflows[0].steps[0].body",
        ),
        // Placeholders are paths, literals and filters: an operator is refused (one
        // `*` can make a list of 77 million items).
        (json!([{"type": "stream", "data": "{{ 77777777 * [5] }}"}]), "workflows[0].steps[0].data"),
        (
            json!([{"type": "http", "method": "GET", "url": format!("{api}/{{{{ data.a ~ data.b }}}}")}]),
            "workflows[0].steps[0].url",
        ),
    ] {
        let body = kit.integration_body("shop", json!([{"name": "W", "trigger": "e", "steps": steps}]));
        let (status, answer) = kit.post("/integrations", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["code"], "invalid_field");
        assert!(answer["message"].as_str().unwrap().contains(&format!("`{field}`")), "{field}: {answer}");
    }
    assert_eq!((kit.db().integrations(), kit.db().parent_workflows(), kit.db().workflow_versions()), before);

    // The same rules for an edit: the parent keeps its version.
    let made = kit.integration("shop", json!([{"name": "W", "trigger": "e"}])).await;
    let parent = &made.parents[0];
    let versions = kit.db().workflow_versions();
    let bad_edits = [
        json!({"steps": [{"type": "ftp"}]}),
        json!({"trigger": {"type": "cron"}}),
        json!({"trigger": {"type": "webhook", "verify": {"header": "X-Sig", "secretField": "notAField"}}}),
        json!({"name": ""}),
        json!({"colour": "red"}),
    ];
    for edit in bad_edits {
        let (status, answer) = kit.put(&format!("/workflows/{parent}"), Some(edit.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{edit}: {answer}");
    }
    assert_eq!(kit.db().workflow_versions(), versions);
    assert_eq!(kit.get(&format!("/workflows/{parent}/versions")).await.1["currentVersion"], 1);
    assert_eq!(
        kit.put("/workflows/0123456789abcdef01234567", Some(json!({"name": "x"}))).await.0,
        StatusCode::NOT_FOUND
    );
    kit.stop().await;
}

#[tokio::test]
async fn a_deleted_child_no_longer_runs_and_its_parent_lists_no_user() {
    let kit = Kit::start().await;
    let made = kit.integration("crm", json!([{"name": "A", "trigger": "a"}, {"name": "B", "trigger": "b"}])).await;
    let user = kit.installed_user("dale@example.com", &made.id, "crm-key", "").await;
    let parent = made.parents[0].clone();
    let child = kit.child_of(&user, &parent).await["workflowId"].as_str().unwrap().to_string();
    let (status, body) = kit.delete(&format!("/workflows/{parent}?userId={user}")).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"success": true})));
    assert_eq!(kit.children(&user).await.len(), 1);
    assert_eq!(kit.get(&format!("/workflows/{child}?userId={user}")).await.0, StatusCode::NOT_FOUND);
    let before = kit.db().executions();
    assert_eq!(kit.post("/run/workflow", json!({"workflowId": child})).await.0, StatusCode::NOT_FOUND);
    let (status, answer) = kit.post("/run/event", json!({"event": "a", "userId": user, "data": {}})).await;
    assert_eq!((status, answer["executionIds"].clone()), (StatusCode::OK, json!([])));
    assert_eq!(kit.db().executions(), before);
    let (_, users) = kit.get(&format!("/workflows/{parent}/users")).await;
    assert_eq!(users["data"], json!([]));
    assert_eq!(kit.get("/workflows/0123456789abcdef01234567/users").await.0, StatusCode::NOT_FOUND);
    kit.stop().await;
}
