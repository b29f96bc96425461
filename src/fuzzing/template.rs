//! The workflow template engine: checking and rendering any template over any data.
//! The properties are the ones the runtime relies on: no panic and bounded work
//! whatever the template; each context escapes what a placeholder writes; and a URL
//! template that passes the save-time check never sends its request to another origin.

use std::collections::BTreeMap;

use crate::domain::workflow::template::{self, Context, Scope};

const CONTEXTS: [Context; 5] = [Context::Url, Context::Header, Context::Json, Context::Form, Context::Text];

/// `data` is a template, a NUL byte, then the trigger data (JSON, or else taken as a
/// string). Every context is checked and rendered; the data is also rendered alone in
/// each context to test the escaping.
pub fn template(data: &[u8]) {
    let (source, rest) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(source) = std::str::from_utf8(source) else { return };
    let value = serde_json::from_slice(rest)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(rest).into_owned()));
    let scope = scope(value);
    for context in CONTEXTS {
        let _ = template::check(source, context, true);
        let _ = template::render(source, context, &scope);
    }
    if let Ok(origin) = template::check_url(source, true)
        && let Ok(rendered) = template::render(source, Context::Url, &scope)
    {
        let url =
            url::Url::parse(&rendered).unwrap_or_else(|e| panic!("checked URL renders unparsable: {e}: {rendered}"));
        assert_eq!(url.origin().ascii_serialization(), origin, "a placeholder moved the request: {rendered}");
    }
    escaping(&scope);
}

/// What one placeholder writes, alone, in each context.
fn escaping(scope: &Scope) {
    let text = match &scope.data {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    if let Ok(url) = template::render("{{ data }}", Context::Url, scope) {
        assert!(url.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)), "URL escaping: {url}");
        let decoded: Vec<u8> = percent_encoding::percent_decode_str(&url).collect();
        assert_eq!(decoded, text.as_bytes(), "URL escaping round-trips");
    }
    if let Ok(form) = template::render("{{ data }}", Context::Form, scope) {
        let decoded: String =
            url::form_urlencoded::parse(format!("x={form}").as_bytes()).map(|(_, v)| v.into_owned()).collect();
        assert_eq!(decoded, text, "form escaping round-trips");
    }
    match template::render("{{ data }}", Context::Header, scope) {
        Ok(header) => assert!(!header.chars().any(|c| c.is_control() && c != '\t'), "header escaping: {header:?}"),
        Err(_) => {
            assert!(text.chars().any(|c| c.is_control() && c != '\t'), "a header refused without a control character")
        }
    }
    if let Ok(json) = template::render("{{ data }}", Context::Json, scope) {
        let back: serde_json::Value =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("JSON escaping: {e}: {json}"));
        assert_eq!(back, scope.data, "JSON placeholders carry the value unchanged");
    }
}

fn scope(data: serde_json::Value) -> Scope {
    let user = serde_json::json!({"id": "usr_1", "username": "sam@example.com", "metadata": {"plan": "pro"}});
    let credentials = BTreeMap::from([("apiKey".to_string(), "key-live-123".to_string())]);
    Scope { steps: vec![(Some("first".into()), data.clone())], data, user, credentials }
}
