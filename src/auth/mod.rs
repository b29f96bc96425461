//! Authentication: how a caller proves who it is (SmartLink SSO links; more to come).

pub mod smartlink;
