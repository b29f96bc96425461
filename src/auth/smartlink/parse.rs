//! SmartLink: turns the raw, still-encoded query of `/signable/token/login` into a [`LoginQuery`].
//!
//! Order of checks: size, raw bytes, pieces and keys (in the order given), value
//! decoding, field rules, then the token's shape. The signed text is the query
//! exactly as received with the `token=...` piece (and one joining `&`) removed.

use super::error::{BadQuery, Field};
use super::{LinkVersion, LoginQuery, MAX_QUERY_LEN, rules};

/// Parses a query given as a string (what `Uri::query()` hands over).
pub fn parse(raw_query: &str) -> Result<LoginQuery, BadQuery> {
    parse_bytes(raw_query.as_bytes())
}

/// Parses a query given as raw bytes, for callers that never saw it as UTF-8.
pub fn parse_bytes(raw: &[u8]) -> Result<LoginQuery, BadQuery> {
    if raw.len() > MAX_QUERY_LEN {
        return Err(BadQuery::TooLong);
    }
    if raw.is_empty() {
        return Err(BadQuery::Empty);
    }
    if let Some(&b) = raw.iter().find(|&&b| !rules::is_query_byte(b)) {
        return Err(if b == b';' { BadQuery::Semicolon } else { BadQuery::ForbiddenByte });
    }
    // Every byte is now printable ASCII, so this cannot fail.
    let query = std::str::from_utf8(raw).map_err(|_| BadQuery::ForbiddenByte)?;

    let mut values: [Option<String>; Field::ALL.len()] = Default::default();
    let mut raw_token: Option<&str> = None;
    let mut signed_pieces: Vec<&str> = Vec::new();
    for piece in query.split('&') {
        if piece.is_empty() {
            return Err(BadQuery::EmptyPiece);
        }
        let Some((key, value)) = piece.split_once('=') else {
            return Err(BadQuery::MissingEquals);
        };
        if !rules::is_plain_key(key) {
            return Err(BadQuery::MalformedKey);
        }
        let field = Field::from_key(key).ok_or(BadQuery::UnknownKey)?;
        let slot = values.get_mut(field.index()).ok_or(BadQuery::UnknownKey)?;
        if slot.is_some() || (field == Field::Token && raw_token.is_some()) {
            return Err(BadQuery::DuplicateKey(field));
        }
        if field == Field::Token {
            raw_token = Some(value);
        } else {
            *slot = Some(rules::decode_value(field, value)?);
            signed_pieces.push(piece);
        }
    }

    let mut take = |f: Field| values.get_mut(f.index()).and_then(Option::take);
    let required = |v: Option<String>, f: Field| v.ok_or(BadQuery::Missing(f));

    let app_id = rules::app_id(&required(take(Field::AppId), Field::AppId)?)?;
    let first_name = required(take(Field::FirstName), Field::FirstName)?;
    rules::name(Field::FirstName, &first_name)?;
    let surname = required(take(Field::Surname), Field::Surname)?;
    rules::name(Field::Surname, &surname)?;
    let username = rules::email(&required(take(Field::Username), Field::Username)?)?;
    let phone = take(Field::Phone);
    if let Some(p) = &phone {
        rules::phone(p)?;
    }

    let (v, expires, nonce) = (take(Field::Version), take(Field::Expires), take(Field::Nonce));
    let version = match v {
        None if expires.is_some() || nonce.is_some() => {
            return Err(BadQuery::V2FieldWithoutVersion);
        }
        None => LinkVersion::Legacy,
        Some(v) => {
            rules::version(&v)?;
            let expires = rules::expires(&required(expires, Field::Expires)?)?;
            let nonce = required(nonce, Field::Nonce)?;
            rules::nonce(&nonce)?;
            LinkVersion::V2 { expires, nonce }
        }
    };

    let token_len = match version {
        LinkVersion::Legacy => 40,
        LinkVersion::V2 { .. } => 64,
    };
    let token = rules::token(raw_token.ok_or(BadQuery::Missing(Field::Token))?, token_len)?;

    Ok(LoginQuery { app_id, first_name, surname, username, phone, version, token, signed: signed_pieces.join("&") })
}
