//! Cursors of the console's lists: the API's signed cursors (`http::paging`), bound to
//! the environment and to the list they came from, carried in a `cursor` query parameter.

use crate::domain::Environment;
use crate::ops::OpError;
use crate::state::AppState;

/// Rows per page of a console list.
pub const PAGE: usize = 50;

/// The position sealed in `cursor` for the list `scope` (none: the first page).
pub fn after(state: &AppState, env: Environment, scope: &str, cursor: Option<&str>) -> Result<Option<String>, OpError> {
    match cursor.filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => crate::http::paging::open(c, &state.cursor_key, env, scope).map(Some).map_err(|_| {
            OpError::invalid("invalid_cursor", "this page link is not valid any more; start from the first page")
        }),
    }
}

/// Trims a page fetched with `PAGE + 1` rows and seals the cursor of the next, if any.
pub fn next<T>(
    state: &AppState,
    env: Environment,
    scope: &str,
    rows: &mut Vec<T>,
    position: impl Fn(&T) -> String,
) -> Option<String> {
    if rows.len() <= PAGE {
        return None;
    }
    rows.truncate(PAGE);
    let last = rows.last()?;
    crate::http::paging::seal(&position(last), &state.cursor_key, env, scope).ok()
}
