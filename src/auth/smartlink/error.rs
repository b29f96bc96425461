//! SmartLink: why a login query was refused, in words safe to show on a page.
//!
//! No message ever echoes a value from the query back: only our own parameter names.

use std::fmt;

/// A parameter a SmartLink query may carry (names are case-sensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    AppId,
    FirstName,
    Surname,
    Username,
    Phone,
    Token,
    Version,
    Expires,
    Nonce,
}

impl Field {
    /// Every field, in a fixed order (the index is used for slots in the parser).
    pub(crate) const ALL: [Field; 9] = [
        Field::AppId,
        Field::FirstName,
        Field::Surname,
        Field::Username,
        Field::Phone,
        Field::Token,
        Field::Version,
        Field::Expires,
        Field::Nonce,
    ];

    /// The parameter name as it appears in the URL.
    pub fn key(self) -> &'static str {
        match self {
            Field::AppId => "appId",
            Field::FirstName => "firstName",
            Field::Surname => "surname",
            Field::Username => "username",
            Field::Phone => "phone",
            Field::Token => "token",
            Field::Version => "v",
            Field::Expires => "expires",
            Field::Nonce => "nonce",
        }
    }

    /// Exact, case-sensitive lookup of a raw key.
    pub(crate) fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// Why a query is not a well-formed SmartLink login.
///
/// Everything but [`BadQuery::BadToken`] is a malformed request (400); `BadToken`
/// is a token that cannot be right, answered like a failed verification (403).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadQuery {
    /// No query at all.
    Empty,
    /// The query is longer than [`super::MAX_QUERY_LEN`] bytes.
    TooLong,
    /// A raw byte outside the URL query set (RFC 3986 `query` minus `;`): spaces,
    /// non-ASCII bytes, NUL, `"`, `<`, `>`, ...
    ForbiddenByte,
    /// A raw `;` (the old alternative separator).
    Semicolon,
    /// `a=1&&b=2`, a leading or a trailing `&`.
    EmptyPiece,
    /// A piece with no `=`.
    MissingEquals,
    /// A key that is not plain (ASCII letters, digits, `_ - .`): `%` escapes, `[]`, empty.
    MalformedKey,
    /// A well-formed key that SmartLink does not know (`role`, `utm_source`, `Username`).
    UnknownKey,
    /// The same key twice.
    DuplicateKey(Field),
    /// `%` not followed by two hex digits.
    BadEscape(Field),
    /// The decoded value is not UTF-8 (including overlong forms such as `%C0%80`).
    InvalidUtf8(Field),
    /// The decoded value holds a control or invisible character.
    NotPrintable(Field),
    /// A required parameter is absent.
    Missing(Field),
    /// The decoded value breaks that field's rules.
    Invalid(Field),
    /// `expires` or `nonce` without `v=2`.
    V2FieldWithoutVersion,
    /// The token is not exactly 40 (v1) or 64 (v2) hex digits.
    BadToken,
}

impl BadQuery {
    /// True when the caller should answer as for a failed signature (403), not a 400.
    pub fn is_bad_token(&self) -> bool {
        matches!(self, BadQuery::BadToken)
    }
}

fn field_rule(f: Field) -> &'static str {
    match f {
        Field::AppId => "The appId parameter must be a positive whole number.",
        Field::FirstName => "The firstName parameter must be 1 to 100 characters and may not contain & = < >.",
        Field::Surname => "The surname parameter must be 1 to 100 characters and may not contain & = < >.",
        Field::Username => "The username parameter must be an email address.",
        Field::Phone => "The phone parameter must be a phone number.",
        Field::Token => "The token is not a well-formed digest.",
        Field::Version => "The v parameter must be 2.",
        Field::Expires => "The expires parameter must be a Unix time in seconds.",
        Field::Nonce => "The nonce parameter must be 16 to 128 letters, digits, '-' or '_'.",
    }
}

impl fmt::Display for BadQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadQuery::Empty => f.write_str("The link has no parameters."),
            BadQuery::TooLong => f.write_str("The link is too long."),
            BadQuery::ForbiddenByte => f.write_str("The link contains characters that are not allowed in a URL."),
            BadQuery::Semicolon => f.write_str("The link uses ';' as a separator; use '&'."),
            BadQuery::EmptyPiece => f.write_str("The link contains an empty parameter."),
            BadQuery::MissingEquals => f.write_str("The link contains a parameter without '='."),
            BadQuery::MalformedKey => f.write_str("The link contains a malformed parameter name."),
            BadQuery::UnknownKey => f.write_str("The link contains a parameter that is not allowed."),
            BadQuery::DuplicateKey(k) => {
                write!(f, "The parameter {} appears more than once.", k.key())
            }
            BadQuery::BadEscape(k) => {
                write!(f, "The parameter {} has a malformed percent escape.", k.key())
            }
            BadQuery::InvalidUtf8(k) => write!(f, "The parameter {} is not valid UTF-8.", k.key()),
            BadQuery::NotPrintable(k) => {
                write!(f, "The parameter {} contains control or invisible characters.", k.key())
            }
            BadQuery::Missing(k) => write!(f, "The required parameter {} is missing.", k.key()),
            BadQuery::Invalid(k) => f.write_str(field_rule(*k)),
            BadQuery::V2FieldWithoutVersion => f.write_str("The expires and nonce parameters need v=2."),
            BadQuery::BadToken => f.write_str("The link's token is not valid."),
        }
    }
}

impl std::error::Error for BadQuery {}

/// Why a v2 link is outside its validity window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowError {
    /// `now` is past `expires` plus the leeway.
    Expired,
    /// `expires` is further ahead than the maximum TTL (plus the leeway).
    TooFarAhead,
}

impl fmt::Display for WindowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WindowError::Expired => f.write_str("The link has expired."),
            WindowError::TooFarAhead => f.write_str("The link's expiry is too far in the future."),
        }
    }
}

impl std::error::Error for WindowError {}
