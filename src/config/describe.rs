//! Messages for configuration values that do not fit their key: the key, the value as
//! the operator wrote it, and what would fit, in words ("a whole number"), never the
//! program's type names ("usize"); and where the value came from.

use figment::error::{Actual, Kind};

/// One line per problem, joined.
pub(super) fn describe(error: figment::Error) -> String {
    error.into_iter().map(|e| one(&e)).collect::<Vec<_>>().join("; ")
}

fn one(e: &figment::Error) -> String {
    // Without list positions (`.0`): the value shows which entry it is.
    let key = e.path.iter().map(String::as_str).filter(|p| !p.bytes().all(|b| b.is_ascii_digit())).collect::<Vec<_>>();
    let key = key.join(".");
    let source = source(e);
    let (value, why) = match &e.kind {
        Kind::InvalidType(actual, expected) | Kind::InvalidValue(actual, expected) => {
            (Some(value_of(actual)), format!("expected {}", in_words(expected)))
        }
        Kind::UnknownVariant(found, expected) => {
            (Some(found.clone()), format!("expected one of: {}", expected.join(", ")))
        }
        Kind::UnknownField(field, _) => {
            let full = if key.ends_with(field.as_str()) { key.clone() } else { format!("{key}.{field}") };
            return format!("unknown configuration key `{full}`{source}");
        }
        Kind::MissingField(field) => return format!("configuration key `{key}.{field}` is missing{source}"),
        Kind::InvalidLength(n, expected) => (Some(format!("{n} items")), format!("expected {}", in_words(expected))),
        // Our own parsers' messages (durations) already name the value.
        Kind::Message(message) => (None, message.clone()),
        other => (None, other.to_string()),
    };
    let subject = if key.is_empty() { "configuration".to_string() } else { format!("configuration key `{key}`") };
    match value {
        Some(value) => format!("{subject} = `{value}`: {why}{source}"),
        None => format!("{subject}: {why}{source}"),
    }
}

/// The value as written, without its type.
fn value_of(actual: &Actual) -> String {
    match actual {
        Actual::Bool(v) => v.to_string(),
        Actual::Unsigned(v) => v.to_string(),
        Actual::Signed(v) => v.to_string(),
        Actual::Float(v) => v.to_string(),
        Actual::Char(v) => v.to_string(),
        Actual::Str(v) => v.clone(),
        Actual::Seq => "a list".into(),
        Actual::Map => "a table".into(),
        other => other.to_string(),
    }
}

/// serde's expectation in words.
fn in_words(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number, 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a string" => "text (in quotes in a file)".into(),
        "a boolean" => "true or false".into(),
        "a sequence" => "a list, e.g. [\"a\", \"b\"]".into(),
        other => other.trim_matches('`').replace("``", "`"),
    }
}

/// " (in FILE)", " (from environment variable USHER_X__Y)", " (from --listen)": the
/// layers above the files name themselves (`layers::Setting`).
fn source(e: &figment::Error) -> String {
    let Some(metadata) = &e.metadata else { return String::new() };
    match &metadata.source {
        Some(figment::Source::File(path)) => format!(" (in {})", path.display()),
        _ => format!(" (from {})", metadata.name),
    }
}
