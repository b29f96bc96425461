//! Unit tests of the live keyring: it seals, opens and derives like the keyring it
//! holds, follows the key file (on an unknown key id, and when the file's time
//! changes), and keeps the start-up key's subkeys.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, SystemTime};

use super::*;
use crate::vault::row_aad;

const HOUR: Duration = Duration::from_secs(3600);

fn aad() -> Vec<u8> {
    row_aad("smartlink_apps.secret", "7")
}

/// A key file holding `k1`, with a modification time no later write can have.
fn key_file(dir: &Path) -> (PathBuf, Keyring) {
    let path = dir.join("master.key");
    let ring = Keyring::generate_file(&path).unwrap();
    let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    File::options().write(true).open(&path).unwrap().set_modified(long_ago).unwrap();
    (path, ring)
}

#[test]
fn a_fixed_keyring_seals_opens_and_derives_like_the_keyring_it_holds() {
    let key = [7u8; 32];
    let ring = Keyring::new("k1", key).unwrap();
    let live = LiveKeyring::fixed(Keyring::new("k1", key).unwrap());
    let blob = live.encrypt(&aad(), b"secret").unwrap();
    assert_eq!(ring.decrypt(&aad(), &blob).unwrap(), b"secret");
    assert_eq!(live.decrypt(&aad(), &ring.encrypt(&aad(), b"other").unwrap()).unwrap(), b"other");
    assert_eq!(live.derive("jwt"), ring.derive("jwt"));
    assert_ne!(live.derive("jwt"), live.derive("cursor"));
    assert_eq!(live.derive_current("cursor"), ("k1".to_string(), ring.derive("cursor")));
    assert_eq!(live.derive_with("k1", "hook"), ring.derive_with("k1", "hook"));
    assert_eq!(live.derive_with("k2", "hook"), None);
    let foreign = Keyring::new("k2", key).unwrap().encrypt(&aad(), b"x").unwrap();
    assert!(matches!(live.decrypt(&aad(), &foreign), Err(VaultError::UnknownKeyId(id)) if id == "k2"));
}

#[test]
fn a_blob_under_a_key_not_loaded_rereads_the_file_and_boot_subkeys_stay() {
    let dir = tempfile::tempdir().unwrap();
    let (path, first) = key_file(dir.path());
    let live = LiveKeyring::following_every(path.clone(), Keyring::load(&path).unwrap(), HOUR);
    let rotated = Keyring::rotate_file(&path).unwrap();
    assert_eq!(live.current().current_id(), "k1", "not looked at again within the hour");
    let blob = rotated.encrypt(&aad(), b"new").unwrap();
    assert_eq!(live.decrypt(&aad(), &blob).unwrap(), b"new");
    assert_eq!(live.current().current_id(), "k2");
    assert_eq!(live.derive_current("cursor"), ("k2".to_string(), rotated.derive("cursor")));
    assert_eq!(live.derive("jwt"), first.derive("jwt"));
    assert_ne!(live.derive("jwt"), rotated.derive("jwt"));
}

#[test]
fn a_subkey_of_a_key_not_loaded_rereads_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = key_file(dir.path());
    let live = LiveKeyring::following_every(path.clone(), Keyring::load(&path).unwrap(), HOUR);
    let rotated = Keyring::rotate_file(&path).unwrap();
    let want = rotated.derive_with("k2", "hook");
    assert!(want.is_some());
    assert_eq!(live.derive_with("k2", "hook"), want);
    assert_eq!(live.derive_with("k3", "hook"), None);
}

#[test]
fn a_changed_file_is_loaded_when_looked_at_and_an_unreadable_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = key_file(dir.path());
    let live = LiveKeyring::following_every(path.clone(), Keyring::load(&path).unwrap(), Duration::ZERO);
    assert_eq!(live.current().current_id(), "k1", "an unchanged file is kept");
    let rotated = Keyring::rotate_file(&path).unwrap();
    assert_eq!(live.current().current_id(), "k2");
    let blob = live.encrypt(&aad(), b"sealed").unwrap();
    assert_eq!(rotated.decrypt(&aad(), &blob).unwrap(), b"sealed");
    std::fs::write(&path, "not a key file").unwrap();
    let later = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000);
    File::options().write(true).open(&path).unwrap().set_modified(later).unwrap();
    assert_eq!(live.current().current_id(), "k2", "the loaded keys are kept");
}
