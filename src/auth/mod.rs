//! Authentication of callers: API keys, per-user JWTs, hosted-page sessions and SmartLink
//! verification. Each submodule is pure; the HTTP layer turns their results into a
//! `Principal`.

pub mod jwt;
