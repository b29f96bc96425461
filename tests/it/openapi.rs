//! The OpenAPI document (`GET /openapi.json`, `docs/openapi.json`) and the router agree,
//! both ways: every route the source wires (`.route(..)` and `.nest(..)` under
//! `src/http/`) is documented with its methods, every documented operation is served by
//! the real server (not the router's "route not found" nor a 405), and every method a
//! documented path does not list answers 405 there, so a method added to a route
//! without its document entry fails here too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::TestApp;

/// `(METHOD, path)` with path parameters as the document writes them (`{name}`).
type Route = (String, String);

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "options"];

#[tokio::test]
async fn the_document_and_the_router_list_the_same_routes() {
    let app = TestApp::start().await;
    let response = app.client.get(format!("{}/openapi.json", app.url)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."), "{}", doc["openapi"]);
    let documented = documented(&doc);

    let wired = wired_routes();
    let undocumented: Vec<_> = wired.difference(&documented).collect();
    let unwired: Vec<_> = documented.difference(&wired).collect();
    assert!(undocumented.is_empty(), "routes the document lacks: {undocumented:?}");
    assert!(unwired.is_empty(), "documented operations no route wires: {unwired:?}");

    let mut by_path: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (method, path) in &documented {
        by_path.entry(path).or_default().insert(method);
    }
    for (path, methods) in by_path {
        let url = format!("{}{}", app.url, concrete(path));
        for method in METHODS {
            let response = app.client.request(method.to_uppercase().parse().unwrap(), &url).send().await.unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            let unrouted = status == StatusCode::NOT_FOUND && body["message"] == "route not found";
            if methods.contains(method) {
                assert!(!unrouted && status != StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: {status} {body}");
            } else {
                assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is served but not documented");
            }
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn the_document_is_served_under_no_version_and_api_paths_take_one() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    // The document names API paths without a version; a prefix reaches the same route.
    let (status, body) = app.call(Method::GET, "/2024-03/users", Some(&key), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let doc: Value = app.client.get(format!("{}/openapi.json", app.url)).send().await.unwrap().json().await.unwrap();
    assert!(doc["paths"]["/users"]["get"]["security"][0]["ApiKey"].is_array());
    assert!(doc["paths"]["/sdk/me"]["get"]["security"][0]["UserToken"].is_array());
    assert!(doc["components"]["schemas"]["Error"]["required"].as_array().unwrap().len() == 3);
    app.stop().await;
}

fn documented(doc: &Value) -> BTreeSet<Route> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(METHODS.contains(&method.as_str()), "{method} {path}");
            out.insert((method.clone(), path.clone()));
        }
    }
    out
}

/// A documented path with every parameter filled with a well-formed value.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg {
            "{env}" => "development",
            "{app_id}" => "1",
            s if s.starts_with('{') => "0123456789abcdef01234567",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every `(method, path)` the source wires under `src/http/`, read from its `.route(..)`
/// calls (a path constant is looked up) and `.nest(prefix, router)` calls.
fn wired_routes() -> BTreeSet<Route> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
    let mut files = Vec::new();
    collect(&root, &mut files);
    let sources: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    let global = constants(&sources);
    let mut out = BTreeSet::new();
    for source in &sources {
        // A file's own constant first: two files name different paths STYLESHEET_PATH.
        let mut constants = global.clone();
        constants.extend(self::constants(std::slice::from_ref(source)));
        // A router nested under a prefix: `let NAME = Router::new() ... ;` and `.nest("P", NAME)`.
        let mut nested: Vec<(usize, usize, String)> = Vec::new();
        for at in find_all(source, ".nest(") {
            let args = split_args(call_args(&source[at + ".nest".len()..]));
            let prefix = resolve(&args[0], &constants);
            let start = source.find(&format!("let {} = Router::new()", args[1].trim())).unwrap();
            let end = start + source[start..].find(';').unwrap();
            nested.push((start, end, prefix));
        }
        for at in find_all(source, ".route(") {
            let args = split_args(call_args(&source[at + ".route".len()..]));
            let mut path = resolve(&args[0], &constants);
            if let Some((_, _, prefix)) = nested.iter().find(|(s, e, _)| (*s..*e).contains(&at)) {
                path = format!("{prefix}{path}");
            }
            for method in methods_of(&args[1]) {
                out.insert((method, path.clone()));
            }
        }
    }
    out
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn find_all(text: &str, needle: &str) -> Vec<usize> {
    text.match_indices(needle).map(|(i, _)| i).collect()
}

/// The text inside the parentheses that open `text`.
fn call_args(text: &str) -> &str {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 1 => return &text[1..i],
            ')' => depth -= 1,
            _ => {}
        }
    }
    panic!("unbalanced call: {}", &text[..text.len().min(80)]);
}

/// Top-level comma-separated arguments.
fn split_args(args: &str) -> Vec<String> {
    let (mut out, mut depth, mut current) = (Vec::new(), 0, String::new());
    for c in args.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current);
    out
}

/// `get(a).post(b)`, `axum::routing::delete(c)`: the method functions called at the top.
fn methods_of(handler: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    for (i, c) in handler.char_indices() {
        match c {
            '(' if depth == 0 => {
                let head = &handler[..i];
                let name = head.rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("");
                assert!(METHODS.contains(&name), "unknown method router `{name}` in {handler}");
                out.push(name.to_owned());
                depth += 1;
            }
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
    }
    out
}

/// `pub const NAME: &str = "...";` in any of the sources.
fn constants(sources: &[String]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for source in sources {
        for line in source.lines() {
            let line = line.trim().trim_start_matches("pub ").trim_start_matches("pub(crate) ");
            if let Some(rest) = line.strip_prefix("const ")
                && let Some((name, value)) = rest.split_once(": &str = \"")
            {
                out.insert(name.to_owned(), value.trim_end_matches("\";").to_owned());
            }
        }
    }
    out
}

fn resolve(arg: &str, constants: &BTreeMap<String, String>) -> String {
    let arg = arg.trim();
    match arg.strip_prefix('"').and_then(|a| a.strip_suffix('"')) {
        Some(literal) => literal.to_owned(),
        None => constants.get(arg).unwrap_or_else(|| panic!("path constant `{arg}` not found")).clone(),
    }
}
