//! Benchmark ceilings measured on the same machine in the same run as usher:
//! `ceiling http` serves a plain hyper "ok" on 127.0.0.1:0 (prints its URL);
//! `ceiling sqlite N DIR` times N single-row commits with synchronous=FULL in WAL mode.

use std::convert::Infallible;
use std::time::Instant;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("http") => http(),
        Some("sqlite") => {
            let n: u32 = args.get(2).ok_or("count")?.parse()?;
            let dir = args.get(3).ok_or("dir")?;
            sqlite(n, dir)
        }
        _ => Err("usage: ceiling http | ceiling sqlite N DIR".into()),
    }
}

fn http() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("http://{}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::spawn(async move {
                let service = service_fn(|_req| async {
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from("ok"))))
                });
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    })
}

fn sqlite(n: u32, dir: &str) -> Result<(), Box<dyn std::error::Error>> {
    let conn = rusqlite::Connection::open(std::path::Path::new(dir).join("ceiling.db"))?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    conn.execute_batch("PRAGMA synchronous = FULL; CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")?;
    let started = Instant::now();
    for i in 0..n {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        conn.execute("INSERT INTO t (v) VALUES (?1)", [format!("row {i}")])?;
        conn.execute_batch("COMMIT")?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!("{:.0}", f64::from(n) / secs);
    Ok(())
}
