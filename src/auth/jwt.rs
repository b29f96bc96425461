//! PLACEHOLDER until the JWT module lands.

#[derive(serde::Serialize, serde::Deserialize)]
pub struct Claims {
    pub sub: String,
    pub env: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub aud: String,
}

pub fn sign(_key: &[u8], claims: &Claims) -> String {
    serde_json::to_string(claims).unwrap_or_default()
}

pub fn verify(_key: &[u8], _token: &str, _now: i64, _leeway: i64, _aud: &str) -> Result<Claims, String> {
    Err("placeholder".into())
}
