//! The state a test checks, read straight from the database file by name: counts of
//! what exists, the payloads of events and the details of audit entries. Tests prove
//! "nothing changed" with these (and with snapshots built from them), so every SQL
//! string of the tests lives here, beside its name.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Columns that any authenticated request may write, refused or not: an API key's last
/// use (written in the background, at most once a minute). `DbFile::everything` blanks
/// them, so "nothing changed" compares the state a refusal could have corrupted.
const BOOKKEEPING: &[(&str, &str)] = &[("api_keys", "last_used_at")];

/// A column value as readable text (blobs in hex), for comparing and for failure messages.
fn shown(value: rusqlite::types::ValueRef<'_>) -> String {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(x) => x.to_string(),
        ValueRef::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => format!("x'{}'", hex::encode(b)),
    }
}

/// The database file of a data directory (the running server keeps writing it: reads
/// here see what has committed).
pub struct DbFile {
    path: PathBuf,
}

impl DbFile {
    pub fn at(dir: &Path) -> DbFile {
        DbFile { path: dir.join("usher.db") }
    }

    /// A database file by its own path (a backup, for instance).
    pub fn file(path: &Path) -> DbFile {
        DbFile { path: path.to_path_buf() }
    }

    pub(super) fn conn(&self) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open(&self.path).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
        conn
    }

    pub(super) fn count(&self, sql: &str, params: impl rusqlite::Params) -> i64 {
        self.conn().query_row(&format!("SELECT count(*) FROM {sql}"), params, |r| r.get(0)).unwrap()
    }

    pub(super) fn texts(&self, sql: &str, params: impl rusqlite::Params) -> Vec<String> {
        let conn = self.conn();
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map(params, |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect()
    }

    fn json(&self, sql: &str, params: impl rusqlite::Params) -> Vec<Value> {
        self.texts(sql, params).iter().map(|t| serde_json::from_str(t).unwrap()).collect()
    }

    /// Every row of every table, as text (the `readiness` probe row aside: health checks
    /// write it; [`BOOKKEEPING`] columns blanked). Equal before and after a refused
    /// request: nothing changed at all.
    pub fn everything(&self) -> BTreeMap<String, Vec<Vec<String>>> {
        let conn = self.conn();
        let tables = {
            let sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'readiness'";
            let mut stmt = conn.prepare(sql).unwrap();
            let names = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
            names.map(Result::unwrap).collect::<Vec<_>>()
        };
        let mut out = BTreeMap::new();
        for table in tables {
            // Sorted here: some tables are WITHOUT ROWID.
            let mut stmt = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
            let width = stmt.column_count();
            let rows = stmt
                .query_map([], |r| (0..width).map(|i| r.get_ref(i).map(shown)).collect::<Result<Vec<_>, _>>())
                .unwrap();
            let mut rows: Vec<Vec<String>> = rows.map(Result::unwrap).collect();
            for (i, name) in stmt.column_names().iter().enumerate() {
                if BOOKKEEPING.contains(&(table.as_str(), *name)) {
                    rows.iter_mut().for_each(|row| row[i] = "(bookkeeping)".into());
                }
            }
            rows.sort();
            out.insert(table, rows);
        }
        out
    }

    /// (table, column) of every BLOB column of the schema, as the database declares it.
    pub fn blob_columns(&self) -> Vec<(String, String)> {
        let sql = "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
                   WHERE m.type = 'table' AND upper(p.type) = 'BLOB' ORDER BY m.name, p.cid";
        let conn = self.conn();
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    }

    // End users and their sessions.
    pub fn users(&self) -> i64 {
        self.count("users", [])
    }
    pub fn users_named(&self, username: &str) -> i64 {
        self.count("users WHERE username = ?1", [username])
    }
    pub fn users_with_phone(&self, phone: Option<&str>) -> i64 {
        self.count("users WHERE phone IS ?1", [phone])
    }
    pub fn sessions(&self) -> i64 {
        self.count("sessions", [])
    }
    /// Sessions whose stored hash contains `text` (a cookie value must never be stored).
    pub fn sessions_containing(&self, text: &str) -> i64 {
        self.count("sessions WHERE instr(CAST(token_hash AS TEXT), ?1) > 0", [text])
    }
    pub fn session_users(&self) -> Vec<String> {
        self.texts("SELECT user_id FROM sessions", [])
    }

    // The catalog and what installing made.
    pub fn integrations(&self) -> i64 {
        self.count("integrations", [])
    }
    pub fn parent_workflows(&self) -> i64 {
        self.count("parent_workflows", [])
    }
    pub fn installations(&self) -> i64 {
        self.count("installations", [])
    }
    pub fn credentials(&self) -> i64 {
        self.count("credentials", [])
    }
    pub fn credentials_of(&self, user_id: &str) -> i64 {
        self.count("credentials WHERE user_id = ?1", [user_id])
    }
    pub fn workflows(&self) -> i64 {
        self.count("workflows", [])
    }
    pub fn workflows_of(&self, user_id: &str) -> i64 {
        self.count("workflows WHERE user_id = ?1", [user_id])
    }
    pub fn inactive_workflows(&self) -> i64 {
        self.count("workflows WHERE active = 0", [])
    }
    pub fn headless_installations(&self) -> i64 {
        self.count("headless_installations", [])
    }
    pub fn completed_headless(&self) -> i64 {
        self.count("headless_installations WHERE completed_at IS NOT NULL", [])
    }
    pub fn install_links(&self) -> i64 {
        self.count("install_links", [])
    }
    /// (id, expires_at, used_at) of every install link, oldest first.
    pub fn links(&self) -> Vec<(String, i64, Option<i64>)> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, expires_at, used_at FROM install_links ORDER BY rowid").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    }
    pub fn used_links(&self) -> i64 {
        self.count("install_links WHERE used_at IS NOT NULL", [])
    }
    pub fn links_with_user(&self) -> i64 {
        self.count("install_links WHERE user_id IS NOT NULL", [])
    }
    pub fn links_without_user(&self) -> i64 {
        self.count("install_links WHERE user_id IS NULL", [])
    }
    /// Credentials whose sealed blob contains `text` (it must never: values are encrypted).
    pub fn credentials_containing(&self, text: &str) -> i64 {
        self.count("credentials WHERE instr(sealed, CAST(?1 AS BLOB)) > 0", [text])
    }
    /// Every credential's id and sealed blob.
    pub fn sealed_credentials(&self) -> Vec<(String, Vec<u8>)> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, sealed FROM credentials").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    }
    /// The blobs of one sealed column (`table`, `column` from the sealed-column registry).
    pub fn sealed_blobs(&self, table: &str, column: &str) -> Vec<Vec<u8>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {column} FROM {table} WHERE {column} IS NOT NULL")).unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    // SmartLink.
    pub fn smartlink_apps(&self) -> i64 {
        self.count("smartlink_apps", [])
    }
    pub fn smartlink_nonces(&self) -> i64 {
        self.count("smartlink_nonces", [])
    }
    pub fn smartlink_secret(&self, app_id: &str) -> Vec<u8> {
        let sql = "SELECT secret FROM smartlink_apps WHERE app_id = ?1";
        self.conn().query_row(sql, [app_id], |r| r.get(0)).unwrap()
    }

    // Events, webhook endpoints, deliveries and attempts.
    pub fn events(&self) -> i64 {
        self.count("outbox_messages", [])
    }
    pub fn events_of(&self, kind: &str) -> i64 {
        self.count("outbox_messages WHERE type = ?1", [kind])
    }
    /// Events of `kind` about one user (`userId` in the body).
    pub fn events_of_user(&self, kind: &str, user_id: &str) -> i64 {
        self.count("outbox_messages WHERE type = ?1 AND json_extract(payload, '$.userId') = ?2", [kind, user_id])
    }
    pub fn events_of_in(&self, kind: &str, env: &str) -> i64 {
        self.count("outbox_messages WHERE type = ?1 AND environment = ?2", [kind, env])
    }
    /// The bodies of every event of one type, oldest first.
    pub fn event_payloads(&self, kind: &str) -> Vec<Value> {
        self.json("SELECT payload FROM outbox_messages WHERE type = ?1 ORDER BY rowid", [kind])
    }
    /// (message id, body) of every committed event.
    pub fn all_events(&self) -> Vec<(String, Value)> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, payload FROM outbox_messages").unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).unwrap();
        rows.map(Result::unwrap).map(|(id, body)| (id, serde_json::from_str(&body).unwrap())).collect()
    }
    pub fn webhooks(&self) -> i64 {
        self.count("webhook_endpoints", [])
    }
    /// Endpoints whose stored secret contains `text` (secrets are encrypted).
    pub fn webhooks_containing(&self, text: &str) -> i64 {
        self.count("webhook_endpoints WHERE instr(secret, ?1) > 0", [text])
    }
    pub fn disabled_webhooks(&self) -> i64 {
        self.count("webhook_endpoints WHERE disabled_at IS NOT NULL", [])
    }
    pub fn webhooks_to(&self, url: &str) -> i64 {
        self.count("webhook_endpoints WHERE url = ?1", [url])
    }
    pub fn deliveries(&self) -> i64 {
        self.count("deliveries", [])
    }
    pub fn deliveries_in(&self, status: &str) -> i64 {
        self.count("deliveries WHERE status = ?1", [status])
    }
    pub fn deliveries_not_in(&self, status: &str) -> i64 {
        self.count("deliveries WHERE status != ?1", [status])
    }
    /// Deliveries still to be made (pending or awaiting a retry).
    pub fn open_deliveries(&self) -> i64 {
        self.count("deliveries WHERE status IN ('pending', 'failed')", [])
    }
    pub fn leased_deliveries(&self) -> i64 {
        self.count("deliveries WHERE lease_until IS NOT NULL", [])
    }
    pub fn parked_deliveries(&self) -> i64 {
        self.count("deliveries WHERE paused = 1", [])
    }
    pub fn parked_deliveries_in(&self, status: &str) -> i64 {
        self.count("deliveries WHERE status = ?1 AND paused = 1", [status])
    }
    /// (status, attempts, lease_until) of the one delivery to an endpoint.
    pub fn delivery_to(&self, endpoint_id: &str) -> (String, i64, Option<i64>) {
        let sql = "SELECT status, attempts, lease_until FROM deliveries WHERE endpoint_id = ?1";
        self.conn().query_row(sql, [endpoint_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap()
    }
    pub fn attempts(&self) -> i64 {
        self.count("delivery_attempts", [])
    }
    /// Attempts the receiver answered with a status other than 2xx.
    pub fn attempts_answered_non_2xx(&self) -> i64 {
        self.count("delivery_attempts WHERE status_code NOT BETWEEN 200 AND 299", [])
    }
    /// Attempts whose kept response is longer than `bytes`.
    pub fn attempts_with_response_over(&self, bytes: i64) -> i64 {
        self.count("delivery_attempts WHERE length(response) > ?1", [bytes])
    }

    // The audit log.
    pub fn audit_entries(&self) -> i64 {
        self.count("audit_log", [])
    }
    pub fn audit_of(&self, action: &str) -> i64 {
        self.count("audit_log WHERE action = ?1", [action])
    }
    /// Entries of `action` whose actor starts with `actor_prefix` (`user:`, `smartlink:`).
    pub fn audit_of_by(&self, action: &str, actor_prefix: &str) -> i64 {
        self.count("audit_log WHERE action = ?1 AND actor LIKE ?2 || '%'", [action, actor_prefix])
    }
    /// Entries whose action starts with `prefix` (`webhook.`).
    pub fn audit_starting(&self, prefix: &str) -> i64 {
        self.count("audit_log WHERE action LIKE ?1 || '%'", [prefix])
    }
    /// Entries whose details contain `needle`.
    pub fn audit_mentioning(&self, needle: &str) -> i64 {
        self.count("audit_log WHERE instr(details, ?1) > 0", [needle])
    }
    pub fn audit_details(&self, action: &str) -> Vec<Value> {
        self.json("SELECT details FROM audit_log WHERE action = ?1 ORDER BY rowid", [action])
    }
    pub fn audit_actors(&self, action: &str) -> Vec<String> {
        self.texts("SELECT actor FROM audit_log WHERE action = ?1 ORDER BY rowid", [action])
    }

    /// Marks the database as made by a newer usher (`PRAGMA user_version`).
    pub fn set_schema_version(&self, version: i64) {
        self.conn().execute_batch(&format!("PRAGMA user_version = {version}")).unwrap();
    }

    /// Overwrites an endpoint's stored event filter (a bad restore, a hand edit).
    pub fn damage_event_filter(&self, webhook_id: &str, filter: &str) {
        let sql = "UPDATE webhook_endpoints SET events = ?2 WHERE id = ?1";
        self.conn().execute(sql, [webhook_id, filter]).unwrap();
    }

    // Moving time: rows made to look older than they are (retention, expiry).
    pub fn expire_links(&self) {
        self.conn().execute("UPDATE install_links SET expires_at = 1000", []).unwrap();
    }
    pub fn expire_headless(&self) {
        self.conn().execute("UPDATE headless_installations SET expires_at = 1000", []).unwrap();
    }
    pub fn age_events(&self, ms: i64) {
        self.conn().execute("UPDATE outbox_messages SET created_at = created_at - ?1", [ms]).unwrap();
    }
    /// Ends every rotated webhook secret's overlap (as if its grace period had passed).
    pub fn end_webhook_secret_overlap(&self) {
        let sql = "UPDATE webhook_endpoints SET previous_until = 1000 WHERE previous_until IS NOT NULL";
        self.conn().execute(sql, []).unwrap();
    }
    pub fn age_first_link(&self, ms: i64) {
        self.conn().execute("UPDATE install_links SET expires_at = expires_at - ?1 WHERE rowid = 1", [ms]).unwrap();
    }
}

/// The console's state (issue 10): operators, their sessions, the setup token, branding.
impl DbFile {
    pub fn operators(&self) -> i64 {
        self.count("operators", [])
    }

    pub fn operator_sessions(&self) -> i64 {
        self.count("operator_sessions", [])
    }

    pub fn api_keys(&self) -> i64 {
        self.count("api_keys", [])
    }

    pub fn active_keys_in(&self, env: &str) -> i64 {
        self.count("api_keys WHERE environment = ?1 AND revoked_at IS NULL", [env])
    }

    pub fn users_in(&self, env: &str) -> i64 {
        self.count("users WHERE environment = ?1", [env])
    }

    pub fn smartlink_apps_in(&self, env: &str) -> i64 {
        self.count("smartlink_apps WHERE environment = ?1", [env])
    }

    /// Audit entries of `action` by `actor` in `env`.
    pub fn audit_by(&self, env: &str, action: &str, actor: &str) -> i64 {
        self.count("audit_log WHERE environment = ?1 AND action = ?2 AND actor = ?3", [env, action, actor])
    }

    /// The branding row: (product name, accent colour, logo type).
    pub fn branding(&self) -> (String, String, Option<String>) {
        self.conn()
            .query_row("SELECT product_name, accent_color, logo_type FROM branding", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap()
    }

    /// Moves every console session's last use and end back by `ms` (time passing,
    /// without waiting for it).
    pub fn age_operator_sessions(&self, last_seen_ms: i64, expires_ms: i64) {
        self.conn()
            .execute(
                "UPDATE operator_sessions SET last_seen_at = last_seen_at - ?1, expires_at = expires_at - ?2",
                [last_seen_ms, expires_ms],
            )
            .unwrap();
    }

    /// Makes the setup token's 30 minutes run out.
    pub fn expire_setup_token(&self) {
        self.conn().execute("UPDATE console_setup SET expires_at = 0", []).unwrap();
    }

    /// Marks every delivery dead (as the retry schedule running out would).
    pub fn kill_deliveries(&self) {
        self.conn().execute("UPDATE deliveries SET status = 'dead', next_attempt_at = NULL", []).unwrap();
    }
}
