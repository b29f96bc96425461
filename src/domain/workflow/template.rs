//! Step templates: text with `{{ expression }}` placeholders over four names, `data`
//! (the trigger's data), `steps` (earlier steps' outputs, by index or name), `user`
//! and `credentials` (the installation's credential fields). Rendered by minijinja with
//! no loader (no file access), no `{% %}` blocks (no loops), strict undefined (a missing
//! value is an error, never an empty string) and a fuel limit.
//!
//! Each place a template is used escapes what a placeholder produces ([`Context`]): a
//! URL placeholder is percent-encoded, a header placeholder may never carry a line break
//! or other control character, a JSON body placeholder becomes a JSON value. The
//! literal text around placeholders is the definition author's and is checked at save time.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use minijinja::value::{Enumerator, Object, Serde};
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior, Value};

use super::MAX_TEMPLATE;

mod grammar;
pub use grammar::FILTERS;

/// The names a template may use.
pub const ROOTS: [&str; 4] = ["data", "steps", "user", "credentials"];

/// minijinja's fuel for one render: it bounds the work of filters and expressions and
/// what they build (about 64 bytes a unit). Placing a value costs fuel by its size
/// (a 1 MiB trigger body of small items in a JSON placeholder: about half of this), so
/// it leaves room for any body usher accepts; 50,000 failed at about 200 KB.
const FUEL: u64 = 1_000_000;

/// The most text one render may write through its placeholders. minijinja's fuel
/// bounds what the engine builds; this bounds what the placeholders write, which
/// minijinja leaves to the formatter (a lazily repeated list, `{{ 77777777 * [5] }}`,
/// costs one instruction and would otherwise serialize to hundreds of megabytes).
pub const MAX_RENDERED: usize = 8 * 1024 * 1024;

thread_local! {
    /// What the render running on this thread may still write (renders are synchronous).
    static LEFT: Cell<usize> = const { Cell::new(0) };
}

/// Where a rendered template goes, which decides how a placeholder is escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Percent-encoded (everything but `A-Z a-z 0-9 - . _ ~`).
    Url,
    /// As text; a control character (CR, LF, NUL, ...) is an error.
    Header,
    /// A JSON value: strings quoted and escaped, objects and lists as JSON.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// As text; objects and lists as JSON.
    Text,
}

const CONTEXTS: [Context; 5] = [Context::Url, Context::Header, Context::Json, Context::Form, Context::Text];

/// What placeholders can see, as JSON.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub data: serde_json::Value,
    /// Earlier steps' outputs in order, with their names.
    pub steps: Vec<(Option<String>, serde_json::Value)>,
    pub user: serde_json::Value,
    pub credentials: BTreeMap<String, String>,
}

impl Scope {
    /// The same scope with every credential value replaced by `[redacted]`: what the
    /// execution record is rendered from, so that no credential is ever stored.
    pub fn redacted(&self) -> Scope {
        let credentials = self.credentials.keys().map(|k| (k.clone(), REDACTED.to_string())).collect();
        Scope { credentials, ..self.clone() }
    }

    fn to_value(&self) -> Value {
        let steps: Vec<(Option<String>, Value)> =
            self.steps.iter().map(|(name, out)| (name.clone(), Value::from(Serde(out)))).collect();
        minijinja::context! {
            data => Value::from(Serde(&self.data)),
            steps => Value::from_object(Steps(steps)),
            user => Value::from(Serde(&self.user)),
            credentials => Value::from(Serde(&self.credentials)),
        }
    }
}

/// How a credential value appears in every record.
pub const REDACTED: &str = "[redacted]";

/// Earlier outputs: `steps[0]` by position, `steps.fetchOrder` by name.
#[derive(Debug)]
struct Steps(Vec<(Option<String>, Value)>);

impl Object for Steps {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        if let Some(i) = key.as_usize() {
            return self.0.get(i).map(|(_, v)| v.clone());
        }
        let name = key.as_str()?;
        self.0.iter().find(|(n, _)| n.as_deref() == Some(name)).map(|(_, v)| v.clone())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::NonEnumerable
    }
}

fn environment(context: Context) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env.set_formatter(move |out, _state, value| {
        let left = LEFT.get();
        let text = escape(context, value, left)?;
        LEFT.set(left.saturating_sub(text.len()));
        out.write_str(&text).map_err(|_| Error::new(ErrorKind::WriteFailure, "cannot write the output"))
    });
    env
}

fn env(context: Context) -> &'static Environment<'static> {
    static ENVS: OnceLock<[Environment<'static>; 5]> = OnceLock::new();
    let envs = ENVS.get_or_init(|| CONTEXTS.map(environment));
    let i = CONTEXTS.iter().position(|c| *c == context).unwrap_or(4);
    &envs[i]
}

/// What one placeholder writes in `context`: at most `left` bytes.
fn escape(context: Context, value: &Value, left: usize) -> Result<String, Error> {
    if value.is_undefined() {
        return Err(Error::new(ErrorKind::UndefinedError, "a placeholder's value is missing"));
    }
    if context == Context::Json {
        return json(value, left);
    }
    let text = match value.as_str() {
        Some(s) if s.len() > left => return Err(too_large()),
        Some(s) => s.to_string(),
        None if value.is_none() => String::new(),
        None => json(value, left)?,
    };
    let text = match context {
        Context::Url => percent_encode(&text),
        Context::Form => url::form_urlencoded::byte_serialize(text.as_bytes()).collect(),
        Context::Header if text.chars().any(|c| c.is_control() && c != '\t') => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "a header value may not contain a line break or control character",
            ));
        }
        _ => text,
    };
    if text.len() > left {
        return Err(too_large());
    }
    Ok(text)
}

fn too_large() -> Error {
    Error::new(ErrorKind::InvalidOperation, format!("renders to more than {} MiB", MAX_RENDERED >> 20))
}

/// `value` as JSON in at most `limit` bytes: the writing stops at the limit, so a
/// huge value never materialises.
fn json(value: &Value, limit: usize) -> Result<String, Error> {
    let mut out = Capped { buf: Vec::new(), limit, over: false };
    match serde_json::to_writer(&mut out, value) {
        Ok(()) => String::from_utf8(out.buf).map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string())),
        Err(_) if out.over => Err(too_large()),
        Err(e) => Err(Error::new(ErrorKind::BadSerialization, format!("not JSON: {e}"))),
    }
}

/// A byte buffer that refuses to grow past its limit.
struct Capped {
    buf: Vec<u8>,
    limit: usize,
    over: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.buf.len().saturating_add(bytes.len()) > self.limit {
            self.over = true;
            return Err(std::io::Error::other("over the limit"));
        }
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Percent-encodes everything but the unreserved characters of RFC 3986.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Checks a template at save time: its size, that it has placeholders only (no
/// blocks, no comments), that it parses, and that it uses only the known names
/// (`credentials` only where `allow_credentials`). A JSON template must also make JSON
/// whatever its placeholders produce.
pub fn check(source: &str, context: Context, allow_credentials: bool) -> Result<(), String> {
    if source.len() > MAX_TEMPLATE {
        return Err(format!("is longer than {MAX_TEMPLATE} bytes"));
    }
    if source.contains("{%") || source.contains("{#") {
        return Err("may hold placeholders only ({{ ... }}; no {% %} blocks or {# #} comments)".into());
    }
    grammar::check(source)?;
    let template = env(context).template_from_str(source).map_err(|e| parse_error(&e))?;
    let mut names: Vec<String> = template.undeclared_variables(false).into_iter().collect();
    names.sort();
    for name in names {
        if !ROOTS.contains(&name.as_str()) {
            return Err(format!("uses `{name}`; placeholders may use data, steps, user and credentials"));
        }
        if name == "credentials" && !allow_credentials {
            return Err("may not use credentials: their values never leave for the customer".into());
        }
    }
    if context == Context::Json {
        check_json_shape(source)?;
    }
    Ok(())
}

fn parse_error(e: &Error) -> String {
    let detail = e.detail().map_or_else(|| e.kind().to_string(), str::to_string);
    match e.line() {
        Some(line) => format!("does not parse: {detail} (line {line})"),
        None => format!("does not parse: {detail}"),
    }
}

/// A JSON template must be JSON once each placeholder is a value: rendered with every
/// placeholder as a string, the text must parse. A placeholder inside quotes fails this.
fn check_json_shape(source: &str) -> Result<(), String> {
    static LENIENT: OnceLock<Environment<'static>> = OnceLock::new();
    let env = LENIENT.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        env.set_fuel(Some(FUEL));
        env.set_formatter(|out, _, _| out.write_str("\"s\"").map_err(|_| Error::from(ErrorKind::WriteFailure)));
        env
    });
    // A render that fails here (a filter that needs a real value) cannot be judged now;
    // the run-time check of the rendered body still applies.
    let Ok(text) = env.render_str(source, Value::UNDEFINED) else { return Ok(()) };
    serde_json::from_str::<serde_json::Value>(&text).map(|_| ()).map_err(|_| {
        "is not JSON: write it as JSON with bare placeholders, which become JSON values \
         (e.g. {\"id\": {{ data.orderId }}}, not \"{{ data.orderId }}\")"
            .to_string()
    })
}

/// Checks a URL template: a template (see [`check`]) whose text up to the first
/// placeholder holds a whole http(s) origin followed by `/` or `?`, so no placeholder
/// can change where the request goes.
pub fn check_url(source: &str, allow_credentials: bool) -> Result<String, String> {
    check(source, Context::Url, allow_credentials)?;
    let fixed = source.find("{{").map_or(source, |p| &source[..p]);
    let bad = || "must start with a fixed http:// or https:// origin and a `/` before any placeholder".to_string();
    let lower = fixed.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")).ok_or_else(bad)?;
    let end = rest.find(['/', '?', '#']);
    let authority = match end {
        Some(i) => &rest[..i],
        None if fixed.len() == source.len() => rest,
        None => return Err(bad()),
    };
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return Err(bad());
    }
    let scheme = if lower.starts_with("https://") { "https" } else { "http" };
    let origin = url::Url::parse(&format!("{scheme}://{authority}/")).map_err(|_| bad())?;
    if origin.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    Ok(origin.origin().ascii_serialization())
}

/// Renders `source` for `context`. Its placeholders are checked again (a definition
/// saved by an earlier version may hold what is now refused). The error says what
/// went wrong in words for the execution log: which value is missing, what did not parse.
pub fn render(source: &str, context: Context, scope: &Scope) -> Result<String, String> {
    grammar::check(source)?;
    let env = env(context);
    let template = env.template_from_str(source).map_err(|e| parse_error(&e))?;
    LEFT.set(MAX_RENDERED);
    template.render(scope.to_value()).map_err(|e| match e.kind() {
        ErrorKind::UndefinedError => match missing_path(&template.undeclared_variables(true), scope) {
            Some(path) => format!("`{path}` is missing"),
            None => "a placeholder refers to a value that is missing".to_string(),
        },
        ErrorKind::OutOfFuel => "the template takes too much work to render".to_string(),
        _ => e.detail().map_or_else(|| e.to_string(), str::to_string),
    })
}

/// The first dotted path a template uses that the scope does not have.
fn missing_path(paths: &std::collections::HashSet<String>, scope: &Scope) -> Option<String> {
    let mut paths: Vec<&String> = paths.iter().collect();
    paths.sort();
    let credentials = serde_json::to_value(&scope.credentials).unwrap_or_default();
    paths
        .into_iter()
        .find(|path| {
            let mut parts = path.split('.');
            let mut at = match parts.next() {
                Some("data") => &scope.data,
                Some("user") => &scope.user,
                Some("credentials") => &credentials,
                _ => return false,
            };
            for part in parts {
                match at.get(part) {
                    Some(next) => at = next,
                    None => return true,
                }
            }
            false
        })
        .cloned()
}

#[cfg(test)]
mod tests;
