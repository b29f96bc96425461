//! Appliance settings kept in the database: the branding of the end-user pages (product
//! name, accent colour, logo), read by every hosted page through `http::brand` and
//! changed from the console.

pub mod brand_cache;
pub mod branding;
