//! Encryption at rest for credentials and SmartLink secrets: AES-256-GCM (ring) under a
//! [`Keyring`] of master keys, plus HKDF subkeys of the current master key.
//!
//! A ciphertext is a self-describing blob, so rotation never needs a flag day:
//!
//! ```text
//! version (1 byte, = 1) | id length (1 byte) | key id (ASCII) | nonce (12 bytes) | ciphertext + tag (16)
//! ```
//!
//! The GCM associated data is the blob header (version, id length, key id) followed by the
//! caller's `aad`. Callers pass the row's identity (see [`row_aad`]) so that a ciphertext
//! copied into another row, column or table does not decrypt. Old keys stay in the ring
//! for decryption; [`Keyring::needs_reencrypt`] finds blobs to move to the current key.
//! The key file format lives in [`keyfile`].

pub mod keyfile;
mod live;
#[cfg(test)]
mod tests;

pub use live::LiveKeyring;

use std::fmt;
use std::path::PathBuf;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// Length of a master key in bytes.
pub const KEY_LEN: usize = 32;
/// Longest accepted key id.
pub const MAX_KEY_ID_LEN: usize = 16;
const BLOB_VERSION: u8 = 1;
const TAG_LEN: usize = 16;
/// HKDF salt: fixed, for domain separation of [`Keyring::derive`] from any other use.
const DERIVE_SALT: &[u8] = b"usher/vault/derive/v1";

/// Errors of the vault. None of them carries key bytes or plaintext.
#[derive(Debug)]
pub enum VaultError {
    /// The blob is well formed but failed authentication: tampered, moved to another row
    /// (different associated data) or sealed under a different key with the same id.
    Tampered,
    /// The blob names a key id this keyring does not hold.
    UnknownKeyId(String),
    /// The blob is not a vault blob (too short, unknown version, bad key id).
    Malformed(&'static str),
    /// A key id given to the keyring is empty, too long or has characters outside
    /// `[A-Za-z0-9_-]`.
    InvalidKeyId,
    /// The keyring already holds a key with this id.
    DuplicateKeyId(String),
    /// The operating system's random number generator failed.
    Random,
    /// A key file exists but its contents are unusable.
    KeyFile { path: PathBuf, problem: String },
    /// Reading or writing a key file failed.
    Io { path: PathBuf, action: &'static str, source: std::io::Error },
}

impl fmt::Display for VaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tampered => {
                f.write_str("encrypted value failed authentication (tampered, moved to another row, or wrong key)")
            }
            Self::UnknownKeyId(id) => {
                write!(f, "encrypted value uses master key {id:?}, which the keyring does not hold")
            }
            Self::Malformed(why) => write!(f, "malformed encrypted value: {why}"),
            Self::InvalidKeyId => {
                write!(f, "invalid key id: use 1 to {MAX_KEY_ID_LEN} characters from A-Z a-z 0-9 _ -")
            }
            Self::DuplicateKeyId(id) => write!(f, "the keyring already holds a key with id {id:?}"),
            Self::Random => f.write_str("the operating system's random number generator failed"),
            Self::KeyFile { path, problem } => write!(f, "master key file {}: {problem}", path.display()),
            Self::Io { path, action, source } => {
                write!(f, "master key file {}: {action} failed: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for VaultError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

struct Entry {
    id: String,
    raw: [u8; KEY_LEN],
    aead: LessSafeKey,
}

/// One or more 32-byte master keys, each with a short id; exactly one is current.
///
/// New blobs and [`derive`](Keyring::derive)d subkeys use the current key; every key
/// decrypts blobs that name it.
pub struct Keyring {
    entries: Vec<Entry>,
    current: usize,
    rng: SystemRandom,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("ids", &self.ids().collect::<Vec<_>>())
            .field("current", &self.current_id())
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// A keyring holding one key, which is current.
    pub fn new(id: &str, key: [u8; KEY_LEN]) -> Result<Self, VaultError> {
        Ok(Self { entries: vec![entry(id, key)?], current: 0, rng: SystemRandom::new() })
    }

    /// A keyring holding one fresh random key with the given id.
    pub fn generate(id: &str) -> Result<Self, VaultError> {
        Self::new(id, random_key()?)
    }

    /// Adds a key for decryption. The current key does not change; see
    /// [`set_current`](Keyring::set_current).
    pub fn add(&mut self, id: &str, key: [u8; KEY_LEN]) -> Result<(), VaultError> {
        if self.position(id).is_some() {
            return Err(VaultError::DuplicateKeyId(id.to_owned()));
        }
        self.entries.push(entry(id, key)?);
        Ok(())
    }

    /// Makes the key with this id the one new blobs are sealed under.
    pub fn set_current(&mut self, id: &str) -> Result<(), VaultError> {
        self.current = self.position(id).ok_or_else(|| VaultError::UnknownKeyId(id.to_owned()))?;
        Ok(())
    }

    /// The id of the current key.
    pub fn current_id(&self) -> &str {
        &self.current().id
    }

    /// Every key id, in the order the keys were added.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.id.as_str())
    }

    /// Seals `plaintext` under the current key with a fresh random nonce; `aad` binds the
    /// blob to its place (see [`row_aad`]).
    pub fn encrypt(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
        let key = self.current();
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| VaultError::Random)?;
        let header = header(&key.id);
        let mut in_out = plaintext.to_vec();
        key.aead
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(full_aad(&header, aad)),
                &mut in_out,
            )
            .map_err(|_| VaultError::Malformed("plaintext too long"))?;
        let mut blob = header;
        // equivalent mutant: `+` -> `*` (or any size): only the capacity reserved changes.
        blob.reserve(NONCE_LEN + in_out.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&in_out);
        Ok(blob)
    }

    /// Opens a blob made by [`encrypt`](Keyring::encrypt) with the same `aad`, using
    /// whichever key the blob names.
    pub fn decrypt(&self, aad: &[u8], blob: &[u8]) -> Result<Vec<u8>, VaultError> {
        let parsed = parse(blob)?;
        let key = self
            .position(parsed.key_id)
            .and_then(|i| self.entries.get(i))
            .ok_or_else(|| VaultError::UnknownKeyId(parsed.key_id.to_owned()))?;
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(parsed.nonce);
        let mut in_out = parsed.sealed.to_vec();
        let plain = key
            .aead
            .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(full_aad(parsed.header, aad)), &mut in_out)
            .map_err(|_| VaultError::Tampered)?;
        Ok(plain.to_vec())
    }

    /// True unless `blob` is a well-formed blob sealed under the current key: what
    /// `usher master-key rotate` re-encrypts. Malformed blobs answer true so that the
    /// re-encryption pass reports them instead of skipping them silently.
    pub fn needs_reencrypt(&self, blob: &[u8]) -> bool {
        parse(blob).map_or(true, |p| p.key_id != self.current_id())
    }

    /// A 32-byte subkey of the CURRENT master key for `purpose` (e.g. `"jwt"`,
    /// `"cursor"`): HKDF-SHA256 (RFC 5869) with a fixed salt and the purpose as info.
    ///
    /// The output length is one SHA-256 block, so HKDF-Expand is the single block
    /// `T(1) = HMAC(PRK, info || 0x01)`; computing it with `ring::hmac` keeps this
    /// infallible. The unit tests check it against `ring::hkdf` and RFC 5869.
    /// Subkeys change when the current key changes (rotation re-keys JWTs and cursors).
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        hkdf_sha256_32(DERIVE_SALT, &self.current().raw, purpose.as_bytes())
    }

    /// A subkey (see [`derive`](Keyring::derive)) of the key `id`, whether current or
    /// not: for values that must stay the same after a rotation (hook tokens).
    pub fn derive_with(&self, id: &str, purpose: &str) -> Option<[u8; 32]> {
        let entry = self.entries.get(self.position(id)?)?;
        Some(hkdf_sha256_32(DERIVE_SALT, &entry.raw, purpose.as_bytes()))
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.id == id)
    }

    /// The current entry. Invariant: `entries` is never empty (every constructor adds a
    /// key and none removes one) and `current` is always an index `position` returned.
    fn current(&self) -> &Entry {
        &self.entries[self.current]
    }

    /// (id, key) pairs with the current key last: the order the key file stores.
    fn for_file(&self) -> impl Iterator<Item = (&str, &[u8; KEY_LEN])> {
        let others = self.entries.iter().enumerate().filter(|(i, _)| *i != self.current);
        let current = std::iter::once((self.current, self.current()));
        others.chain(current).map(|(_, e)| (e.id.as_str(), &e.raw))
    }
}

/// Associated data naming a row: `table` and `row_id`, each length-prefixed so that no
/// two different pairs produce the same bytes. Include the column in `table` (e.g.
/// `"connections.credentials"`) when a row holds more than one secret.
pub fn row_aad(table: &str, row_id: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(table.len() + row_id.len() + 16);
    for part in [table, row_id] {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

/// HKDF-SHA256 (RFC 5869) with L = 32, i.e. one output block.
fn hkdf_sha256_32(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; 32] {
    let prk = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, salt), ikm);
    let mut ctx = hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref()));
    ctx.update(info);
    ctx.update(&[1]);
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.sign().as_ref());
    out
}

fn random_key() -> Result<[u8; KEY_LEN], VaultError> {
    let mut key = [0u8; KEY_LEN];
    SystemRandom::new().fill(&mut key).map_err(|_| VaultError::Random)?;
    Ok(key)
}

fn valid_key_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_KEY_ID_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn entry(id: &str, raw: [u8; KEY_LEN]) -> Result<Entry, VaultError> {
    if !valid_key_id(id) {
        return Err(VaultError::InvalidKeyId);
    }
    let unbound = UnboundKey::new(&AES_256_GCM, &raw).map_err(|_| VaultError::InvalidKeyId)?;
    Ok(Entry { id: id.to_owned(), raw, aead: LessSafeKey::new(unbound) })
}

fn header(key_id: &str) -> Vec<u8> {
    let mut h = Vec::with_capacity(2 + key_id.len());
    h.push(BLOB_VERSION);
    // valid_key_id bounds the length to MAX_KEY_ID_LEN, so this never truncates.
    h.push(key_id.len() as u8);
    h.extend_from_slice(key_id.as_bytes());
    h
}

fn full_aad(header: &[u8], aad: &[u8]) -> Vec<u8> {
    let mut all = Vec::with_capacity(header.len() + aad.len());
    all.extend_from_slice(header);
    all.extend_from_slice(aad);
    all
}

struct Parsed<'a> {
    header: &'a [u8],
    key_id: &'a str,
    nonce: &'a [u8],
    sealed: &'a [u8],
}

fn parse(blob: &[u8]) -> Result<Parsed<'_>, VaultError> {
    let (&version, rest) = blob.split_first().ok_or(VaultError::Malformed("empty"))?;
    if version != BLOB_VERSION {
        return Err(VaultError::Malformed("unsupported version"));
    }
    let (&id_len, rest) = rest.split_first().ok_or(VaultError::Malformed("truncated header"))?;
    let id_len = usize::from(id_len);
    if rest.len() < id_len + NONCE_LEN + TAG_LEN {
        return Err(VaultError::Malformed("too short"));
    }
    let (id, rest) = rest.split_at(id_len);
    let key_id =
        std::str::from_utf8(id).ok().filter(|s| valid_key_id(s)).ok_or(VaultError::Malformed("invalid key id"))?;
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    Ok(Parsed { header: &blob[..2 + id_len], key_id, nonce, sealed })
}
