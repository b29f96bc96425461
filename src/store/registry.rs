//! The registry of every SQL statement the store runs. Each per-table module declares
//! its statements once, by name, in a `queries!` block; the statement methods of
//! [`Db`](super::Db) take only a registered [`Sql`], so no query runs without being on
//! its module's list, and the query-plan test (`plan_tests.rs`) walks every list in
//! [`all`]. A new store module adds one line to [`all`] (a source check in the test
//! fails until it does).

/// One registered statement: its name (`usher::store::users::PAGE`) and its text.
/// Made only by [`queries!`] and the sealed-column registry, at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sql {
    name: &'static str,
    text: &'static str,
}

impl Sql {
    /// For the registering macros only (a source check in the plan test holds them to it).
    #[doc(hidden)]
    pub(in crate::store) const fn registered(name: &'static str, text: &'static str) -> Sql {
        Sql { name, text }
    }

    /// The statement's path, as the plan test and its allow-list name it.
    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn text(&self) -> &'static str {
        self.text
    }
}

/// Declares a module's statements as named constants and their list `QUERIES`:
///
/// ```ignore
/// macro_rules! columns { () => { "id, username" } }
/// super::queries! {
///     /// One user by id.
///     BY_ID = concat!("SELECT ", columns!(), " FROM users WHERE environment = ?1 AND id = ?2");
/// }
/// ```
///
/// Statements are string literals (or `concat!` of literals and fragment macros), so
/// every query is known before the program runs; nothing is built with `format!`.
macro_rules! queries {
    ($($(#[$meta:meta])* $name:ident = $sql:expr;)+) => {
        $($(#[$meta])* const $name: $crate::store::Sql =
            $crate::store::Sql::registered(concat!(module_path!(), "::", stringify!($name)), $sql);)+
        /// Every statement of this module (the query-plan test walks them all).
        pub(in crate::store) const QUERIES: &[$crate::store::Sql] = &[$($name),+];
    };
}
pub(crate) use queries;

/// Every statement the store can run: each module's list, then the per-column
/// statements of the sealed-column registry.
pub(in crate::store) fn all() -> Vec<Sql> {
    use super::*;
    let modules: &[&[Sql]] = &[
        audit::QUERIES,
        branding::QUERIES,
        catalog::QUERIES,
        children::QUERIES,
        counters::QUERIES,
        credentials::QUERIES,
        deliveries::QUERIES,
        events::QUERIES,
        executions::QUERIES,
        headless::QUERIES,
        installations::QUERIES,
        key_auth::QUERIES,
        keys::QUERIES,
        leases::QUERIES,
        links::QUERIES,
        open_links::QUERIES,
        operators::QUERIES,
        readiness::QUERIES,
        redeliver::QUERIES,
        retention::QUERIES,
        runtime_queue::QUERIES,
        sessions::QUERIES,
        smartlink::QUERIES,
        users::QUERIES,
        webhooks::QUERIES,
        workflow_refs::QUERIES,
        workflow_versions::QUERIES,
    ];
    let mut all = modules.concat();
    all.extend(sealed::COLUMNS.iter().flat_map(|col| col.statements()));
    all
}
