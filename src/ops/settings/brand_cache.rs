//! The branding in force ([`BrandCache`]): read from the store at start and again after
//! each change from the console, shared by every request.

use std::sync::{Arc, RwLock};

use crate::domain::branding::text_on;
use crate::domain::{Actor, Environment};
use crate::ops::settings::branding::GetBranding;
use crate::ops::{self, Ctx, Deps, OpError};
use crate::store::branding::BrandingRow;

/// What the pages show.
#[derive(Debug, Clone, Default)]
pub struct Brand {
    /// The product name, or empty (pages then show no name).
    pub name: String,
    /// `#rrggbb`, or empty for the pages' own colour.
    pub accent: String,
    pub has_logo: bool,
    /// Changes with every edit: the `?v=` of the stylesheet and logo URLs.
    pub version: i64,
}

impl Brand {
    fn from_row(row: &BrandingRow) -> Brand {
        Brand {
            name: row.product_name.clone(),
            accent: row.accent_color.clone(),
            has_logo: row.logo_type.is_some(),
            version: row.updated_at,
        }
    }

    /// Whether the pages show a brand header at all.
    pub fn shown(&self) -> bool {
        !self.name.is_empty() || self.has_logo
    }

    /// The stylesheet: the accent colour and the text colour that reads on it.
    pub fn css(&self) -> String {
        if self.accent.is_empty() {
            return "/* no accent colour set: the pages' own colours apply */\n".into();
        }
        format!(":root {{ --brand-accent: {}; --brand-on-accent: {}; }}\n", self.accent, text_on(&self.accent))
    }
}

/// The branding in force, shared by every request.
#[derive(Default)]
pub struct BrandCache(RwLock<Arc<Brand>>);

impl BrandCache {
    pub fn get(&self) -> Arc<Brand> {
        self.0.read().map(|b| Arc::clone(&b)).unwrap_or_default()
    }

    /// Reads the branding from the store again.
    pub async fn reload(&self, deps: &Arc<Deps>) -> Result<(), OpError> {
        let row = ops::query(&system_ctx(deps), GetBranding).await?;
        if let Ok(mut current) = self.0.write() {
            *current = Arc::new(Brand::from_row(&row));
        }
        Ok(())
    }
}

/// Reading the branding is the appliance's own doing (it audits nothing).
pub fn system_ctx(deps: &Arc<Deps>) -> Ctx {
    Ctx::new(Arc::clone(deps), Environment::Production, Actor::System("brand"), None)
}
