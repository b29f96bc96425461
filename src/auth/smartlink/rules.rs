//! SmartLink: byte, escape and per-field rules applied to a query before anything is trusted.
//!
//! All checks here work on one value at a time and never look at the token.

use super::error::{BadQuery, Field};

/// A raw byte allowed in the undecoded query: RFC 3986 `query` characters
/// (unreserved, `%`, sub-delims, `:`, `@`, `/`, `?`) minus `;`.
///
/// This is what refuses SHA-1 length-extension padding sent raw (`0x80`, `0x00`, ...).
pub(crate) fn is_query_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'%'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b'='
                | b':'
                | b'@'
                | b'/'
                | b'?'
        )
}

/// A key is plain: ASCII letters, digits, `_`, `-`, `.` (no escapes, no `[]`, not empty).
pub(crate) fn is_plain_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Form-decodes one raw value (`+` is a space, `%XX` a byte) into printable UTF-8.
pub(crate) fn decode_value(field: Field, raw: &str) -> Result<String, BadQuery> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.get(i + 1).copied().and_then(hex_val);
                let lo = bytes.get(i + 2).copied().and_then(hex_val);
                match (hi, lo) {
                    // equivalent mutant: `|` -> `^` (or `+`): `hi << 4` has no low bits
                    // and `lo` is below 16, so the three give the same byte.
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(BadQuery::BadEscape(field)),
                }
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    let text = String::from_utf8(out).map_err(|_| BadQuery::InvalidUtf8(field))?;
    if text.chars().any(is_unprintable) {
        return Err(BadQuery::NotPrintable(field));
    }
    Ok(text)
}

/// Control characters (C0, DEL, C1) and the invisible format characters that can
/// disguise a value: soft hyphen, zero-width and bidi controls, line and paragraph
/// separators, word joiners, BOM, interlinear annotations, tags, `U+FFFE`/`U+FFFF`.
/// The same list usernames are checked against ([`crate::domain::text::is_invisible`]).
fn is_unprintable(c: char) -> bool {
    c.is_control() || crate::domain::text::is_invisible(c)
}

/// Digits only, no leading zero, 1..=u64::MAX.
pub(crate) fn app_id(v: &str) -> Result<u64, BadQuery> {
    let bad = BadQuery::Invalid(Field::AppId);
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) || v.starts_with('0') {
        return Err(bad);
    }
    v.parse::<u64>().map_err(|_| bad)
}

/// 1 to 100 characters, not blank, none of `& = < >` (control and invisible
/// characters were already refused by [`decode_value`]).
pub(crate) fn name(field: Field, v: &str) -> Result<(), BadQuery> {
    let count = v.chars().count();
    let ok = (1..=100).contains(&count) && !v.chars().all(char::is_whitespace) && !v.contains(['&', '=', '<', '>']);
    if ok { Ok(()) } else { Err(BadQuery::Invalid(field)) }
}

/// A conservative email address, returned lower-cased. At most 254 bytes, exactly
/// one `@`; local part 1..=64 of ASCII letters, digits, `. _ + - '` with no leading,
/// trailing or doubled dot; domain of at least two dot-separated labels of 1..=63
/// letters, digits or `-` (not at either end), the last one not all digits.
pub(crate) fn email(v: &str) -> Result<String, BadQuery> {
    let bad = BadQuery::Invalid(Field::Username);
    if v.len() > 254 {
        return Err(bad);
    }
    let Some((local, domain)) = v.split_once('@') else {
        return Err(bad);
    };
    let local_ok = (1..=64).contains(&local.len())
        && local.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-' | b'\''))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
        && labels.last().is_some_and(|tld| !tld.bytes().all(|b| b.is_ascii_digit()));
    if local_ok && domain_ok { Ok(v.to_ascii_lowercase()) } else { Err(bad) }
}

/// 5 to 32 characters of digits, spaces, `- ( ) .`, an optional leading `+`,
/// at least five digits, no leading or trailing space.
pub(crate) fn phone(v: &str) -> Result<(), BadQuery> {
    let body = v.strip_prefix('+').unwrap_or(v);
    let ok = (5..=32).contains(&v.len())
        && v.trim() == v
        && body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'(' | b')' | b'.'))
        && body.bytes().filter(u8::is_ascii_digit).count() >= 5;
    if ok { Ok(()) } else { Err(BadQuery::Invalid(Field::Phone)) }
}

/// Exactly `2`.
pub(crate) fn version(v: &str) -> Result<(), BadQuery> {
    if v == "2" { Ok(()) } else { Err(BadQuery::Invalid(Field::Version)) }
}

/// Digits only, no leading zero (except `0` itself), fits i64.
pub(crate) fn expires(v: &str) -> Result<i64, BadQuery> {
    let bad = BadQuery::Invalid(Field::Expires);
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) || (v.len() > 1 && v.starts_with('0')) {
        return Err(bad);
    }
    v.parse::<i64>().map_err(|_| bad)
}

/// 16 to 128 characters of `[A-Za-z0-9_-]`.
pub(crate) fn nonce(v: &str) -> Result<(), BadQuery> {
    let ok = (16..=128).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok { Ok(()) } else { Err(BadQuery::Invalid(Field::Nonce)) }
}

/// Exactly `len` hex digits in either case, decoded.
pub(crate) fn token(v: &str, len: usize) -> Result<Vec<u8>, BadQuery> {
    if v.len() != len || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(BadQuery::BadToken);
    }
    hex::decode(v).map_err(|_| BadQuery::BadToken)
}
