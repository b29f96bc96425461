//! PLACEHOLDER until the vault module lands: master keyring loading and key derivation.

use std::path::Path;

pub struct Keyring {
    key: [u8; 32],
}

#[derive(Debug)]
pub struct VaultError(String);

impl std::fmt::Display for VaultError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Keyring {
    pub fn load(path: &Path) -> Result<Keyring, VaultError> {
        let text = std::fs::read_to_string(path).map_err(|e| VaultError(e.to_string()))?;
        let bytes = hex::decode(text.trim()).map_err(|e| VaultError(e.to_string()))?;
        let key = bytes.try_into().map_err(|_| VaultError("bad key".into()))?;
        Ok(Keyring { key })
    }

    pub fn generate_file(path: &Path) -> Result<Keyring, VaultError> {
        let key: [u8; 32] = crate::ids::random_bytes().map_err(|e| VaultError(e.to_string()))?;
        std::fs::write(path, hex::encode(key)).map_err(|e| VaultError(e.to_string()))?;
        Ok(Keyring { key })
    }

    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }
}
