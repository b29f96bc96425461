//! The operations layer: one file per use case, the only callers of the store's write
//! functions. Each operation is an input type and one `run` inside a store transaction
//! (or, for a read, on a read connection) that returns a typed result; it writes its own
//! audit entry and events. The HTTP API, the console, the CLI and the workflow runtime
//! all call the same operations, so a rule, an audit entry or an event cannot differ
//! by way in.
//!
//! ```text
//! http | console | cli | runtime ─► ops::run(ctx, Input) ─► Input::run(tx, ctx)
//!                                        └─ store.write: change + ctx.audit(..) + ctx.emit(Event)
//! ```
//!
//! To add one: copy a file such as `users/create.rs`, give it its input type and
//! `impl Operation` (or `Query`), list it in its folder's `mod.rs`, and call it.

pub mod audit;
pub mod credentials;
pub(crate) mod ctx;
pub mod deliveries;
mod error;
pub mod headless;
pub mod health;
pub mod install;
pub mod installations;
pub mod integrations;
pub mod keys;
pub mod links;
pub mod metadata;
pub mod operators;
pub mod overview;
pub mod portal;
pub mod runtime;
pub mod sdk;
pub mod sessions;
pub mod settings;
pub mod smartlink;
pub mod users;
pub mod vault;
pub mod webhooks;
pub mod workflows;

pub use ctx::{Ctx, Deps, emit};
pub use error::OpError;

use crate::store::{Db, Tx};

/// A use case that changes state: runs inside one write transaction of the group
/// commit; an `Err` rolls back everything it did, audit entry and events included.
pub trait Operation: Send + 'static {
    type Output: Send + 'static;
    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<Self::Output, OpError>;
}

/// A use case that only reads: runs on a read-only connection, off the async runtime.
pub trait Query: Send + 'static {
    type Output: Send + 'static;
    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Self::Output, OpError>;
}

/// Runs `op` in the writer's next transaction and answers after it commits.
pub async fn run<O: Operation>(ctx: &Ctx, op: O) -> Result<O::Output, OpError> {
    let job = ctx.clone();
    ctx.deps.store.write(move |tx| op.run(tx, &job)).await
}

/// [`run`] from a thread that is not a runtime worker (the CLI).
pub fn run_blocking<O: Operation>(ctx: &Ctx, op: O) -> Result<O::Output, OpError> {
    let job = ctx.clone();
    ctx.deps.store.write_blocking(move |tx| op.run(tx, &job))
}

/// Runs a read on a read-only connection.
pub async fn query<Q: Query>(ctx: &Ctx, q: Q) -> Result<Q::Output, OpError> {
    let job = ctx.clone();
    ctx.deps.store.read(move |db| q.run(db, &job)).await
}

/// [`query`] from a thread that is not a runtime worker (the CLI, which has no runtime):
/// the writer's connection serves it, inside a transaction that changes nothing.
pub fn query_blocking<Q: Query>(ctx: &Ctx, q: Q) -> Result<Q::Output, OpError> {
    let job = ctx.clone();
    ctx.deps.store.write_blocking(move |tx| q.run(tx, &job))
}
