//! Fair sharing of the request slots: each client address may have at most
//! `server.max_concurrency_per_client` requests past this point at once; more from the
//! same address wait here, holding none of the shared `server.max_concurrency` slots.
//! So one client (a script, or an attacker trickling bodies on hundreds of connections)
//! cannot take every slot from the others. The address is the one the audit log
//! writes ([`client_ip`](super::extract::client_ip)): behind a trusted proxy, the
//! forwarded client.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::state::AppState;

/// Per-address semaphores, made on first use and dropped when idle.
pub struct PerClient {
    cap: usize,
    slots: Mutex<HashMap<IpAddr, Arc<Semaphore>>>,
}

impl PerClient {
    pub fn new(cap: usize) -> Arc<PerClient> {
        Arc::new(PerClient { cap: cap.max(1), slots: Mutex::new(HashMap::new()) })
    }

    /// Waits for one of `ip`'s slots.
    async fn acquire(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        let semaphore = {
            let mut slots = self.slots.lock().ok()?;
            Arc::clone(slots.entry(ip).or_insert_with(|| Arc::new(Semaphore::new(self.cap))))
        };
        let permit = Arc::clone(&semaphore).acquire_owned().await.ok()?;
        Some(Slot { owner: Arc::clone(self), ip, semaphore, permit: Some(permit) })
    }

    /// Addresses with a semaphore right now.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.slots.lock().map(|s| s.len()).unwrap_or(0)
    }
}

/// One request's slot; on drop, an address with nothing left in flight or waiting is
/// forgotten, so the map holds only busy addresses.
struct Slot {
    owner: Arc<PerClient>,
    ip: IpAddr,
    semaphore: Arc<Semaphore>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        drop(self.permit.take());
        if let Ok(mut slots) = self.owner.slots.lock() {
            // Held by the map and by us only, with every permit back: nobody else is
            // in flight or waiting (waiters clone the Arc under this same lock).
            if Arc::strong_count(&self.semaphore) == 2 && self.semaphore.available_permits() == self.owner.cap {
                slots.remove(&self.ip);
            }
        }
    }
}

/// The middleware: waits for the client's slot, then passes the request on.
pub async fn per_client(
    State((state, limits)): State<(AppState, Arc<PerClient>)>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let ip = super::extract::client_ip(&parts, &state).and_then(|ip| ip.parse::<IpAddr>().ok());
    let request = Request::from_parts(parts, body);
    let Some(ip) = ip else {
        return next.run(request).await;
    };
    let _slot = limits.acquire(ip).await;
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_address_past_its_cap_waits_others_do_not_and_idle_addresses_are_forgotten() {
        let limits = PerClient::new(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = limits.acquire(a).await.unwrap();
        let second = limits.acquire(a).await.unwrap();
        let third = tokio::spawn({
            let limits = Arc::clone(&limits);
            async move { limits.acquire(a).await.map(|_| ()) }
        });
        // Another address is not held up by a's full cap.
        let other = limits.acquire(b).await.unwrap();
        drop(other);
        assert_eq!(limits.tracked(), 1, "b is forgotten once idle");
        drop(first);
        third.await.unwrap().unwrap();
        drop(second);
        assert_eq!(limits.tracked(), 0);
    }
}
