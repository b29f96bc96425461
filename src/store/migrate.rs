//! Schema versions: `schema.sql` creates a new database at the current version; older
//! databases are brought forward step by step; a newer database is refused.

use rusqlite::Connection;

use super::StoreError;

/// The whole current schema, applied to an empty database.
const SCHEMA: &str = include_str!("../../schema.sql");

/// The version `schema.sql` describes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 2;

/// Forward steps: `UPGRADES[i]` takes a database from version `i + 1` to `i + 2`.
/// Append only; never edit a step that has shipped. Steps may call the SQL functions
/// [`register_functions`] adds.
const UPGRADES: &[&str] = &[
    // 1 -> 2 (issue 14): usernames in NFC, as `Username::parse` now stores them. A name
    // whose NFC form another user of its environment already has is left as it is
    // (OR IGNORE skips that row) and reported by `report_usernames`; lookups find it by
    // its exact text.
    "UPDATE OR IGNORE users SET username = usher_nfc(username) WHERE username <> usher_nfc(username);",
];

/// The version whose upgrade normalised usernames; older databases are reported on.
const NFC_USERNAMES: i64 = 2;

pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { found, supported: SCHEMA_VERSION });
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Another process may have migrated while we waited for the lock.
    let found: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found == 0 {
        tx.execute_batch(SCHEMA)?;
    } else {
        register_functions(&tx)?;
        for step in UPGRADES.iter().skip((found - 1).max(0) as usize) {
            tx.execute_batch(step)?;
        }
        if found < NFC_USERNAMES {
            report_usernames(&tx)?;
        }
    }
    tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"))?;
    tx.commit()?;
    Ok(())
}

/// `usher_nfc(text)`: the text in NFC; `usher_invisible(text)`: whether it holds a
/// character usernames may no longer contain.
fn register_functions(conn: &Connection) -> Result<(), StoreError> {
    use rusqlite::functions::FunctionFlags;
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("usher_nfc", 1, flags, |ctx| Ok(crate::domain::user::nfc(&ctx.get::<String>(0)?)))?;
    conn.create_scalar_function("usher_invisible", 1, flags, |ctx| {
        Ok(ctx.get::<String>(0)?.chars().any(crate::domain::text::is_invisible))
    })?;
    Ok(())
}

/// Logs the users whose stored name the rules of today would refuse or store otherwise
/// (by id: a username is personal data). They keep working; an operator may delete or
/// recreate them.
fn report_usernames(conn: &Connection) -> Result<(), StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id FROM users WHERE username <> usher_nfc(username) OR usher_invisible(username) ORDER BY id",
    )?;
    let ids: Vec<String> = stmt.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
    if !ids.is_empty() {
        tracing::warn!(
            count = ids.len(),
            user_ids = %ids.iter().take(50).cloned().collect::<Vec<_>>().join(","),
            "usernames kept as they were stored: not in NFC with the NFC form taken, or holding invisible \
             characters; they are found by id or exact text, and new users can no longer be named so"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_database_gets_current_version_and_newer_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        migrate(&mut conn).unwrap();
        conn.execute_batch("PRAGMA user_version = 99").unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(err.to_string().contains("newer usher"), "{err}");
    }

    #[test]
    fn version_1_usernames_become_nfc_unless_the_nfc_form_is_taken() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let insert = "INSERT INTO users (id, environment, username, created_at, updated_at) VALUES (?1, ?2, ?3, 0, 0)";
        for (id, env, name) in [
            ("a1", "development", "Zoe\u{0308}"),
            ("a2", "development", "Rene\u{0301}"),
            ("a3", "development", "Ren\u{00E9}"),
            ("a4", "production", "Rene\u{0301}"),
            ("a5", "development", "x\u{200B}y"),
        ] {
            conn.execute(insert, rusqlite::params![id, env, name]).unwrap();
        }
        conn.execute_batch("PRAGMA user_version = 1").unwrap();
        migrate(&mut conn).unwrap();
        let name = |id: &str| -> String {
            conn.query_row("SELECT username FROM users WHERE id = ?1", [id], |r| r.get(0)).unwrap()
        };
        assert_eq!(name("a1"), "Zo\u{00EB}");
        assert_eq!(name("a2"), "Rene\u{0301}", "its NFC form is taken in its environment");
        assert_eq!(name("a3"), "Ren\u{00E9}");
        assert_eq!(name("a4"), "Ren\u{00E9}", "free in its own environment");
        assert_eq!(name("a5"), "x\u{200B}y", "kept (reported)");
    }

    #[test]
    fn upgrades_cover_every_version() {
        assert_eq!(UPGRADES.len() as i64, SCHEMA_VERSION - 1);
    }
}
