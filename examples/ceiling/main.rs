//! Benchmark ceilings, measured on the same machine in the same run as usher (`bench/run`):
//! minimal services built from the project's own crates (hyper, tokio, rusqlite, ring),
//! each doing only the work a path of usher must do, so usher's figure can be given as a
//! ratio to what the machine allows.
//!
//! - `ceiling http`: plain hyper answering "ok" (prints its URL).
//! - `ceiling hmac`: hyper answering one HMAC-SHA256 of a JWT-sized input (prints its URL).
//! - `ceiling users DIR`: hyper `POST /users` inserting a user row and an event row per
//!   request through one group-commit writer thread, WAL, synchronous=FULL.
//! - `ceiling sink`: a webhook receiver answering 200 to every POST (prints its URL).
//! - `ceiling outbox DIR N URL`: a reference outbox worker draining N due rows to URL
//!   (select 256, POST each with 16 in flight, mark them delivered in one transaction,
//!   synchronous=FULL); prints deliveries/s.
//! - `ceiling seed DB ENDPOINT N`: queues N `webhook.test` deliveries to ENDPOINT in an
//!   usher database through usher's own store (the bench's backlog).
//! - `ceiling sqlite N DIR`: N sequential single-row commits, synchronous=FULL.

mod outbox;
mod serve;
mod users;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, what: &str| args.get(i).cloned().ok_or_else(|| Error::from(format!("missing {what}")));
    match args.get(1).map(String::as_str) {
        Some("http") => serve::run(serve::Kind::Plain),
        Some("hmac") => serve::run(serve::Kind::Hmac),
        Some("sink") => serve::run(serve::Kind::Sink),
        Some("users") => users::run(&arg(2, "DIR")?),
        Some("outbox") => outbox::run(&arg(2, "DIR")?, arg(3, "N")?.parse()?, &arg(4, "URL")?),
        Some("seed") => outbox::seed_usher(&arg(2, "DB")?, &arg(3, "ENDPOINT")?, arg(4, "N")?.parse()?),
        Some("sqlite") => sqlite(arg(2, "N")?.parse()?, &arg(3, "DIR")?),
        _ => {
            Err("usage: ceiling http|hmac|sink | users DIR | outbox DIR N URL | seed DB ENDPOINT N | sqlite N DIR"
                .into())
        }
    }
}

/// A multi-threaded runtime like usher's (one worker per core).
pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// Opens a WAL database with synchronous=FULL, as usher does by default.
pub fn open_full(path: &std::path::Path) -> Result<rusqlite::Connection, Error> {
    let conn = rusqlite::Connection::open(path)?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    conn.execute_batch("PRAGMA synchronous = FULL;")?;
    Ok(conn)
}

fn sqlite(n: u32, dir: &str) -> Result<(), Error> {
    let conn = open_full(&std::path::Path::new(dir).join("ceiling.db"))?;
    conn.execute_batch("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")?;
    let started = std::time::Instant::now();
    for i in 0..n {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        conn.execute("INSERT INTO t (v) VALUES (?1)", [format!("row {i}")])?;
        conn.execute_batch("COMMIT")?;
    }
    println!("{:.0}", f64::from(n) / started.elapsed().as_secs_f64());
    Ok(())
}
