//! SQL for the branding of end-user pages: one row (product name, accent colour, logo).

use super::{Db, StoreResult, Tx};
use rusqlite::{OptionalExtension, params};

super::queries! {
    GET = "SELECT product_name, accent_color, logo_type, updated_at FROM branding WHERE id = 1";
    LOGO = "SELECT logo, logo_type FROM branding WHERE id = 1";
    SET_TEXTS = "INSERT INTO branding (id, product_name, accent_color, updated_at) VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET product_name = ?1, accent_color = ?2, updated_at = ?3";
    SET_LOGO = "INSERT INTO branding (id, logo, logo_type, updated_at) VALUES (1, ?1, ?2, ?3)
                ON CONFLICT (id) DO UPDATE SET logo = ?1, logo_type = ?2, updated_at = ?3";
}

/// The branding as stored; empty texts mean the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrandingRow {
    pub product_name: String,
    /// `#rrggbb`, or empty.
    pub accent_color: String,
    /// The logo's media type, when there is one.
    pub logo_type: Option<String>,
    /// Changes whenever anything does: the version in asset URLs.
    pub updated_at: i64,
}

/// The branding (defaults when the row is missing).
pub fn get(conn: &Db<'_>) -> StoreResult<BrandingRow> {
    let row = conn
        .prepare_cached(&GET)?
        .query_row([], |r| {
            Ok(BrandingRow {
                product_name: r.get(0)?,
                accent_color: r.get(1)?,
                logo_type: r.get(2)?,
                updated_at: r.get(3)?,
            })
        })
        .optional()?;
    Ok(row.unwrap_or_default())
}

/// The logo's bytes and media type, if there is a logo.
pub fn logo(conn: &Db<'_>) -> StoreResult<Option<(Vec<u8>, String)>> {
    let row: Option<(Option<Vec<u8>>, Option<String>)> =
        conn.prepare_cached(&LOGO)?.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    Ok(match row {
        Some((Some(bytes), Some(kind))) => Some((bytes, kind)),
        _ => None,
    })
}

/// Sets the name and colour.
pub fn set_texts(conn: &Tx<'_>, product_name: &str, accent_color: &str, now: i64) -> StoreResult<()> {
    conn.prepare_cached(&SET_TEXTS)?.execute(params![product_name, accent_color, now])?;
    Ok(())
}

/// Sets (or with `None`, removes) the logo.
pub fn set_logo(conn: &Tx<'_>, logo: Option<(&[u8], &str)>, now: i64) -> StoreResult<()> {
    conn.prepare_cached(&SET_LOGO)?.execute(params![logo.map(|l| l.0), logo.map(|l| l.1), now])?;
    Ok(())
}
