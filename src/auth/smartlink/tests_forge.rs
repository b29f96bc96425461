//! SmartLink unit tests: SHA-1 length-extension forgeries of legacy links are refused.

use super::*;
use sha1::{Digest, Sha1};

#[path = "../../../tests/it/sha1_forge.rs"]
mod sha1_forge;

const SECRET: &[u8] = b"test-secret";
const DALE: &str = "appId=83&firstName=Dale&surname=Mooney&username=dale@example.com";

fn sha1_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha1::new();
    for p in parts {
        h.update(p);
    }
    hex::encode(h.finalize())
}

fn pct(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

/// The forged token verifies against the link's bytes with the glue decoded (`raw`
/// without its token): a verifier that decoded before hashing would accept the
/// forgery, so usher's refusal is what stops it.
fn accepted_by_a_decoding_verifier(raw: &[u8], forged: &str) {
    let signed = &raw[..raw.len() - "&token=".len() - forged.len()];
    assert_eq!(sha1_hex(&[SECRET, signed]), forged);
}

#[test]
fn forger_matches_sha1() {
    for len in [0, 1, 55, 56, 63, 64, 65, 119, 120, 200] {
        let msg = vec![b'q'; len];
        assert_eq!(sha1_forge::sha1_hex(&msg), sha1_hex(&[&msg]), "len {len}");
    }
}

#[test]
fn forger_extends_a_real_link() {
    let token = sign_legacy(SECRET, DALE);
    let suffix = b"&username=victim@example.com";
    let (glue, forged) = sha1_forge::extend(&token, SECRET.len() + DALE.len(), suffix);
    assert_eq!(glue.first(), Some(&0x80));
    assert_eq!((SECRET.len() + DALE.len() + glue.len()) % 64, 0);
    // The forged digest is a genuine sha1(secret ‖ msg ‖ glue ‖ suffix): a verifier
    // that hashed the raw bytes would accept it.
    assert_eq!(forged, sha1_hex(&[SECRET, DALE.as_bytes(), &glue, suffix]));
    // It started from the genuine link's token.
    assert_eq!(token, sha1_hex(&[SECRET, DALE.as_bytes()]));
}

/// Forged links for `suffix`, with the glue sent raw and percent-encoded.
fn forgeries(suffix: &str) -> (Vec<u8>, String, String) {
    let token = sign_legacy(SECRET, DALE);
    let (glue, forged) = sha1_forge::extend(&token, SECRET.len() + DALE.len(), suffix.as_bytes());
    let mut raw = DALE.as_bytes().to_vec();
    raw.extend_from_slice(&glue);
    raw.extend_from_slice(format!("{suffix}&token={forged}").as_bytes());
    let encoded = format!("{DALE}{}{suffix}&token={forged}", pct(&glue));
    (raw, encoded, forged)
}

#[test]
fn forged_username_is_refused() {
    let (raw, encoded, forged) = forgeries("&username=victim@example.com");
    // Raw glue: not even UTF-8, and refused byte by byte.
    assert!(std::str::from_utf8(&raw).is_err());
    assert_eq!(parse_bytes(&raw).unwrap_err(), BadQuery::ForbiddenByte);
    assert_eq!(parse(&String::from_utf8_lossy(&raw)).unwrap_err(), BadQuery::ForbiddenByte);
    // Encoded glue: refused by parse, though a decoding verifier would accept it.
    assert!(parse(&encoded).is_err());
    accepted_by_a_decoding_verifier(&raw, &forged);
}

#[test]
fn forged_phone_is_refused() {
    let (raw, encoded, forged) = forgeries("&phone=%2B44%207700%20900999");
    assert_eq!(parse_bytes(&raw).unwrap_err(), BadQuery::ForbiddenByte);
    // The glue lands in the username value: `%80` does not decode to UTF-8.
    assert_eq!(parse(&encoded).unwrap_err(), BadQuery::InvalidUtf8(Field::Username));
    accepted_by_a_decoding_verifier(&raw, &forged);
}

#[test]
fn forged_tail_cannot_be_hidden_in_a_later_value() {
    // Even with the glue's NUL and length bytes alone (no 0x80), raw or encoded, the
    // query is refused: control bytes are neither URL bytes nor printable values.
    let token = sign_legacy(SECRET, DALE);
    let (glue, _) = sha1_forge::extend(&token, SECRET.len() + DALE.len(), b"");
    let tail = &glue[1..];
    let mut raw = DALE.as_bytes().to_vec();
    raw.extend_from_slice(tail);
    assert_eq!(parse_bytes(&raw).unwrap_err(), BadQuery::ForbiddenByte);
    let encoded = format!("{DALE}{}&token={token}", pct(tail));
    assert_eq!(parse(&encoded).unwrap_err(), BadQuery::NotPrintable(Field::Username));
}
