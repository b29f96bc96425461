//! Who is calling: API keys, per-user JWTs, portal sessions, SmartLink verification.

pub mod api_key;
pub mod jwt;
pub mod session;
pub mod smartlink;
