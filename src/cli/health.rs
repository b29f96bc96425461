//! `usher healthcheck`: the binary is its own container healthcheck (GET /readyz; a
//! bare base URL means its /readyz).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use http_body_util::Empty;
use hyper::body::Bytes;

/// `http://<listen>/readyz`, with a wildcard address replaced by loopback.
pub fn default_url(listen: SocketAddr) -> String {
    let mut addr = listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    format!("http://{addr}/readyz")
}

pub async fn check(url: &str) -> Result<(), String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("bad URL {url}: {e}"))?;
    if uri.scheme_str() != Some("http") {
        return Err("healthcheck speaks plain http only".into());
    }
    let host = uri.host().ok_or("URL has no host")?.trim_matches(|c| c == '[' || c == ']').to_string();
    let port = uri.port_u16().unwrap_or(80);
    let work = async {
        let stream = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| format!("cannot connect to {url}: {e}"))?;
        let io = hyper_util::rt::TokioIo::new(stream);
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        // A bare base URL (http://127.0.0.1:8080) means its /readyz.
        let path = match uri.path_and_query().map(|p| p.as_str()) {
            None | Some("") | Some("/") => "/readyz".to_string(),
            Some(p) => p.to_string(),
        };
        let request = hyper::Request::get(path)
            .header(hyper::header::HOST, format!("{host}:{port}"))
            .body(Empty::<Bytes>::new())
            .map_err(|e| e.to_string())?;
        let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
        if response.status() == hyper::StatusCode::OK {
            Ok(())
        } else {
            Err(format!("{url} answered {}", response.status()))
        }
    };
    tokio::time::timeout(Duration::from_secs(5), work).await.map_err(|_| format!("{url} did not answer within 5 s"))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_listen_addresses_are_asked_on_loopback() {
        let url = |text: &str| default_url(text.parse().unwrap());
        assert_eq!(url("0.0.0.0:8080"), "http://127.0.0.1:8080/readyz");
        assert_eq!(url("[::]:8080"), "http://[::1]:8080/readyz");
        assert_eq!(url("10.0.0.5:80"), "http://10.0.0.5:80/readyz");
    }
}
