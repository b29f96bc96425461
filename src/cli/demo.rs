//! `usher demo`: the server with something to see. On start it makes sure a demo end
//! user and a sample integration exist (through the public API, as a customer's backend
//! would), prints a new development API key once, and serves the SDK demo page at `/`,
//! where "Connect Magento" opens the real install modal. For trying usher, not for
//! production: the page hands anyone who opens it a token for the demo user.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde_json::{Value, json};

use super::demo_page::{self, DemoSetup};
use crate::config::{Config, Origin};
use crate::datadir_lock::DataDirLock;
use crate::ops::keys::create::CreateKey;
use crate::state::AppState;

/// The demo's end user.
pub const DEMO_USER: &str = "demo@example.com";

pub fn run(mut config: Config) -> Result<(), String> {
    let _lock = DataDirLock::acquire(&config.storage.data_dir, "demo")?;
    super::runtime()?.block_on(async move {
        let listener = super::serve::bind(&config).await?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let origin = demo_origins(&mut config, addr);
        let setup: Arc<OnceLock<DemoSetup>> = Arc::new(OnceLock::new());
        let routes = demo_page::routes(Arc::clone(&setup));
        super::serve::run(config, listener, routes, move |state| seed(state, addr, origin, setup)).await
    })
}

/// The demo page is served by usher itself, so its origin must be allowed to frame the
/// install page and receive the result. Without a configured public URL, a wildcard
/// listen address is shown as `localhost` (what a browser on the host, or on the other
/// side of `podman run -p 8080:8080`, uses). Returns the URL to open.
fn demo_origins(config: &mut Config, addr: SocketAddr) -> String {
    let port = addr.port();
    let shown = if addr.ip().is_unspecified() { format!("http://localhost:{port}") } else { format!("http://{addr}") };
    let public = match &config.server.public_url {
        Some(url) => url.origin().ascii_serialization(),
        None => {
            config.server.public_url = url::Url::parse(&shown).ok();
            shown
        }
    };
    let mut origins = vec![public.clone()];
    if addr.ip().is_unspecified() || addr.ip().is_loopback() {
        origins.push(format!("http://localhost:{port}"));
        origins.push(format!("http://127.0.0.1:{port}"));
    }
    for origin in origins.iter().filter_map(|o| Origin::parse(o).ok()) {
        if !config.sdk.allowed_origins.contains(&origin) {
            config.sdk.allowed_origins.push(origin);
        }
    }
    public
}

/// Makes the demo user and the sample integration (once; later starts find them), and
/// prints a new development key.
async fn seed(state: AppState, addr: SocketAddr, url: String, setup: Arc<OnceLock<DemoSetup>>) -> Result<(), String> {
    let created = crate::ops::run(&super::demo_page::demo_ctx(&state), CreateKey { label: "demo".into() })
        .await
        .map_err(|e| format!("demo: cannot create a key: {e}"))?;
    let api = Api { addr: loopback(addr), key: created.key.clone() };
    let user = json!({"username": DEMO_USER, "fullName": "Demo User"});
    let (status, body) = api.call("POST", "/users", Some(user)).await?;
    if status != 200 && status != 409 {
        return Err(format!("demo: cannot create the demo user: {status} {body}"));
    }
    let (_, body) = api.call("GET", &format!("/users/{DEMO_USER}"), None).await?;
    let user_id = text(&body, "userId")?;
    let integration_id = integration(&api).await?;
    let _ = setup.set(DemoSetup { user_id, integration_id });
    println!("usher demo: open {url}/ and press \"Connect Magento\" (the SDK's install modal)");
    println!("usher demo: end user {DEMO_USER}; a new development API key follows (shown once):");
    println!("{}", created.key);
    Ok(())
}

/// The sample integration's id: found by its app name, or created.
async fn integration(api: &Api) -> Result<String, String> {
    let (_, list) = api.call("GET", "/integrations", None).await?;
    let found = list["data"].as_array().and_then(|all| all.iter().find(|i| i["app"] == "magento"));
    if let Some(found) = found {
        return text(found, "integrationId");
    }
    let (status, body) = api.call("POST", "/integrations", Some(sample_integration())).await?;
    if status != 200 {
        return Err(format!("demo: cannot create the sample integration: {status} {body}"));
    }
    text(&body, "integrationId")
}

/// The same integration as `examples/demo-app/server.py` makes.
fn sample_integration() -> Value {
    json!({
        "app": "magento",
        "name": "Magento",
        "description": "Sync orders and customers from your Magento store.",
        "credentialFields": [
            {"name": "storeUrl", "displayName": "Store URL", "type": "url", "required": true, "secret": false},
            {"name": "apiKey", "displayName": "API key", "type": "password", "required": true, "secret": true}
        ],
        "workflows": [{"name": "Sync orders"}, {"name": "Sync customers"}]
    })
}

fn text(body: &Value, field: &str) -> Result<String, String> {
    body[field].as_str().map(str::to_string).ok_or_else(|| format!("demo: no `{field}` in {body}"))
}

/// Where to reach our own listener: a wildcard address is reached on loopback.
fn loopback(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => SocketAddr::from(([127, 0, 0, 1], a.port())),
        SocketAddr::V6(a) if a.ip().is_unspecified() => SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, a.port())),
        other => other,
    }
}

/// The public API, called over HTTP with the demo's key.
struct Api {
    addr: SocketAddr,
    key: String,
}

impl Api {
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<(u16, Value), String> {
        let fail = |e: &dyn std::fmt::Display| format!("demo: {method} {path}: {e}");
        let stream = tokio::net::TcpStream::connect(self.addr).await.map_err(|e| fail(&e))?;
        let io = hyper_util::rt::TokioIo::new(stream);
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.map_err(|e| fail(&e))?;
        tokio::spawn(conn);
        let payload = body.map(|b| b.to_string()).unwrap_or_default();
        let request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, self.addr.to_string())
            .header(hyper::header::AUTHORIZATION, format!("Bearer {}", self.key))
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(payload)))
            .map_err(|e| fail(&e))?;
        let response = sender.send_request(request).await.map_err(|e| fail(&e))?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.map_err(|e| fail(&e))?.to_bytes();
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }
}
