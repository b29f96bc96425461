//! Reading a plan: which table a step reads, and whether it reads more than the
//! statement returns.

use std::collections::HashMap;

use super::stats;

/// Names a statement's `FROM`/`JOIN`/`UPDATE`/`INTO` clauses give tables: alias or
/// table name -> table name (plan lines say `SCAN d` for `FROM deliveries d`).
pub(super) fn table_names(sql: &str) -> HashMap<String, String> {
    const NOT_ALIASES: &[&str] = &[
        "WHERE",
        "JOIN",
        "LEFT",
        "RIGHT",
        "FULL",
        "INNER",
        "OUTER",
        "CROSS",
        "NATURAL",
        "ON",
        "USING",
        "ORDER",
        "GROUP",
        "LIMIT",
        "SET",
        "VALUES",
        "WINDOW",
        "HAVING",
        "UNION",
        "EXCEPT",
        "INTERSECT",
        "INDEXED",
        "NOT",
        "RETURNING",
        "DEFAULT",
        "SELECT",
        "AS",
    ];
    let words = words(sql);
    let mut names = HashMap::new();
    for (i, word) in words.iter().enumerate() {
        if !["FROM", "JOIN", "UPDATE", "INTO"].contains(&word.to_ascii_uppercase().as_str()) {
            continue;
        }
        let Some(table) = words.get(i + 1).filter(|w| !w.starts_with('(')) else { continue };
        names.insert(table.to_string(), table.to_string());
        let mut next = words.get(i + 2).copied();
        if next.is_some_and(|w| w.eq_ignore_ascii_case("AS")) {
            next = words.get(i + 3).copied();
        }
        if let Some(alias) =
            next.filter(|w| !w.starts_with('(') && !NOT_ALIASES.contains(&w.to_ascii_uppercase().as_str()))
        {
            names.insert(alias.to_string(), table.to_string());
        }
    }
    names
}

/// The identifiers and opening parentheses of a statement, string literals left out.
fn words(sql: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut chars = sql.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            while chars.next().is_some_and(|(_, c)| c != '\'') {}
        } else if c == '(' {
            out.push(&sql[i..=i]);
        } else if c.is_alphanumeric() || c == '_' {
            let mut end = i + c.len_utf8();
            while let Some(&(j, c)) = chars.peek().filter(|(_, c)| c.is_alphanumeric() || *c == '_') {
                end = j + c.len_utf8();
                chars.next();
            }
            out.push(&sql[i..end]);
        }
    }
    out
}

/// The columns a statement compares to a parameter (`[alias.]column = ?N`), with the
/// alias or table they are qualified by; a `+column` (kept off indexes on purpose) is not one.
fn equalities(sql: &str) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(n) = sql[from..].find("= ?") {
        let at = from + n;
        from = at + 1;
        let before = sql[..at].trim_end();
        let start = before.rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).map_or(0, |i| i + 1);
        let term = &before[start..];
        // `>= ?` and `<= ?` are ranges; `+column = ?` is kept off indexes on purpose.
        if term.is_empty() || before[..start].ends_with('+') {
            continue;
        }
        match term.split_once('.') {
            Some((qualifier, column)) => out.push((Some(qualifier.to_string()), column.to_string())),
            None => out.push((None, term.to_string())),
        }
    }
    out
}

/// What is wrong with one plan step, if anything.
pub(super) fn judge(step: &str, names: &HashMap<String, String>, sql: &str) -> Option<String> {
    let detail = step.rsplit(" > ").next().unwrap_or(step);
    if detail.contains("TEMP B-TREE") {
        return Some("sorts or groups every matching row in a temporary b-tree".into());
    }
    if detail.contains("AUTOMATIC") {
        return Some("builds a temporary index, reading the whole table, on every run".into());
    }
    let (verb, rest) = detail.split_once(' ')?;
    if verb != "SCAN" && verb != "SEARCH" {
        return None;
    }
    let name = rest.split(' ').next().unwrap_or(rest);
    // An alias of the statement, or a table by name (the lookups foreign keys make
    // when a parent row is deleted are planned under the DELETE with their table's name).
    let table = names.get(name).map_or(name, String::as_str);
    let Some(table) = stats::table(table) else {
        let harmless = name.starts_with('(') || ["CONSTANT", "json_each"].contains(&name);
        return (!harmless).then(|| format!("reads `{name}`, which is not a table of stats.rs"));
    };
    if table.small.is_some() {
        return None;
    }
    if verb == "SCAN" {
        return Some(format!("reads all of {}, which grows", table.name));
    }
    // `SEARCH t USING INDEX i (a=? AND (b,c)<(?,?))`: the constraints follow the first ` (`.
    let constraints = detail.split_once(" (").map_or("", |(_, t)| t.strip_suffix(')').unwrap_or(t));
    let terms: Vec<&str> = constraints.split(" AND ").collect();
    let distinct = |column: &str| table.distinct.iter().find(|(c, _)| *c == column).map(|(_, d)| *d);
    let few_values = |column: &str| distinct(column).is_some_and(|d| d <= 4.0);
    if terms.iter().all(|t| t.strip_suffix("=?").is_some_and(few_values)) {
        return Some(format!(
            "reads all of {} of one environment (or status): nothing selective narrows it",
            table.name
        ));
    }
    // The rows the seek leaves, by the model: a walk of a wide slice (an environment, an
    // endpoint's deliveries) is bounded by the LIMIT only if it returns every row it reads.
    let equal: Vec<&str> = terms.iter().filter_map(|t| t.strip_suffix("=?")).collect();
    let slice = equal.iter().fold(table.rows, |rows, c| rows / distinct(c).unwrap_or(1.0));
    if slice <= WIDE_SLICE {
        return None;
    }
    // A column names this table by its qualifier, or unqualified in a statement that
    // names the table (a foreign key's lookup, under a DELETE of the parent, is not one).
    let this = |qualifier: &Option<String>| match qualifier {
        Some(q) => names.get(q).map_or(q.as_str(), String::as_str) == table.name,
        None => names.values().any(|t| t == table.name),
    };
    let skipped: Vec<String> = equalities(sql)
        .into_iter()
        .filter(|(q, column)| this(q) && distinct(column).is_some() && !equal.contains(&column.as_str()))
        .map(|(_, column)| column)
        .collect();
    (!skipped.is_empty()).then(|| {
        format!("walks ~{slice} rows of {}, testing {} on each instead of seeking it", table.name, skipped.join(", "))
    })
}

/// Rows of one seek beyond which a statement must not filter them one by one.
const WIDE_SLICE: f64 = 1000.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equalities_are_the_parameter_comparisons_not_kept_off_indexes() {
        let found =
            equalities("SELECT 1 FROM a d WHERE d.user_id = ?2 AND +environment = ?1 AND status = ?3 AND at >= ?4");
        assert_eq!(found, vec![(Some("d".to_string()), "user_id".to_string()), (None, "status".to_string())]);
    }

    #[test]
    fn table_names_resolve_aliases() {
        let names = table_names(
            "SELECT d.id FROM deliveries d JOIN webhook_endpoints AS e ON e.id = d.endpoint_id
             LEFT JOIN outbox_messages m ON m.id = d.message_id WHERE EXISTS (SELECT 1 FROM json_each(e.events))",
        );
        assert_eq!(names.get("d").map(String::as_str), Some("deliveries"));
        assert_eq!(names.get("e").map(String::as_str), Some("webhook_endpoints"));
        assert_eq!(names.get("m").map(String::as_str), Some("outbox_messages"));
        assert_eq!(names.get("outbox_messages").map(String::as_str), Some("outbox_messages"));
        assert!(!names.contains_key("WHERE"));
    }
}
