//! Unit tests of the vault's blob encryption, rotation and key derivation.

use super::*;

fn ring_k1() -> Keyring {
    Keyring::new("k1", [1u8; KEY_LEN]).unwrap()
}

fn aad() -> Vec<u8> {
    row_aad("connections.credentials", "conn_1")
}

#[test]
fn round_trip_and_blob_layout() {
    let ring = ring_k1();
    let blob = ring.encrypt(&aad(), b"client secret").unwrap();
    assert_eq!(&blob[..4], &[1, 2, b'k', b'1']);
    assert_eq!(blob.len(), 4 + NONCE_LEN + b"client secret".len() + TAG_LEN);
    assert_eq!(ring.decrypt(&aad(), &blob).unwrap(), b"client secret");
    assert!(!ring.needs_reencrypt(&blob));
    // Fresh nonce each time.
    assert_ne!(blob, ring.encrypt(&aad(), b"client secret").unwrap());
    let empty = ring.encrypt(&aad(), b"").unwrap();
    assert_eq!(ring.decrypt(&aad(), &empty).unwrap(), b"");
}

/// Key ids of one and of the most characters: the header (version, length, id) is
/// read back at its own length, not at the two characters of `k1`.
#[test]
fn key_ids_of_any_allowed_length_seal_and_open() {
    for id in ["a", "k_10", "abcdefghijklmnop"] {
        let ring = Keyring::new(id, [3u8; KEY_LEN]).unwrap();
        let blob = ring.encrypt(&aad(), b"secret").unwrap();
        assert_eq!(&blob[2..2 + id.len()], id.as_bytes());
        assert_eq!(ring.decrypt(&aad(), &blob).unwrap(), b"secret", "{id}");
        assert!(!ring.needs_reencrypt(&blob));
    }
}

#[test]
fn tampering_anywhere_fails_authentication() {
    let ring = ring_k1();
    let blob = ring.encrypt(&aad(), b"client secret").unwrap();
    let nonce_at = 4;
    let ciphertext_at = nonce_at + NONCE_LEN;
    let tag_at = blob.len() - TAG_LEN;
    for at in [nonce_at, nonce_at + NONCE_LEN - 1, ciphertext_at, tag_at, blob.len() - 1] {
        let mut bad = blob.clone();
        bad[at] ^= 0x01;
        assert!(matches!(ring.decrypt(&aad(), &bad), Err(VaultError::Tampered)), "byte {at}");
    }
}

#[test]
fn wrong_key_with_the_same_id_fails() {
    let blob = ring_k1().encrypt(&aad(), b"x").unwrap();
    let other = Keyring::new("k1", [2u8; KEY_LEN]).unwrap();
    assert!(matches!(other.decrypt(&aad(), &blob), Err(VaultError::Tampered)));
}

#[test]
fn moved_ciphertext_does_not_decrypt() {
    let ring = ring_k1();
    let blob = ring.encrypt(&row_aad("connections.credentials", "conn_1"), b"x").unwrap();
    for other in [
        row_aad("connections.credentials", "conn_2"),
        row_aad("smartlink.secret", "conn_1"),
        row_aad("connections.credentials", "conn_1x"),
        Vec::new(),
    ] {
        assert!(matches!(ring.decrypt(&other, &blob), Err(VaultError::Tampered)));
    }
    assert_ne!(row_aad("a:b", "c"), row_aad("a", "b:c"));
}

#[test]
fn unknown_key_id_and_malformed_blobs() {
    let blob = Keyring::new("k9", [1u8; KEY_LEN]).unwrap().encrypt(b"", b"x").unwrap();
    let err = ring_k1().decrypt(b"", &blob).unwrap_err();
    assert!(matches!(&err, VaultError::UnknownKeyId(id) if id == "k9"), "{err}");
    // Relabelling the key id is caught too: the header is authenticated.
    let mut relabelled = ring_k1().encrypt(b"", b"x").unwrap();
    relabelled[3] = b'2';
    let mut both = ring_k1();
    both.add("k2", [1u8; KEY_LEN]).unwrap();
    assert!(matches!(both.decrypt(b"", &relabelled), Err(VaultError::Tampered)));

    let good = ring_k1().encrypt(b"", b"x").unwrap();
    let mut bad_version = good.clone();
    bad_version[0] = 2;
    let mut bad_id = good.clone();
    bad_id[2] = b'/';
    let mut long_len = good.clone();
    long_len[1] = 200;
    for bad in
        [&[][..], &[1][..], &good[..good.len() - 1][..4 + NONCE_LEN + TAG_LEN - 1], &bad_version, &bad_id, &long_len]
    {
        let err = ring_k1().decrypt(b"", bad).unwrap_err();
        assert!(matches!(err, VaultError::Malformed(_)), "{err}");
        assert!(ring_k1().needs_reencrypt(bad));
    }
}

#[test]
fn rotation_keeps_old_blobs_readable() {
    let mut ring = ring_k1();
    let old = ring.encrypt(&aad(), b"old").unwrap();
    ring.add("k2", [2u8; KEY_LEN]).unwrap();
    assert_eq!(ring.current_id(), "k1", "add does not switch");
    ring.set_current("k2").unwrap();
    let new = ring.encrypt(&aad(), b"new").unwrap();
    assert_eq!(&new[2..4], b"k2");
    assert_eq!(ring.decrypt(&aad(), &old).unwrap(), b"old");
    assert_eq!(ring.decrypt(&aad(), &new).unwrap(), b"new");
    assert!(ring.needs_reencrypt(&old));
    assert!(!ring.needs_reencrypt(&new));
    assert!(matches!(ring.add("k2", [3u8; KEY_LEN]), Err(VaultError::DuplicateKeyId(_))));
    assert!(matches!(ring.set_current("k3"), Err(VaultError::UnknownKeyId(_))));
    for id in ["", "k 1", "k\u{e9}", "abcdefghijklmnopq"] {
        assert!(matches!(ring.add(id, [3u8; KEY_LEN]), Err(VaultError::InvalidKeyId)), "{id:?}");
    }
}

#[test]
fn derive_is_deterministic_per_purpose_and_follows_the_current_key() {
    let mut ring = ring_k1();
    assert_eq!(ring.derive("jwt"), ring_k1().derive("jwt"));
    assert_ne!(ring.derive("jwt"), ring.derive("cursor"));
    assert_ne!(ring.derive("jwt"), [1u8; 32]);
    let before = ring.derive("jwt");
    ring.add("k2", [2u8; KEY_LEN]).unwrap();
    assert_eq!(ring.derive("jwt"), before);
    ring.set_current("k2").unwrap();
    assert_ne!(ring.derive("jwt"), before);
}

#[test]
fn hkdf_matches_ring_hkdf_and_rfc5869_case_1() {
    // RFC 5869 A.1: the first 32 bytes of OKM are T(1).
    let okm = hkdf_sha256_32(
        &hex::decode("000102030405060708090a0b0c").unwrap(),
        &[0x0b; 22],
        &hex::decode("f0f1f2f3f4f5f6f7f8f9").unwrap(),
    );
    assert_eq!(hex::encode(okm), "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf");

    struct Len32;
    impl ring::hkdf::KeyType for Len32 {
        fn len(&self) -> usize {
            32
        }
    }
    let mut want = [0u8; 32];
    ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, DERIVE_SALT)
        .extract(&[1u8; KEY_LEN])
        .expand(&[b"jwt"], Len32)
        .unwrap()
        .fill(&mut want)
        .unwrap();
    assert_eq!(ring_k1().derive("jwt"), want);
}

#[test]
fn errors_and_debug_never_show_key_bytes() {
    let ring = Keyring::new("k1", [0xabu8; KEY_LEN]).unwrap();
    let debug = format!("{ring:?}");
    assert!(debug.contains("k1") && !debug.contains("171") && !debug.to_lowercase().contains("abab"), "{debug}");
    for err in [VaultError::Tampered, VaultError::Malformed("too short"), VaultError::UnknownKeyId("k7".into())] {
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn a_key_file_that_cannot_be_read_keeps_the_io_error_as_its_source() {
    use std::error::Error;
    let dir = tempfile::tempdir().unwrap();
    let err = Keyring::load(&dir.path().join("missing.key")).unwrap_err();
    assert!(matches!(&err, VaultError::Io { action: "reading", .. }), "{err}");
    let source = err.source().and_then(|s| s.downcast_ref::<std::io::Error>()).map(std::io::Error::kind);
    assert_eq!(source, Some(std::io::ErrorKind::NotFound));
    assert!(VaultError::Tampered.source().is_none());
}
