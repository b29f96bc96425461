//! What every operation runs with besides its transaction: who asks, in which
//! environment, from where ([`Ctx`]), and the appliance's services ([`Deps`]). The
//! audit entry and the events of an operation are written through it.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::OpError;
use crate::config::Config;
use crate::domain::event::Event;
use crate::domain::{Actor, Environment};
use crate::store::audit::{self, Entry};
use crate::store::{self, Store, Tx};
use crate::vault::LiveKeyring;

/// The services operations use: the store, the master keyring, the configuration.
pub struct Deps {
    pub store: Store,
    pub keyring: Arc<LiveKeyring>,
    pub config: Arc<Config>,
    /// Base of every URL handed out (install links, hook URLs), without a trailing slash.
    pub public_url: String,
    /// HS256 key for per-user JWTs, derived from the master key.
    pub jwt_key: [u8; 32],
    /// Valid API keys seen lately, so a request need not read its key (`ops::keys::cache`).
    pub keys: crate::ops::keys::cache::KeyCache,
    /// Users read lately (`ops::users::cache`).
    pub users: crate::ops::users::cache::UserCache,
}

impl Deps {
    pub fn new(config: Arc<Config>, store: Store, keyring: Arc<LiveKeyring>, public_url: String) -> Arc<Deps> {
        let jwt_key = keyring.derive("usher jwt v1");
        let keys = crate::ops::keys::cache::KeyCache::new(&config.storage.data_dir);
        Arc::new(Deps { store, keyring, config, public_url, jwt_key, keys, users: Default::default() })
    }
}

/// One caller of one operation.
#[derive(Clone)]
pub struct Ctx {
    pub env: Environment,
    pub actor: Actor,
    /// The client's address, for the audit log.
    pub ip: Option<String>,
    pub deps: Arc<Deps>,
}

impl Ctx {
    pub fn new(deps: Arc<Deps>, env: Environment, actor: Actor, ip: Option<String>) -> Ctx {
        Ctx { env, actor, ip, deps }
    }

    /// The same caller acting in another environment (the CLI's key listing, SmartLink
    /// apps that name their own environment).
    pub fn in_env(&self, env: Environment) -> Ctx {
        Ctx { env, ..self.clone() }
    }

    pub fn keyring(&self) -> &LiveKeyring {
        &self.deps.keyring
    }

    pub fn config(&self) -> &Config {
        &self.deps.config
    }

    /// Writes the operation's audit entry: `action` by this caller, about `user_id`.
    pub fn audit(
        &self,
        tx: &Tx<'_>,
        action: &'static str,
        user_id: Option<&str>,
        details: Value,
    ) -> Result<(), OpError> {
        let entry = Entry {
            environment: self.env,
            action,
            actor: self.actor.to_string(),
            user_id: user_id.map(str::to_string),
            ip: self.ip.clone(),
            details,
        };
        Ok(audit::record(tx, &entry)?)
    }

    /// Emits an event in this caller's environment; see [`emit`].
    pub fn emit(&self, tx: &Tx<'_>, event: Event) -> Result<String, OpError> {
        emit(tx, self.env, &event)
    }
}

/// Writes one event into the outbox inside `tx`: the body is the event with its `type`,
/// plus `timestamp` and `environment`. Returns the message id (`msg_...`), which is the
/// `webhook-id` of every delivery of it.
pub fn emit(tx: &Tx<'_>, env: Environment, event: &Event) -> Result<String, OpError> {
    let (id, payload) = payload(env, event)?;
    store::events::insert(tx, env, &id, event.kind(), &payload, crate::clock::now_ms())?;
    Ok(id)
}

/// A new message id and the delivered body of `event`: the event with its `type`, plus
/// `timestamp` and `environment`.
pub(crate) fn payload(env: Environment, event: &Event) -> Result<(String, String), OpError> {
    let id = format!("msg_{}", crate::ids::new_id()?);
    let now = crate::clock::now_ms();
    let mut body = match serde_json::to_value(event) {
        Ok(Value::Object(map)) => map,
        Ok(_) | Err(_) => return Err(OpError::internal(format!("event {} does not serialize", event.kind()))),
    };
    let mut head = Map::new();
    head.insert("type".into(), Value::from(event.kind()));
    head.insert("timestamp".into(), Value::from(crate::clock::rfc3339(now)));
    head.insert("environment".into(), Value::from(env.as_str()));
    body.remove("type");
    head.extend(body);
    Ok((id, Value::Object(head).to_string()))
}
