//! Who is calling: API keys, per-user JWTs, portal sessions, SmartLink verification;
//! CSRF tokens of hosted forms; operator passwords.

pub mod api_key;
pub mod csrf;
pub mod jwt;
pub mod password;
pub mod session;
pub mod smartlink;
