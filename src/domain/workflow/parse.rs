//! A client's workflow definition (`trigger` and `steps` of a parent workflow in
//! `POST /integrations` or `PUT /workflows/{id}`) into a checked [`Definition`]. Every
//! refusal names the field, e.g. `workflows[0].steps[1].url`.

use serde_json::Value;

use super::template::{self, Context};
use super::{BodyFormat, Definition, HttpStep, MAX_HEADERS, MAX_STEPS, Step, StreamStep, Trigger, Verify};
use crate::domain::invalid::Invalid;

/// Headers a step may not set: the client sets them itself, or they carry the
/// execution's identity.
const RESERVED_HEADERS: [&str; 9] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
    "te",
    "trailer",
    "x-usher-execution-id",
    "x-usher-step",
];

fn invalid(field: impl Into<String>, message: impl Into<String>) -> Invalid {
    Invalid { field: field.into(), message: message.into() }
}

/// Checks `trigger` and `steps` as given under `path` (e.g. `workflows[0]`).
/// `fields` are the integration's credential field names (a hook's `secretField` must
/// be one). An absent trigger means "run on request only"; absent steps mean one
/// `stream` step.
pub fn definition(
    path: &str,
    trigger: Option<&Value>,
    steps: Option<&Value>,
    fields: &[String],
) -> Result<Definition, Invalid> {
    let trigger = parse_trigger(&format!("{path}.trigger"), trigger, fields)?;
    let steps = match steps {
        None | Some(Value::Null) => Definition::default_steps(),
        Some(Value::Array(list)) => parse_steps(path, list)?,
        Some(_) => return Err(invalid(format!("{path}.steps"), "steps must be a list of steps")),
    };
    Ok(Definition { trigger, steps })
}

fn parse_trigger(path: &str, value: Option<&Value>, fields: &[String]) -> Result<Option<Trigger>, Invalid> {
    let trigger = match value {
        None | Some(Value::Null) => return Ok(None),
        // Today's plain-string trigger: a custom event of that name (empty: none).
        Some(Value::String(name)) if name.trim().is_empty() => return Ok(None),
        Some(Value::String(name)) => Trigger::Event { event: name.trim().to_string(), description: None },
        Some(value @ Value::Object(map)) => {
            match map.get("type").and_then(Value::as_str) {
                Some("webhook" | "event") => {}
                Some(other) => {
                    let shown: String = other.chars().take(40).collect();
                    return Err(invalid(path, format!("unknown trigger type `{shown}`; known: webhook, event")));
                }
                None => return Err(invalid(path, "a trigger needs a \"type\": webhook or event")),
            }
            serde_json::from_value(value.clone()).map_err(|e| invalid(path, e.to_string()))?
        }
        Some(_) => return Err(invalid(path, "trigger must be an event name or {\"type\": ...}")),
    };
    match &trigger {
        Trigger::Event { event, description } => {
            event_name(&format!("{path}.event"), event)?;
            if description.as_ref().is_some_and(|d| d.chars().count() > 2000 || d.chars().any(char::is_control)) {
                return Err(invalid(format!("{path}.description"), "at most 2000 characters, no control characters"));
            }
        }
        Trigger::Webhook { verify: Some(rule) } => check_verify(&format!("{path}.verify"), rule, fields)?,
        Trigger::Webhook { verify: None } => {}
    }
    Ok(Some(trigger))
}

/// A custom event's name (e.g. `order.created`): 1 to 255 characters, no control
/// characters, no white space at either end (what a plain-string trigger always allowed).
pub fn event_name(path: &str, name: &str) -> Result<(), Invalid> {
    let ok = (1..=255).contains(&name.chars().count()) && name.trim() == name && !name.chars().any(char::is_control);
    if ok { Ok(()) } else { Err(invalid(path, "an event name is 1 to 255 characters, no control characters")) }
}

fn check_verify(path: &str, rule: &Verify, fields: &[String]) -> Result<(), Invalid> {
    if !is_token(&rule.header) {
        return Err(invalid(format!("{path}.header"), "must be a header name"));
    }
    if !fields.contains(&rule.secret_field) {
        return Err(invalid(
            format!("{path}.secretField"),
            format!("`{}` is not one of the integration's credential fields", rule.secret_field),
        ));
    }
    if rule.prefix.as_ref().is_some_and(|p| p.len() > 32 || p.chars().any(char::is_control)) {
        return Err(invalid(format!("{path}.prefix"), "at most 32 characters, no control characters"));
    }
    Ok(())
}

fn parse_steps(path: &str, list: &[Value]) -> Result<Vec<Step>, Invalid> {
    if list.is_empty() || list.len() > MAX_STEPS {
        return Err(invalid(format!("{path}.steps"), format!("a workflow has 1 to {MAX_STEPS} steps")));
    }
    let mut steps: Vec<Step> = Vec::with_capacity(list.len());
    for (i, value) in list.iter().enumerate() {
        let at = format!("{path}.steps[{i}]");
        let step = parse_step(&at, value)?;
        if let Some(name) = step.name() {
            if !is_identifier(name) {
                return Err(invalid(format!("{at}.name"), "a step name is a letter, then letters, digits or _"));
            }
            if steps.iter().any(|s| s.name() == Some(name)) {
                return Err(invalid(format!("{at}.name"), format!("step name `{name}` appears twice")));
            }
        }
        steps.push(step);
    }
    Ok(steps)
}

fn parse_step(path: &str, value: &Value) -> Result<Step, Invalid> {
    let Value::Object(map) = value else { return Err(invalid(path, "a step is an object with a \"type\"")) };
    let mut map = map.clone();
    match map.get("type").and_then(Value::as_str) {
        Some("http") => {
            // Methods are accepted in any case and stored upper-case.
            if let Some(Value::String(m)) = map.get_mut("method") {
                *m = m.to_ascii_uppercase();
            }
        }
        Some("stream") => {}
        Some(other) => {
            let shown: String = other.chars().take(40).collect();
            return Err(invalid(path, format!("unknown step type `{shown}`; known: http, stream")));
        }
        None => return Err(invalid(path, "a step needs a \"type\": http or stream")),
    }
    let step: Step = serde_json::from_value(Value::Object(map)).map_err(|e| invalid(path, e.to_string()))?;
    match &step {
        Step::Http(http) => check_http(path, http)?,
        Step::Stream(stream) => check_stream(path, stream)?,
    }
    Ok(step)
}

fn check_http(path: &str, step: &HttpStep) -> Result<(), Invalid> {
    template::check_url(&step.url, true).map_err(|e| invalid(format!("{path}.url"), format!("the URL {e}")))?;
    if step.headers.len() > MAX_HEADERS {
        return Err(invalid(format!("{path}.headers"), format!("at most {MAX_HEADERS} headers")));
    }
    for (name, value) in &step.headers {
        let at = format!("{path}.headers.{name}");
        if !is_token(name) {
            return Err(invalid(at, "not a valid header name"));
        }
        if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(invalid(at, "this header is set by usher itself"));
        }
        if value.chars().any(|c| c.is_control() && c != '\t') {
            return Err(invalid(at, "a header value may not contain a line break or control character"));
        }
        template::check(value, Context::Header, true).map_err(|e| invalid(&at, format!("the template {e}")))?;
    }
    if let Some(body) = &step.body {
        let context = match step.body_format {
            BodyFormat::Json => Context::Json,
            BodyFormat::Form => Context::Form,
            BodyFormat::Text => Context::Text,
        };
        template::check(body, context, true)
            .map_err(|e| invalid(format!("{path}.body"), format!("the template {e}")))?;
    }
    Ok(())
}

fn check_stream(path: &str, step: &StreamStep) -> Result<(), Invalid> {
    if let Some(data) = &step.data {
        template::check(data, Context::Json, false)
            .map_err(|e| invalid(format!("{path}.data"), format!("the template {e}")))?;
    }
    Ok(())
}

fn is_identifier(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// An HTTP token (RFC 9110): what a header name may be.
fn is_token(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::workflow::HttpMethod;

    fn fields() -> Vec<String> {
        vec!["apiKey".into(), "webhookSecret".into()]
    }

    fn parse(trigger: Value, steps: Value) -> Result<Definition, Invalid> {
        definition("workflows[0]", Some(&trigger), Some(&steps), &fields())
    }

    #[test]
    fn the_issue_example_and_the_defaults() {
        let def = parse(
            json!({"type": "webhook", "verify": {"header": "X-Shopify-Hmac-Sha256", "secretField": "webhookSecret",
                   "algorithm": "hmac-sha256", "encoding": "base64"}}),
            json!([{"type": "http", "method": "post", "url": "https://api.example.com/orders/{{data.orderId}}/ack",
                    "headers": {"Authorization": "Bearer {{credentials.apiKey}}"}}, {"type": "stream"}]),
        )
        .unwrap();
        assert_eq!(def.trigger.as_ref().unwrap().kind(), "webhook");
        let Step::Http(http) = &def.steps[0] else { panic!() };
        assert_eq!(http.method, HttpMethod::Post);
        assert_eq!(Definition::from_stored(&def.to_stored()).unwrap(), def);
        let plain = definition("w", Some(&json!("order.created")), None, &[]).unwrap();
        assert_eq!(plain.trigger.unwrap().event(), Some("order.created"));
        assert_eq!(plain.steps, Definition::default_steps());
        assert_eq!(definition("w", None, None, &[]).unwrap().trigger, None);
    }

    #[test]
    fn refusals_name_the_step() {
        let stream = json!([{"type": "stream"}]);
        for (trigger, steps, field) in [
            (json!("order.created"), json!([{"type": "ftp"}]), "workflows[0].steps[0]"),
            (
                json!("order.created"),
                json!([{"type": "stream"}, {"type": "http", "method": "GET", "url": "{{ data.url }}"}]),
                "workflows[0].steps[1].url",
            ),
            (
                json!("order.created"),
                json!([{"type": "http", "method": "GET", "url": "ftp://x.example/{{ data.id }}"}]),
                "workflows[0].steps[0].url",
            ),
            (
                json!("order.created"),
                json!([{"type": "http", "method": "GET", "url": "https://x.example/{{ data.id"}]),
                "workflows[0].steps[0].url",
            ),
            (
                json!("order.created"),
                json!([{"type": "http", "method": "GET", "url": "https://x.example/", "headers": {"X-A": "{{ data.a }"}}]),
                "workflows[0].steps[0].headers.X-A",
            ),
            (
                json!("order.created"),
                json!([{"type": "http", "method": "GET", "url": "https://x.example/", "headers": {"Host": "x"}}]),
                "workflows[0].steps[0].headers.Host",
            ),
            (
                json!("order.created"),
                json!([{"type": "http", "method": "GET", "url": "https://x.example/", "headers": {"X-A": "a\r\nB: c"}}]),
                "workflows[0].steps[0].headers.X-A",
            ),
            (
                json!("order.created"),
                json!([{"type": "http", "method": "GET", "url": "https://x.example/", "body": "{\"a\": \"{{ data.a }}\"}"}]),
                "workflows[0].steps[0].body",
            ),
            (
                json!("order.created"),
                json!([{"type": "http", "method": "TRACE", "url": "https://x.example/"}]),
                "workflows[0].steps[0]",
            ),
            (
                json!("order.created"),
                json!([{"type": "stream", "data": "{{ credentials.apiKey }}"}]),
                "workflows[0].steps[0].data",
            ),
            (
                json!("order.created"),
                json!([{"type": "stream", "name": "a"}, {"type": "stream", "name": "a"}]),
                "workflows[0].steps[1].name",
            ),
            (json!("order.created"), json!([]), "workflows[0].steps"),
            (json!({"type": "event", "event": "bad\nname"}), stream.clone(), "workflows[0].trigger.event"),
            (json!({"type": "cron"}), stream.clone(), "workflows[0].trigger"),
            (
                json!({"type": "webhook", "verify": {"header": "X-S", "secretField": "nope"}}),
                stream.clone(),
                "workflows[0].trigger.verify.secretField",
            ),
        ] {
            let err = parse(trigger, steps.clone()).unwrap_err();
            assert_eq!(err.field, field, "{steps}: {}", err.message);
        }
    }
}
