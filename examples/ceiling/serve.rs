//! The HTTP ceilings: plain hyper, hyper + one HMAC-SHA256, and a webhook sink. Each
//! binds 127.0.0.1:0 and prints its URL first.

use std::convert::Infallible;
use std::future::Future;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

use super::Error;

#[derive(Clone, Copy)]
pub enum Kind {
    Plain,
    Hmac,
    Sink,
}

pub fn run(kind: Kind) -> Result<(), Error> {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"a 32-byte key for the hmac bench");
    serve(move |req: Request<Incoming>| {
        let key = key.clone();
        async move {
            let body = match kind {
                Kind::Plain => Bytes::from_static(b"ok"),
                Kind::Hmac => {
                    // A JWT's signing input is about this long; the user id comes from the path.
                    let input = format!(
                        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{{\"sub\":\"{}\",\"env\":\"development\",\"iat\":1700000000,\"exp\":1700001800}}",
                        req.uri().path()
                    );
                    let tag = ring::hmac::sign(&key, input.as_bytes());
                    Bytes::from(format!("{{\"token\":\"{}\"}}", hex::encode(tag.as_ref())))
                }
                Kind::Sink => {
                    // Read the whole delivery, as a receiver must.
                    let _ = req.into_body().collect().await;
                    Bytes::from_static(b"ok")
                }
            };
            Ok::<_, Infallible>(Response::new(Full::new(body)))
        }
    })
}

/// Serves `handle` on every connection of a fresh loopback listener.
pub fn serve<H, F>(handle: H) -> Result<(), Error>
where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send + 'static,
{
    super::runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("http://{}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            let handle = handle.clone();
            tokio::spawn(async move {
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service_fn(handle)).await;
            });
        }
    })
}
