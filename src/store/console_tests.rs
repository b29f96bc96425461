//! The console's store code: counters kept exact by triggers (cascades included), and
//! the query plans of the console's lists and counts (indexes only, no sort, no scan).

use rusqlite::Connection;

use super::Tx;
use crate::domain::Environment;

fn db() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    super::migrate::migrate(&mut conn).unwrap();
    conn
}

fn counts(conn: &Connection, env: Environment) -> super::counters::Counts {
    super::counters::read(&Tx::new(conn), env, 1_000).unwrap()
}

#[test]
fn counters_follow_inserts_updates_deletes_and_cascades() {
    let conn = db();
    let prod = Environment::Production;
    conn.execute_batch(
        "INSERT INTO users (id, environment, username, created_at, updated_at) VALUES
            ('u1', 'production', 'a', 1, 1), ('u2', 'production', 'b', 1, 1), ('u3', 'development', 'c', 1, 1);
         INSERT INTO integrations (id, environment, app, name, created_at) VALUES ('i1', 'production', 'x', 'X', 1);
         INSERT INTO installations (id, environment, user_id, integration_id, installed_at, updated_at) VALUES
            ('n1', 'production', 'u1', 'i1', 1, 1), ('n2', 'production', 'u2', 'i1', 1, 1);
         INSERT INTO webhook_endpoints (id, environment, url, secret, created_at, updated_at)
            VALUES ('e1', 'production', 'https://h.example.com/', x'00', 1, 1);
         INSERT INTO outbox_messages VALUES ('m1', 'production', 't', '{}', 1), ('m2', 'production', 't', '{}', 1),
                                            ('m3', 'production', 't', '{}', 1);
         INSERT INTO deliveries (id, environment, endpoint_id, message_id, status, created_at, updated_at) VALUES
            ('d1', 'production', 'e1', 'm1', 'pending', 1, 1), ('d2', 'production', 'e1', 'm2', 'pending', 1, 1),
            ('d3', 'production', 'e1', 'm3', 'pending', 1, 1);
         INSERT INTO install_links (id, environment, token_hash, user_id, integration_id, created_at, expires_at) VALUES
            ('l1', 'production', x'01', 'u1', 'i1', 1, 5000), ('l2', 'production', x'02', 'u1', 'i1', 1, 500);",
    )
    .unwrap();
    let c = counts(&conn, prod);
    assert_eq!((c.users, c.installations, c.deliveries_open, c.deliveries_dead), (2, 2, 3, 0));
    assert_eq!(c.open_links, 1, "l2 expired at 500, before now = 1000");
    assert_eq!(counts(&conn, Environment::Development).users, 1);
    // pending -> failed (still open), failed -> dead, pending -> delivered.
    conn.execute_batch(
        "UPDATE deliveries SET status = 'failed' WHERE id = 'd1';
         UPDATE deliveries SET status = 'dead' WHERE id = 'd1';
         UPDATE deliveries SET status = 'delivered' WHERE id = 'd2';
         UPDATE deliveries SET status = 'pending', attempts = 2 WHERE id = 'd3';",
    )
    .unwrap();
    let c = counts(&conn, prod);
    assert_eq!((c.deliveries_open, c.deliveries_dead), (1, 1));
    // Deleting a user removes their installation by cascade; deleting a message, its delivery.
    conn.execute_batch("DELETE FROM users WHERE id = 'u1'; DELETE FROM outbox_messages WHERE id = 'm1';").unwrap();
    let c = counts(&conn, prod);
    assert_eq!((c.users, c.installations, c.deliveries_open, c.deliveries_dead), (1, 1, 1, 0));
    assert_eq!(c.open_links, 0, "the deleted user's link is a tombstone now");
    // Dead again, then retried by hand: back in the backlog.
    conn.execute_batch("UPDATE deliveries SET status = 'dead' WHERE id = 'd3'; UPDATE deliveries SET status = 'pending' WHERE id = 'd3';")
        .unwrap();
    assert_eq!(counts(&conn, prod).deliveries_open, 1);
    let total: i64 = conn
        .query_row("SELECT count(*) FROM deliveries WHERE status IN ('pending', 'failed')", [], |r| r.get(0))
        .unwrap();
    assert_eq!(total, 1);
}

/// The plan of `sql`, one detail line per step.
fn plan(conn: &Connection, sql: &str) -> String {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let rows: Vec<String> = stmt.query_map([], |r| r.get::<_, String>(3)).unwrap().map(Result::unwrap).collect();
    rows.join("\n")
}

#[test]
fn console_queries_use_indexes_and_never_sort() {
    let conn = db();
    conn.execute_batch("ANALYZE").unwrap();
    let cases = [
        (
            "SELECT count(*) FROM (SELECT 1 FROM install_links WHERE environment = 'production' AND used_at IS NULL AND user_id IS NOT NULL AND integration_id IS NOT NULL AND expires_at > 5 LIMIT 10001)",
            "install_links_open",
        ),
        (
            "SELECT l.id FROM install_links l JOIN users u ON u.id = l.user_id JOIN integrations i ON i.id = l.integration_id
             WHERE l.integration_id = 'i' AND l.used_at IS NULL AND l.user_id IS NOT NULL AND l.integration_id IS NOT NULL AND (l.expires_at, l.id) > (5, 'a') AND l.environment = 'production'
             ORDER BY l.expires_at, l.id LIMIT 51",
            "install_links_open_by_integration",
        ),
        (
            "SELECT l.id FROM install_links l JOIN users u ON u.id = l.user_id JOIN integrations i ON i.id = l.integration_id
             WHERE l.user_id = 'u' AND l.used_at IS NULL AND l.user_id IS NOT NULL AND l.integration_id IS NOT NULL AND (l.expires_at, l.id) > (5, 'a') AND l.environment = 'production'
             ORDER BY l.expires_at, l.id LIMIT 51",
            "install_links_open_by_user",
        ),
        (
            "SELECT id FROM users WHERE environment = 'production' AND username >= 'da' AND username < 'db' AND username > '' ORDER BY username LIMIT 51",
            "sqlite_autoindex_users_2",
        ),
        ("SELECT id FROM api_keys WHERE environment = 'production' ORDER BY id DESC", "api_keys_by_env"),
        ("SELECT value FROM counters WHERE environment = 'production' AND name = 'users'", "PRIMARY KEY"),
        ("SELECT id FROM operator_sessions WHERE token_hash = x'00'", "(token_hash=?)"),
        ("SELECT id FROM operators WHERE email = 'A@b.c'", "(email=?)"),
    ];
    for (sql, index) in cases {
        let plan = plan(&conn, sql);
        assert!(plan.contains(index), "{sql}\nuses no {index}:\n{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{sql}\nsorts:\n{plan}");
        assert!(!plan.contains("SCAN install_links") && !plan.contains("SCAN users"), "{sql}\nscans:\n{plan}");
    }
}
