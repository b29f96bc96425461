//! The API-key cache: a request with a known key is authenticated without a database
//! read (and without the blocking-thread hop one costs), yet a revoked key stops working
//! at once, from the console or from the CLI beside the running server.
//!
//! An entry is trusted only while nothing that could revoke a key has happened since it
//! was read from the database. Two marks say that:
//! - the in-process generation, bumped by [`KeyCache::changed`] after this process
//!   commits a revocation (console, API);
//! - the stamp file `keys.stamp` in the data directory, replaced by the CLI (another
//!   process) after it commits one; one `stat` per request shows whether it moved.
//!
//! Both marks are read *before* the database read that fills an entry, so a revocation
//! that commits while the entry is being read leaves the entry already stale.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::domain::Environment;
use crate::store::key_auth::ValidKey;

/// The stamp file's name in the data directory.
pub const STAMP_FILE: &str = "keys.stamp";

/// Which version of the stamp file was seen: any replacement changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    inode: u64,
    modified_ns: i64,
    modified_s: i64,
    len: u64,
}

/// The marks an entry was read under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    generation: u64,
    stamp: Option<Stamp>,
}

/// A cached valid key.
#[derive(Debug)]
pub struct CachedKey {
    pub id: String,
    pub environment: Environment,
    valid_until: Option<i64>,
    seen: Seen,
    /// The last use written to the database (or about to be).
    last_used: AtomicI64,
}

/// `last_used` of a key never used.
const NEVER: i64 = i64::MIN;

impl CachedKey {
    /// Whether its last use should be written now, as `due` (last use, now) says; the
    /// first caller to ask gets true, so one write goes out per interval.
    pub fn claim_touch(&self, now: i64, due: fn(Option<i64>, i64) -> bool) -> bool {
        let raw = self.last_used.load(Ordering::Relaxed);
        due((raw != NEVER).then_some(raw), now)
            && self.last_used.compare_exchange(raw, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }
}

/// Valid API keys by the hash of their secret. Unknown and revoked keys are never
/// cached, so the map holds at most the keys that exist.
pub struct KeyCache {
    entries: RwLock<HashMap<Vec<u8>, Arc<CachedKey>>>,
    generation: AtomicU64,
    stamp_path: PathBuf,
}

impl KeyCache {
    /// A cache watching `data_dir`'s stamp file.
    pub fn new(data_dir: &std::path::Path) -> KeyCache {
        KeyCache {
            entries: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
            stamp_path: data_dir.join(STAMP_FILE),
        }
    }

    /// The marks as they are now; take them before reading a key from the database.
    pub fn seen(&self) -> Seen {
        let generation = self.generation.load(Ordering::Acquire);
        Seen { generation, stamp: self.stamp() }
    }

    fn stamp(&self) -> Option<Stamp> {
        let meta = std::fs::metadata(&self.stamp_path).ok()?;
        Some(Stamp { inode: meta.ino(), modified_s: meta.mtime(), modified_ns: meta.mtime_nsec(), len: meta.len() })
    }

    /// The cached key with this hash if nothing has happened since it was read that
    /// could have revoked it, and its grace (if any) has not run out at `now`.
    pub fn get(&self, hash: &[u8], now: i64) -> Option<Arc<CachedKey>> {
        let entry = self.entries.read().ok()?.get(hash).cloned()?;
        let fresh = entry.seen == self.seen() && entry.valid_until.is_none_or(|until| now < until);
        fresh.then_some(entry)
    }

    /// Caches `key`, read from the database after `seen` was taken; returns the entry.
    pub fn insert(&self, hash: Vec<u8>, seen: Seen, key: ValidKey) -> Arc<CachedKey> {
        let entry = Arc::new(CachedKey {
            id: key.id,
            environment: key.environment,
            valid_until: key.valid_until,
            seen,
            last_used: AtomicI64::new(key.last_used_at.unwrap_or(NEVER)),
        });
        if let Ok(mut entries) = self.entries.write() {
            // Entries of an older mark can never be used again: drop them.
            entries.retain(|_, e| e.seen == seen);
            entries.insert(hash, Arc::clone(&entry));
        }
        entry
    }

    /// Call after committing a change that may revoke keys: every cached key is read
    /// again on its next use, in this process (the generation) and in a server running
    /// beside this process (the stamp file, which a CLI process must manage to write).
    pub fn changed(&self) -> std::io::Result<()> {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut entries) = self.entries.write() {
            entries.clear();
        }
        // Written aside and renamed over: the new file is a new inode, whatever the clock.
        let aside = self.stamp_path.with_extension("stamp.new");
        std::fs::write(&aside, crate::clock::now_ms().to_string())?;
        std::fs::rename(&aside, &self.stamp_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(valid_until: Option<i64>) -> ValidKey {
        ValidKey { id: "k1".into(), environment: Environment::Development, last_used_at: None, valid_until }
    }

    #[test]
    fn an_entry_lives_until_a_change_or_its_grace_ends() {
        let dir = tempfile::tempdir().unwrap();
        let cache = KeyCache::new(dir.path());
        let seen = cache.seen();
        cache.insert(b"h".to_vec(), seen, key(None));
        assert!(cache.get(b"h", 0).is_some());
        assert!(cache.get(b"other", 0).is_none());
        cache.changed().unwrap();
        assert!(cache.get(b"h", 0).is_none(), "a change in this process");

        cache.insert(b"h".to_vec(), cache.seen(), key(Some(100)));
        assert!(cache.get(b"h", 99).is_some());
        assert!(cache.get(b"h", 100).is_none(), "the grace has run out");
    }

    #[test]
    fn another_process_replacing_the_stamp_makes_entries_stale() {
        let dir = tempfile::tempdir().unwrap();
        let cache = KeyCache::new(dir.path());
        let other = KeyCache::new(dir.path());
        cache.insert(b"h".to_vec(), cache.seen(), key(None));
        other.changed().unwrap();
        assert!(cache.get(b"h", 0).is_none());
        cache.insert(b"h".to_vec(), cache.seen(), key(None));
        assert!(cache.get(b"h", 0).is_some());
        other.changed().unwrap();
        assert!(cache.get(b"h", 0).is_none(), "every replacement, not only the first");
    }

    #[test]
    fn one_touch_per_interval() {
        let dir = tempfile::tempdir().unwrap();
        let cache = KeyCache::new(dir.path());
        let entry = cache.insert(b"h".to_vec(), cache.seen(), key(None));
        let minute = |last: Option<i64>, now: i64| last.is_none_or(|at| now - at >= 60_000);
        assert!(entry.claim_touch(1_000_000, minute));
        assert!(!entry.claim_touch(1_000_001, minute));
        assert!(entry.claim_touch(1_060_000, minute));
    }
}
