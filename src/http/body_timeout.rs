//! The body-read timeout: a request's body must arrive within `server.body_read_timeout`
//! of the request reaching its handler, like its headers within `header_read_timeout`.
//! A client that sends headers and then trickles a body would otherwise hold a request
//! slot for the whole request timeout; past the deadline the body read fails with
//! [`BodyReadTimeout`], which the body readers answer as 408 `body_read_timeout`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use http_body::{Frame, SizeHint};
use tokio::time::{Instant, Sleep};

/// The body did not arrive within the time allowed.
#[derive(Debug)]
pub struct BodyReadTimeout;

impl std::fmt::Display for BodyReadTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive in time")
    }
}

impl std::error::Error for BodyReadTimeout {}

/// Gives `request`'s body until `limit` from now to arrive (a request without a body,
/// most GETs, is left as it is: no timer to set).
pub fn limit(request: Request, limit: Duration) -> Request {
    if request.body().is_end_stream() {
        return request;
    }
    request.map(|body| {
        let deadline = Box::pin(tokio::time::sleep_until(Instant::now() + limit));
        Body::new(TimedBody { inner: body, deadline })
    })
}

/// Whether a body read failed because of [`BodyReadTimeout`] (somewhere in its causes:
/// the body readers wrap errors).
pub fn caused(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<BodyReadTimeout>() {
            return true;
        }
        cause = e.source();
    }
    false
}

struct TimedBody {
    inner: Body,
    deadline: Pin<Box<Sleep>>,
}

impl HttpBody for TimedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyReadTimeout)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stops_arriving_fails_with_the_timeout_and_a_whole_one_passes() {
        let whole = limit(Request::new(Body::from("hello")), Duration::from_secs(1));
        let bytes = axum::body::to_bytes(whole.into_body(), 100).await.unwrap();
        assert_eq!(&bytes[..], b"hello");

        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
        tx.send(Ok(Bytes::from_static(b"he"))).await.unwrap();
        let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|v| (v, rx)) });
        let slow = limit(Request::new(Body::from_stream(stream)), Duration::from_secs(1));
        let err = axum::body::to_bytes(slow.into_body(), 100).await.unwrap_err();
        assert!(caused(&err), "{err}");
        drop(tx);
    }
}
