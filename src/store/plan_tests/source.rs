//! The source check behind the registry: the statement methods already take only a
//! registered `Sql`, and this reads `src/store/` so that SQL cannot reach SQLite another
//! way either. Outside tests, a string literal that is a query (SELECT, INSERT, UPDATE,
//! DELETE, REPLACE, WITH, VALUES) may appear only inside a `queries!` block or a
//! fragment `macro_rules!` (which only `concat!` in a registered statement can use),
//! `Sql::registered` only in the registering macros, and every module with a
//! `queries!` block must be on `registry::all`'s list.

use std::path::{Path, PathBuf};

/// Files that hold SQL on purpose, outside the registry, and why.
const EXEMPT: &[(&str, &str)] = &[
    ("migrate.rs", "schema upgrades: run once per database, not queries"),
    (
        "backup.rs",
        "checks a backup or restore file on its own connection (catalog lookups, PRAGMAs) before it is the database",
    ),
];

const VERBS: &[&str] = &["SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH", "VALUES"];

/// A string literal of a source file: where it starts and its text.
struct Literal {
    at: usize,
    text: String,
}

/// The string literals of Rust source, comments and char literals skipped.
fn literals(src: &str) -> Vec<Literal> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => i = src[i..].find('\n').map_or(b.len(), |n| i + n),
            b'/' if b.get(i + 1) == Some(&b'*') => i = src[i..].find("*/").map_or(b.len(), |n| i + n + 2),
            b'\'' if b.get(i + 1) == Some(&b'\\') => i = src[i + 2..].find('\'').map_or(b.len(), |n| i + n + 3),
            b'\'' if b.get(i + 2) == Some(&b'\'') => i += 3,
            b'r' if (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#')) && !ident_before(b, i) => {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                let open = i + 1 + hashes;
                if b.get(open) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let end = src[open + 1..].find(&close).map_or(b.len(), |n| open + 1 + n);
                out.push(Literal { at: i, text: src[open + 1..end].to_string() });
                i = end + close.len();
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                out.push(Literal { at: i, text: src[i + 1..j.min(b.len())].to_string() });
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn ident_before(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

/// The byte ranges of every `<opening>` ... matching `}` block (e.g. `queries! {`).
fn blocks(src: &str, opening: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = src[from..].find(opening) {
        let start = from + found;
        let Some(brace) = src[start..].find('{').map(|n| start + n) else { break };
        let mut depth = 0;
        let mut end = src.len();
        for (n, c) in src[brace..].char_indices() {
            depth += match c {
                '{' => 1,
                '}' => -1,
                _ => 0,
            };
            if depth == 0 {
                end = brace + n;
                break;
            }
        }
        out.push((start, end));
        from = end.max(start + 1);
    }
    out
}

/// The source without its test modules (`#[cfg(test)] mod x { ... }`).
fn without_tests(src: &str) -> String {
    const GATE: &str = "#[cfg(test)]";
    let mut out = src.to_string();
    let mut from = 0;
    while let Some(n) = out[from..].find(GATE) {
        let start = from + n;
        let rest = out[start + GATE.len()..].trim_start();
        let inline = rest.starts_with("mod ")
            && match (rest.find('{'), rest.find(';')) {
                (Some(brace), Some(semi)) => brace < semi,
                (Some(_), None) => true,
                _ => false,
            };
        match blocks(&out[start..], GATE).first() {
            Some(&(_, end)) if inline => out.replace_range(start..(start + end + 1).min(out.len()), ""),
            _ => from = start + 1,
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `usher::store::users` for `src/store/users.rs` (and `.../x/mod.rs` for `x`).
fn module_path(root: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(root).unwrap().with_extension("");
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    format!("usher::store::{}", parts.join("::"))
}

/// Problems in one file of the store (test code already removed).
fn check_file(name: &str, src: &str) -> Vec<String> {
    let line = |at: usize| src[..at].matches('\n').count() + 1;
    let mut registered = blocks(src, "queries! {");
    let fragments = blocks(src, "macro_rules! ");
    registered.extend(fragments.iter().copied());
    let inside = |at: usize| registered.iter().any(|(s, e)| (*s..*e).contains(&at));
    let mut problems = Vec::new();
    for lit in literals(src) {
        let first = lit.text.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        if VERBS.contains(&first.as_str()) && !inside(lit.at) {
            problems.push(format!("{name}:{}: SQL outside a `queries!` block: {:.60}", line(lit.at), lit.text.trim()));
        }
    }
    let mut from = 0;
    while let Some(n) = src[from..].find("Sql::registered(") {
        let at = from + n;
        if !fragments.iter().any(|(s, e)| (*s..*e).contains(&at)) {
            problems.push(format!("{name}:{}: a statement registered by hand, outside the macros", line(at)));
        }
        from = at + 1;
    }
    problems
}

#[test]
fn no_sql_escapes_the_registry() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let registered: Vec<&str> = super::super::registry::all().iter().map(|q| q.name()).collect();
    let mut problems = Vec::new();
    for file in files {
        let name = file.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
        if name.ends_with("tests.rs") || name.starts_with("plan_tests") || EXEMPT.iter().any(|(f, _)| *f == name) {
            continue;
        }
        let src = without_tests(&std::fs::read_to_string(&file).unwrap());
        problems.extend(check_file(&name, &src));
        let module = format!("{}::", module_path(&root, &file));
        // (registry.rs defines the macro; its `queries! {` is the doc's example.)
        if src.contains("queries! {") && name != "registry.rs" && !registered.iter().any(|q| q.starts_with(&module)) {
            problems.push(format!("{name}: its `QUERIES` is not on the list in registry::all"));
        }
    }
    assert!(problems.is_empty(), "SQL outside the registry:\n{}", problems.join("\n"));
}

#[test]
fn the_check_sees_sql_added_the_old_way() {
    let old = r#"
        pub fn page(conn: &Db<'_>) -> StoreResult<()> {
            conn.prepare_cached("SELECT id FROM users ORDER BY id")?; // "not SQL"
            let c = '"';
            conn.prepare_cached(&format!("DELETE FROM {TABLE}"))?;
            let s = Sql::registered("x", r"UPDATE users SET a = 1");
        }
        super::queries! { FINE = "SELECT 1"; }
        macro_rules! fragment { () => { "SELECT a FROM b" }; }
        #[cfg(test)]
        mod tests { fn t() { conn.execute("INSERT INTO t VALUES (1)", []); } }
    "#;
    let problems = check_file("old.rs", &without_tests(old));
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(problems[0].contains("old.rs:3: SQL outside") && problems[0].contains("SELECT id FROM users"));
    assert!(problems[1].contains("DELETE FROM") && problems[2].contains("UPDATE users"));
    assert!(problems[3].contains("registered by hand"));
}
