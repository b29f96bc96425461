//! Around every request: a request id (header and task-local), the time limits (the
//! whole request, and reading its body), the `Cache-Control: no-store` and `nosniff`
//! defaults, the request log line (method and route pattern only: queries and some
//! paths carry secrets), and counters.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::REQUEST_ID;
use crate::http::error::AppError;
use crate::state::AppState;

pub async fn around(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let id = crate::ids::new_id().unwrap_or_else(|_| "-".into());
    let started = Instant::now();
    let method = request.method().clone();
    // The route pattern, never the raw path: paths such as /link/{token} or
    // /users/{email} carry secrets or personal data, and so may a path that matches no
    // route (a typo, a trailing slash).
    let path = match request.extensions().get::<MatchedPath>() {
        Some(matched) => matched.as_str().to_owned(),
        None => "(no route)".to_owned(),
    };
    let span = state.config.server.request_timeout;
    let request = super::body_timeout::limit(request, state.config.server.body_read_timeout.0);
    // Every line logged while serving the request, the closing one included, carries
    // its id (JSON logs: `span.request_id`).
    let request_span = tracing::info_span!("request", request_id = %id);
    let scoped = REQUEST_ID.scope(id.clone(), async move {
        let in_flight = state.metrics.request_started();
        let mut response = match tokio::time::timeout(span.0, next.run(request)).await {
            Ok(response) => response,
            Err(_) => AppError::Unavailable {
                code: "request_timeout",
                message: format!("the request took longer than {span}"),
            }
            .into_response(),
        };
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert("x-request-id", value);
        }
        // API answers carry tokens, secrets and install URLs: no cache may keep them, and
        // no browser may guess a type for them. Pages and assets set their own policy.
        let headers = response.headers_mut();
        headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
        headers.entry(header::X_CONTENT_TYPE_OPTIONS).or_insert(HeaderValue::from_static("nosniff"));
        drop(in_flight);
        let status = response.status().as_u16();
        state.metrics.http_response(status);
        tracing::info!(
            request_id = %id,
            method = %method,
            path = %path,
            status,
            ms = started.elapsed().as_millis() as u64,
            "request"
        );
        response
    });
    tracing::Instrument::instrument(scoped, request_span).await
}
