//! The server's keyring, kept in step with the key file: `usher master-key rotate` may
//! run beside a running server, so a blob under a key id the server has not loaded
//! makes it re-read the file, and the file is looked at every few seconds so new
//! secrets are sealed under the new current key without a restart.
//!
//! Subkeys ([`LiveKeyring::derive`]: JWT, cursor and CSRF keys) stay those of the key
//! that was current at start-up, so tokens and forms already handed out keep working
//! until the process restarts.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use super::{Keyring, VaultError};

/// How often the key file's modification time is looked at.
const CHECK_EVERY: Duration = Duration::from_secs(5);

pub struct LiveKeyring {
    /// The key file; `None` for a keyring that never changes (tests).
    path: Option<PathBuf>,
    /// How often the file is looked at ([`CHECK_EVERY`]; tests choose their own).
    every: Duration,
    boot: Arc<Keyring>,
    live: RwLock<Live>,
}

struct Live {
    keyring: Arc<Keyring>,
    modified: Option<SystemTime>,
    checked: Instant,
}

fn modified(path: &PathBuf) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl LiveKeyring {
    /// A keyring loaded from `path`, followed as the file changes.
    pub fn following(path: PathBuf, keyring: Keyring) -> LiveKeyring {
        Self::following_every(path, keyring, CHECK_EVERY)
    }

    fn following_every(path: PathBuf, keyring: Keyring, every: Duration) -> LiveKeyring {
        let keyring = Arc::new(keyring);
        let live = Live { keyring: Arc::clone(&keyring), modified: modified(&path), checked: Instant::now() };
        LiveKeyring { path: Some(path), every, boot: keyring, live: RwLock::new(live) }
    }

    /// A keyring that never changes.
    pub fn fixed(keyring: Keyring) -> LiveKeyring {
        let keyring = Arc::new(keyring);
        let live = Live { keyring: Arc::clone(&keyring), modified: None, checked: Instant::now() };
        LiveKeyring { path: None, every: CHECK_EVERY, boot: keyring, live: RwLock::new(live) }
    }

    /// The keyring to seal with now (re-read when the file changed).
    pub fn current(&self) -> Arc<Keyring> {
        let stale = self.live.read().map(|l| l.checked.elapsed() >= self.every).unwrap_or(false);
        if stale && let Some(path) = &self.path {
            let now_modified = modified(path);
            let changed = self.live.read().map(|l| l.modified != now_modified).unwrap_or(false);
            if changed {
                self.reload();
            } else if let Ok(mut live) = self.live.write() {
                live.checked = Instant::now();
            }
        }
        self.live.read().map(|l| Arc::clone(&l.keyring)).unwrap_or_else(|_| Arc::clone(&self.boot))
    }

    /// Re-reads the key file; keeps the keyring it has if the file cannot be read.
    fn reload(&self) {
        let Some(path) = &self.path else { return };
        // The time is read before the contents: if the file is replaced in between, the
        // next check sees a newer time and loads again, rather than never.
        let seen = modified(path);
        match Keyring::load(path) {
            Ok(keyring) => {
                if let Ok(mut live) = self.live.write() {
                    tracing::info!(current = keyring.current_id(), "master key file changed; keyring reloaded");
                    *live = Live { keyring: Arc::new(keyring), modified: seen, checked: Instant::now() };
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "master key file changed but cannot be read; keeping the loaded keys")
            }
        }
    }

    pub fn encrypt(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
        self.current().encrypt(aad, plaintext)
    }

    /// Decrypts; a blob under a key id not loaded yet re-reads the key file once.
    pub fn decrypt(&self, aad: &[u8], blob: &[u8]) -> Result<Vec<u8>, VaultError> {
        match self.current().decrypt(aad, blob) {
            // equivalent mutant: the guard made `true`: without a file, `reload` does
            // nothing and the second attempt fails the same way.
            Err(VaultError::UnknownKeyId(_)) if self.path.is_some() => {
                self.reload();
                self.current().decrypt(aad, blob)
            }
            other => other,
        }
    }

    /// A subkey of the current key, with that key's id (to derive it again later with
    /// [`derive_with`](LiveKeyring::derive_with)).
    pub fn derive_current(&self, purpose: &str) -> (String, [u8; 32]) {
        let ring = self.current();
        (ring.current_id().to_string(), ring.derive(purpose))
    }

    /// A subkey of the key `id`; a key id not loaded yet re-reads the key file once.
    pub fn derive_with(&self, id: &str, purpose: &str) -> Option<[u8; 32]> {
        self.current().derive_with(id, purpose).or_else(|| {
            self.reload();
            self.current().derive_with(id, purpose)
        })
    }

    /// A subkey of the key that was current at start-up.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        self.boot.derive(purpose)
    }
}

#[cfg(test)]
#[path = "live_tests.rs"]
mod tests;
