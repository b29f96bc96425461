//! Branding: read it (the hosted pages, the console), the logo's bytes (served from the
//! appliance itself, never fetched from elsewhere), and change it from the console.

use serde_json::json;

use crate::domain::branding;
use crate::ops::{Ctx, OpError, Operation, Query};
use crate::store::branding::{self as store, BrandingRow};
use crate::store::{Db, Tx};

/// The branding as stored.
pub struct GetBranding;

impl Query for GetBranding {
    type Output = BrandingRow;

    fn run(self, db: &Db<'_>, _ctx: &Ctx) -> Result<BrandingRow, OpError> {
        Ok(store::get(db)?)
    }
}

/// The logo's bytes and media type, or not found.
pub struct GetLogo;

impl Query for GetLogo {
    type Output = (Vec<u8>, String);

    fn run(self, db: &Db<'_>, _ctx: &Ctx) -> Result<(Vec<u8>, String), OpError> {
        store::logo(db)?.ok_or(OpError::NotFound("logo"))
    }
}

/// New product name and accent colour (checked by [`SetBranding::parse`]); the logo is
/// replaced when `logo` is given, removed when `remove_logo`, kept otherwise.
pub struct SetBranding {
    product_name: String,
    accent_color: String,
    logo: Option<(Vec<u8>, &'static str)>,
    remove_logo: bool,
}

impl SetBranding {
    /// Checks the form's values: 400 `invalid_branding` naming what is wrong.
    pub fn parse(name: &str, color: &str, logo: Option<Vec<u8>>, remove_logo: bool) -> Result<SetBranding, OpError> {
        let bad = |m: String| OpError::invalid("invalid_branding", m);
        let product_name = branding::parse_name(name).map_err(bad)?;
        let accent_color = branding::parse_color(color).map_err(bad)?;
        let logo = match logo.filter(|bytes| !bytes.is_empty()) {
            Some(bytes) => {
                let kind = branding::sniff_logo(&bytes).map_err(bad)?;
                Some((bytes, kind))
            }
            None => None,
        };
        Ok(SetBranding { product_name, accent_color, logo, remove_logo })
    }
}

impl Operation for SetBranding {
    type Output = BrandingRow;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<BrandingRow, OpError> {
        let now = crate::clock::now_ms();
        // Two saves in the same millisecond must still change the version in asset URLs.
        let now = now.max(store::get(tx)?.updated_at + 1);
        store::set_texts(tx, &self.product_name, &self.accent_color, now)?;
        let logo = match (&self.logo, self.remove_logo) {
            (Some((bytes, kind)), _) => {
                store::set_logo(tx, Some((bytes, kind)), now)?;
                "replaced"
            }
            (None, true) => {
                store::set_logo(tx, None, now)?;
                "removed"
            }
            (None, false) => "kept",
        };
        let details = json!({ "productName": self.product_name, "accentColor": self.accent_color, "logo": logo });
        ctx.audit(tx, "branding.updated", None, details)?;
        Ok(store::get(tx)?)
    }
}
