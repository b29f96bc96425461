//! Who is calling: API keys, per-user JWTs, SmartLink verification.

pub mod api_key;
pub mod jwt;
pub mod smartlink;
