//! A local webhook receiver for tests: a small hyper server on an ephemeral port that
//! records every request as it arrives (and the answer it gave, once given) and answers
//! from a script (then a default). Dropping it (or `stop`) closes every connection.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{HeaderMap, Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How the receiver answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    Status(u16),
    /// A status with extra headers (e.g. Retry-After).
    WithHeaders(u16, Vec<(&'static str, String)>),
    /// Never answers (the connection stays open).
    Hang,
    /// Closes the connection without answering.
    Close,
    /// 200 with a body of this many bytes.
    Big(usize),
    /// Waits, then answers with the status (only to keep attempts in flight: no test
    /// decides correctness by this delay).
    Slow(Duration, u16),
    /// Holds the answer until this many requests have arrived in all, then answers
    /// with the status (attempts provably in flight together, with no timing).
    HoldUntil(usize, u16),
    /// Waits until [`Receiver::release`] is called, then answers with the status.
    Held(u16),
}

/// The answer the receiver gave to one request.
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    pub status: u16,
    /// When the handler finished (the response is written right after).
    pub at: Instant,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub peer: SocketAddr,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub at: Instant,
    /// Wall-clock arrival time (to compare with the event's own timestamp).
    pub wall: std::time::SystemTime,
    /// The answer given; `None` while held, or never (Hang, Close).
    pub answer: Option<Answer>,
}

impl Seen {
    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// True if the receiver answered it with a 2xx.
    pub fn answered_2xx(&self) -> bool {
        self.answer.is_some_and(|a| (200..300).contains(&a.status))
    }
}

struct Shared {
    seen: Mutex<Vec<Seen>>,
    script: Mutex<VecDeque<Reply>>,
    default: Mutex<Reply>,
    count: watch::Sender<usize>,
    released: watch::Sender<bool>,
}

pub struct Receiver {
    pub addr: SocketAddr,
    pub url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Listens on 127.0.0.1:0.
    pub async fn start(default: Reply) -> Receiver {
        Self::start_on("127.0.0.1:0".parse().unwrap(), default).await
    }

    pub async fn start_on(addr: SocketAddr, default: Reply) -> Receiver {
        Self::serve(TcpListener::bind(addr).await.unwrap(), default)
    }

    /// Serves on a listener bound by the caller (see [`Reserved`]).
    pub fn serve(listener: TcpListener, default: Reply) -> Receiver {
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            seen: Mutex::new(Vec::new()),
            script: Mutex::new(VecDeque::new()),
            default: Mutex::new(default),
            count: watch::Sender::new(0),
            released: watch::Sender::new(false),
        });
        let state = shared.clone();
        // The connections live in this task's JoinSet: aborting the task closes them all
        // (a hanging answer never outlives its receiver).
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((stream, peer)) = listener.accept().await {
                let state = state.clone();
                connections.spawn(async move {
                    let svc = service_fn(move |req: Request<Incoming>| handle(state.clone(), peer, req));
                    let _ =
                        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
                });
                while connections.try_join_next().is_some() {}
            }
        });
        Receiver { addr, url: format!("http://{addr}/hook"), shared, task }
    }

    /// Answers the next requests with these replies, in order, then the default.
    pub fn script(&self, replies: Vec<Reply>) {
        self.shared.script.lock().unwrap().extend(replies);
    }

    /// Forgets the replies still scripted.
    pub fn clear_script(&self) {
        self.shared.script.lock().unwrap().clear();
    }

    pub fn set_default(&self, reply: Reply) {
        *self.shared.default.lock().unwrap() = reply;
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests arrived (panics after `limit`).
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<Seen> {
        let mut count = self.shared.count.subscribe();
        let waited = tokio::time::timeout(limit, count.wait_for(|c| *c >= n)).await;
        assert!(waited.is_ok(), "receiver got {} requests, expected {n}", self.requests().len());
        self.requests()
    }

    /// Waits until at least `n` requests arrived or `limit` passed; says which.
    pub async fn reached(&self, n: usize, limit: Duration) -> bool {
        let mut count = self.shared.count.subscribe();
        tokio::time::timeout(limit, count.wait_for(|c| *c >= n)).await.is_ok()
    }

    /// Lets every `Held` request (waiting or still to come) be answered.
    pub fn release(&self) {
        self.shared.released.send_replace(true);
    }

    /// Stops listening (new connections are refused) and closes open connections.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A port bound on 127.0.0.1 with nobody listening: connections to it are refused, and
/// no other socket can take it until [`Reserved::listen`] serves a receiver on it (a
/// port bound, dropped and bound again later could be taken by anyone meanwhile).
pub struct Reserved {
    socket: TcpSocket,
    pub addr: SocketAddr,
}

impl Reserved {
    pub fn new() -> Reserved {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = socket.local_addr().unwrap();
        Reserved { socket, addr }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Starts listening on the reserved port.
    pub fn listen(self, default: Reply) -> Receiver {
        Receiver::serve(self.socket.listen(64).unwrap(), default)
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn handle(
    state: Arc<Shared>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, BoxError> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
    let reply = state.script.lock().unwrap().pop_front().unwrap_or_else(|| state.default.lock().unwrap().clone());
    let index = {
        let mut seen = state.seen.lock().unwrap();
        seen.push(Seen {
            peer,
            path: parts.uri.path().to_string(),
            headers: parts.headers,
            body,
            at: Instant::now(),
            wall: std::time::SystemTime::now(),
            answer: None,
        });
        seen.len() - 1
    };
    state.count.send_modify(|c| *c += 1);
    let response = answer(&state, reply).await?;
    let answered = Answer { status: response.status().as_u16(), at: Instant::now() };
    state.seen.lock().unwrap()[index].answer = Some(answered);
    Ok(response)
}

async fn answer(state: &Shared, reply: Reply) -> Result<Response<Full<Bytes>>, BoxError> {
    let response = |status: u16, body: Bytes| Response::builder().status(status).body(Full::new(body)).unwrap();
    Ok(match reply {
        Reply::Status(status) => response(status, Bytes::from_static(b"ok")),
        Reply::WithHeaders(status, headers) => {
            let mut builder = Response::builder().status(status);
            for (k, v) in headers {
                builder = builder.header(k, v);
            }
            builder.body(Full::new(Bytes::from_static(b"busy"))).unwrap()
        }
        Reply::Hang => std::future::pending().await,
        // A service error makes hyper drop the connection without a response.
        Reply::Close => return Err("closing without an answer".into()),
        Reply::Big(n) => response(200, Bytes::from(vec![b'x'; n])),
        Reply::Slow(delay, status) => {
            tokio::time::sleep(delay).await;
            response(status, Bytes::from_static(b"ok"))
        }
        Reply::HoldUntil(n, status) => {
            let mut count = state.count.subscribe();
            let _ = count.wait_for(|c| *c >= n).await;
            response(status, Bytes::from_static(b"ok"))
        }
        Reply::Held(status) => {
            let mut released = state.released.subscribe();
            let _ = released.wait_for(|r| *r).await;
            response(status, Bytes::from_static(b"ok"))
        }
    })
}
