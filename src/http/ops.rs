//! Operations endpoints: `/healthz` (alive; the build), `/readyz` (writable, not draining,
//! webhook worker and workflow runtime up), `/metrics`.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::ops::health;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

/// Alive, and which build answers (version, commit, target).
async fn healthz() -> axum::Json<serde_json::Value> {
    let build = crate::build_info::BUILD;
    axum::Json(
        serde_json::json!({"status": "ok", "version": build.version, "commit": build.commit, "target": build.target}),
    )
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if !state.ready.load(Ordering::SeqCst) || state.draining.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "not ready\n");
    }
    // The webhook worker or its recorder died: events queue up but nothing is delivered.
    if !state.outbox.is_up() {
        return (StatusCode::SERVICE_UNAVAILABLE, "webhook worker down\n");
    }
    // Likewise for workflow runs: accepted, but none would run.
    if !state.runtime.is_up() {
        return (StatusCode::SERVICE_UNAVAILABLE, "workflow runtime down\n");
    }
    // A real (one-row) write through the writer proves the database and its disk take
    // writes: a full disk or a read-only file fails it.
    match tokio::time::timeout(Duration::from_secs(2), health::probe_write(&state.deps)).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database not writable\n"),
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let mut out = String::new();
    state.metrics.render(&mut out);
    crate::metrics::Metrics::render_worker_up(state.outbox.is_up(), &mut out);
    crate::metrics::Metrics::render_runtime_up(state.runtime.is_up(), &mut out);
    match health::queue_stats(&state.deps).await {
        Ok(stats) => crate::metrics::Metrics::render_queue(&stats, &mut out),
        Err(e) => tracing::warn!(error = %e, "metrics: cannot read the outbox queue"),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
