//! The soak's figures: one minute's requests, errors and latencies, the server process
//! and data directory looked at once a minute, each minute's line, and the verdict.

use std::sync::Mutex;
use std::time::Instant;

/// One minute's figures.
#[derive(Default)]
pub struct Minute {
    pub latencies_us: Vec<u64>,
    pub errors: u64,
    /// Errors by kind ("status 503", "transport", "overload"), for the log.
    kinds: std::collections::BTreeMap<String, u64>,
}

impl Minute {
    /// A request never sent because too many were in flight.
    pub fn overload(&mut self) {
        self.error("overload: too many requests in flight".into());
    }

    pub fn error(&mut self, kind: String) {
        self.errors += 1;
        *self.kinds.entry(kind).or_default() += 1;
    }
}

/// The server process and its data directory, looked at once a minute, with the CPU
/// time the server and this generator had used at the last look (whether the generator
/// takes the server's CPU on a small machine).
pub struct Watched {
    pid: u32,
    dir: std::path::PathBuf,
    /// When last looked, and the server's and the generator's CPU ticks then.
    last: (Instant, u64, u64),
}

impl Watched {
    pub fn new(pid: u32, dir: &std::path::Path) -> Watched {
        let last = (Instant::now(), cpu_ticks(&pid.to_string()), cpu_ticks("self"));
        Watched { pid, dir: dir.to_path_buf(), last }
    }

    /// CPU use since the last look, in % of one core: (server, generator).
    fn cpu(&mut self) -> (f64, f64) {
        let now = (Instant::now(), cpu_ticks(&self.pid.to_string()), cpu_ticks("self"));
        let (then, server, load) = std::mem::replace(&mut self.last, now);
        // Linux reports CPU time in ticks of 1/100 s (USER_HZ).
        let per_cent = |ticks: u64| ticks as f64 / now.0.duration_since(then).as_secs_f64().max(1e-9);
        (per_cent(now.1.saturating_sub(server)), per_cent(now.2.saturating_sub(load)))
    }

    /// The size of a file in the data directory, MiB (0 when absent).
    fn mib(&self, name: &str) -> f64 {
        std::fs::metadata(self.dir.join(name)).map_or(0.0, |m| m.len() as f64 / (1024.0 * 1024.0))
    }
}

/// Takes the minute's figures, prints its line, and returns them with the RSS (KiB).
pub fn close_minute(current: &Mutex<Minute>, watched: &mut Watched, number: usize) -> (Minute, u64) {
    let mut minute = current.lock().map(|mut m| std::mem::take(&mut *m)).unwrap_or_default();
    minute.latencies_us.sort_unstable();
    let rss = rss_kib(watched.pid);
    let (server_cpu, load_cpu) = watched.cpu();
    println!(
        "{number:>6} {:>9} {:>7} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {server_cpu:>7.0} {load_cpu:>7.0}",
        minute.latencies_us.len(),
        minute.errors,
        percentile(&minute.latencies_us, 0.50) as f64 / 1000.0,
        percentile(&minute.latencies_us, 0.99) as f64 / 1000.0,
        rss as f64 / 1024.0,
        watched.mib("usher.db"),
        watched.mib("usher.db-wal")
    );
    for (kind, count) in &minute.kinds {
        println!("{:>6} {count} x {kind}", "");
    }
    (minute, rss)
}

pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// User plus system CPU time of a process (`self` or a pid), in ticks.
fn cpu_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which may hold spaces) close with ')'.
    let fields: Vec<&str> = stat.rsplit_once(") ").map(|(_, rest)| rest.split(' ').collect()).unwrap_or_default();
    let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    field(11) + field(12)
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The verdict: RSS growth after the warm-up (the first two minutes) under 10 %, p99
/// steady (after the warm-up no minute's p99 above twice their median), no errors.
pub fn summarize(minutes: &[(Minute, u64)]) {
    let errors: u64 = minutes.iter().map(|(m, _)| m.errors).sum();
    let warm = minutes.get(1).or(minutes.first()).map(|(_, rss)| *rss).unwrap_or(0);
    let peak = minutes.iter().skip(2).map(|(_, rss)| *rss).max().unwrap_or(warm);
    let growth = if warm > 0 { (peak as f64 - warm as f64) / warm as f64 * 100.0 } else { 0.0 };
    let p99 = |m: &Minute| percentile(&m.latencies_us, 0.99) as f64 / 1000.0;
    let mut after: Vec<f64> = minutes.iter().skip(2).map(|(m, _)| p99(m)).collect();
    after.sort_by(f64::total_cmp);
    let median = after.get(after.len() / 2).copied().unwrap_or(0.0);
    let worst = after.last().copied().unwrap_or(0.0);
    let steady = worst <= 2.0 * median;
    println!(
        "RSS after warm-up (minute 2): {:.1} MiB; peak after: {:.1} MiB; growth {growth:.1} % (limit 10 %)",
        warm as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    println!(
        "p99 after warm-up: median {median:.1} ms, worst {worst:.1} ms ({}: limit twice the median); errors: {errors}",
        if steady { "steady" } else { "not steady" }
    );
    let verdict = if growth < 10.0 && steady && errors == 0 { "PASS" } else { "FAIL" };
    println!("soak: {verdict}");
}
