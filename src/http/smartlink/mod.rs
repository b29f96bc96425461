//! SmartLink SSO over HTTP: the apps API (API key) and the login endpoint that turns a
//! signed link into a portal session. The use cases are `ops::smartlink`.

pub mod apps;
pub mod login;
pub mod throttle;

pub use apps::routes as api_routes;
pub use login::routes as login_routes;
