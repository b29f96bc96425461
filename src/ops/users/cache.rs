//! Users read lately, so `GET /users/{id}` and `GET /users/{id}/token` need no database
//! read (and no hop to a reader thread) for a user asked for again. An entry holds the
//! store's users generation from before its read, and is used only while that is
//! still the generation: every commit that changes or deletes a user moves it on
//! before the writer answers, so a deleted user's next token request reads the
//! database and is refused. Only users found are kept; a miss is never cached.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::domain::Environment;
use crate::store::users::UserRow;

/// Entries kept at most; past that the cache starts again empty (a bounded memory cost:
/// about 2 MB).
const CAPACITY: usize = 10_000;

/// Users by the id or username they were asked for, with the generation of their read.
type ByName = HashMap<String, (u64, UserRow)>;

#[derive(Default)]
pub struct UserCache {
    /// By environment, then by the id or username a user was asked for (a lookup by
    /// `&str` needs no owned key).
    entries: Mutex<HashMap<Environment, ByName>>,
}

impl UserCache {
    /// The user asked for as `id_or_username` in `env`, if read while the generation
    /// was `generation`.
    pub fn get(&self, env: Environment, id_or_username: &str, generation: u64) -> Option<UserRow> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(&env)?.get(id_or_username) {
            Some((seen, user)) if *seen == generation => Some(user.clone()),
            _ => None,
        }
    }

    /// Keeps `user`, read after the generation was `generation`.
    pub fn put(&self, env: Environment, id_or_username: &str, generation: u64, user: UserRow) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.values().map(ByName::len).sum::<usize>() >= CAPACITY {
            entries.clear();
        }
        entries.entry(env).or_default().insert(id_or_username.to_string(), (generation, user));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> UserRow {
        UserRow { id: id.into(), username: "ann".into(), full_name: None, phone: None, created_at: 0 }
    }

    #[test]
    fn an_entry_counts_only_in_its_generation_and_environment() {
        let cache = UserCache::default();
        cache.put(Environment::Development, "ann", 7, user("u1"));
        assert_eq!(cache.get(Environment::Development, "ann", 7).map(|u| u.id), Some("u1".to_string()));
        assert!(cache.get(Environment::Development, "ann", 8).is_none(), "a user changed since");
        assert!(cache.get(Environment::Production, "ann", 7).is_none(), "another environment");
        assert!(cache.get(Environment::Development, "u1", 7).is_none(), "kept by the name it was asked by");
    }

    #[test]
    fn it_stays_bounded() {
        let cache = UserCache::default();
        for i in 0..=CAPACITY {
            cache.put(Environment::Development, &i.to_string(), 0, user("u"));
        }
        assert_eq!(cache.entries.lock().unwrap().values().map(HashMap::len).sum::<usize>(), 1);
    }
}
