//! The optional RSA signature header of webhook deliveries: RSA PKCS#1 v1.5 with SHA-256
//! over `METHOD + URL + BODY` (plain concatenation), hex encoded, made with `ring` from
//! an operator-supplied PKCS#8 key (`[webhooks] rsa_signing_key_file`).
//!
//! ring signs with RSA keys but cannot generate them; make one with
//! `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`. The public half is
//! published as an SPKI `PUBLIC KEY` PEM, built here by wrapping ring's PKCS#1
//! `RSAPublicKey` DER in a `SubjectPublicKeyInfo` by hand.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::rand::SystemRandom;
use ring::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};

/// `AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }`, DER.
const RSA_ENCRYPTION_ALGORITHM_ID: [u8; 15] =
    [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];

/// Why the RSA key could not be loaded or used. Never contains key material.
#[derive(Debug)]
pub enum RsaError {
    /// The key file could not be read.
    Io { path: PathBuf, source: std::io::Error },
    /// The file is PEM but not a usable `PRIVATE KEY` block.
    Pem(&'static str),
    /// ring refused the key (not PKCS#8 RSA, too small, inconsistent...).
    Rejected(String),
    /// Signing failed (the random generator used for blinding failed).
    Sign,
}

impl fmt::Display for RsaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "RSA signing key {}: {source}", path.display()),
            Self::Pem(why) => write!(f, "RSA signing key: {why}"),
            Self::Rejected(why) => write!(
                f,
                "RSA signing key rejected ({why}); expected an unencrypted PKCS#8 RSA key of 2048 to 8192 bits"
            ),
            Self::Sign => f.write_str("RSA signing failed"),
        }
    }
}

impl std::error::Error for RsaError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// An RSA private key for the optional delivery signature header.
pub struct RsaSigner {
    key: RsaKeyPair,
    rng: SystemRandom,
}

impl fmt::Debug for RsaSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaSigner({} bits)", self.key.public().modulus_len() * 8)
    }
}

impl RsaSigner {
    /// Loads a PKCS#8 RSA private key file: PEM (`-----BEGIN PRIVATE KEY-----`) or DER.
    pub fn from_file(path: &Path) -> Result<Self, RsaError> {
        let bytes = std::fs::read(path).map_err(|source| RsaError::Io { path: path.to_owned(), source })?;
        Self::from_pem_or_der(&bytes)
    }

    /// Parses PKCS#8 RSA private key bytes: PEM `PRIVATE KEY` or DER.
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self, RsaError> {
        let der = if bytes.starts_with(b"-----") || bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            pem_decode(bytes)?
        } else {
            bytes.to_vec()
        };
        let key = RsaKeyPair::from_pkcs8(&der).map_err(|e| RsaError::Rejected(e.to_string()))?;
        Ok(Self { key, rng: SystemRandom::new() })
    }

    /// Hex of the RSA PKCS#1 v1.5 SHA-256 signature over `method + url + body`.
    pub fn sign(&self, method: &str, url: &str, body: &[u8]) -> Result<String, RsaError> {
        let mut message = Vec::with_capacity(method.len() + url.len() + body.len());
        message.extend_from_slice(method.as_bytes());
        message.extend_from_slice(url.as_bytes());
        message.extend_from_slice(body);
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key.sign(&RSA_PKCS1_SHA256, &self.rng, &message, &mut signature).map_err(|_| RsaError::Sign)?;
        Ok(hex::encode(signature))
    }

    /// The public key as an SPKI `-----BEGIN PUBLIC KEY-----` PEM, for customers to
    /// verify the header with.
    pub fn public_key_pem(&self) -> String {
        pem_encode("PUBLIC KEY", &spki_der(self.key.public_key().as_ref()))
    }
}

/// `SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING (0 unused bits) }`.
fn spki_der(rsa_public_key: &[u8]) -> Vec<u8> {
    let mut bit_string = vec![0x03];
    bit_string.extend(der_len(rsa_public_key.len() + 1));
    bit_string.push(0x00);
    bit_string.extend_from_slice(rsa_public_key);
    let mut out = vec![0x30];
    out.extend(der_len(RSA_ENCRYPTION_ALGORITHM_ID.len() + bit_string.len()));
    out.extend_from_slice(&RSA_ENCRYPTION_ALGORITHM_ID);
    out.extend(bit_string);
    out
}

/// A DER definite length: short form below 128, else 0x80|n followed by n big-endian bytes.
fn der_len(len: usize) -> Vec<u8> {
    if len < 0x80 {
        return vec![len as u8];
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    let mut out = vec![0x80 | (bytes.len() - skip) as u8];
    out.extend_from_slice(&bytes[skip..]);
    out
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn pem_decode(bytes: &[u8]) -> Result<Vec<u8>, RsaError> {
    let text = std::str::from_utf8(bytes).map_err(|_| RsaError::Pem("PEM file is not text"))?;
    if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
        return Err(RsaError::Pem(
            "this is a PKCS#1 key; convert it with `openssl pkcs8 -topk8 -nocrypt -in old.pem -out key.pem`",
        ));
    }
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return Err(RsaError::Pem("the key is encrypted; store it unencrypted with mode 0600"));
    }
    let (_, rest) =
        text.split_once("-----BEGIN PRIVATE KEY-----").ok_or(RsaError::Pem("no -----BEGIN PRIVATE KEY----- block"))?;
    let (body, _) =
        rest.split_once("-----END PRIVATE KEY-----").ok_or(RsaError::Pem("no -----END PRIVATE KEY----- line"))?;
    let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(b64).map_err(|_| RsaError::Pem("PRIVATE KEY block is not base64"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};

    const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rsa/test_key.pem");
    const OPENSSL_PUB: &str = include_str!("../../tests/fixtures/rsa/test_key.pub.pem");
    const URL: &str = "https://hooks.example.com/usher";
    const BODY: &[u8] = br#"{"type":"installation.completed"}"#;
    // `printf 'POST<URL><BODY>' | openssl dgst -sha256 -sign test_key.pem | xxd -p`
    const OPENSSL_SIG: &str = "6ce4c6e6be0bbed53a84fbf97420dff88a6d704cf5dac9ba878d5f1405308aed50ae34f40ab8c90c0cfca32abca57a92b0fb9f3a3c159a2ea26e827c85d84e7ad6634dd46889fc050fd701c7954b551aa17c7bde7c42efaf5f920391a77e8432ef3d5d0aec46862f9ac22ca1f869f45cd2712359990d91f1ef7fec65b2a499023a305aba116b0eb20e1e861524d03a76ec0cca95d03ed84388c0cf83c668372d01eefd99e3b92cef85b3f2682830da622240a1e881e77fafcb6f8bf8bb7b178c195062c44bd0a75a2d21b19f013e7c05e7b7705fd936a3059b01b8c9975ef5c843ce03fee9d82b4d850860179beccfb2435177e0198475b8b3dc00dbfb09b9fa";

    /// Reads one DER TLV: (tag, contents, rest).
    fn tlv(input: &[u8]) -> (u8, &[u8], &[u8]) {
        let (tag, first) = (input[0], input[1]);
        let (len, header) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let n = usize::from(first & 0x7f);
            (input[2..2 + n].iter().fold(0usize, |acc, &b| acc << 8 | usize::from(b)), 2 + n)
        };
        (tag, &input[header..header + len], &input[header + len..])
    }

    /// The PKCS#1 RSAPublicKey inside an SPKI PEM, parsed back without trusting our writer.
    fn rsa_public_key_from_pem(pem: &str) -> Vec<u8> {
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = STANDARD.decode(b64).unwrap();
        let (tag, spki, rest) = tlv(&der);
        assert_eq!((tag, rest.len()), (0x30, 0));
        let (alg_tag, alg, rest) = tlv(spki);
        assert_eq!(alg_tag, 0x30);
        assert_eq!(&spki[..spki.len() - rest.len()], &RSA_ENCRYPTION_ALGORITHM_ID[..]);
        assert_eq!(alg.len(), 13);
        let (bits_tag, bits, rest) = tlv(rest);
        assert_eq!((bits_tag, bits[0], rest.len()), (0x03, 0, 0));
        bits[1..].to_vec()
    }

    #[test]
    fn signature_matches_openssl_and_verifies_with_the_exported_key() {
        let signer = RsaSigner::from_file(Path::new(FIXTURE)).unwrap();
        let sig = signer.sign("POST", URL, BODY).unwrap();
        assert_eq!(sig, OPENSSL_SIG);
        let public = rsa_public_key_from_pem(&signer.public_key_pem());
        let verifier = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &public);
        let message = [&b"POST"[..], URL.as_bytes(), BODY].concat();
        verifier.verify(&message, &hex::decode(&sig).unwrap()).unwrap();
        let mut tampered = message.clone();
        tampered[0] = b'G';
        assert!(verifier.verify(&tampered, &hex::decode(&sig).unwrap()).is_err());
        assert_eq!(format!("{signer:?}"), "RsaSigner(2048 bits)");
    }

    #[test]
    fn public_pem_is_byte_for_byte_what_openssl_exports() {
        let signer = RsaSigner::from_file(Path::new(FIXTURE)).unwrap();
        assert_eq!(signer.public_key_pem(), OPENSSL_PUB);
    }

    #[test]
    fn der_keys_load_too() {
        let pem = std::fs::read(FIXTURE).unwrap();
        let der = pem_decode(&pem).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.der");
        std::fs::write(&path, &der).unwrap();
        let signer = RsaSigner::from_file(&path).unwrap();
        assert_eq!(signer.sign("POST", URL, BODY).unwrap(), OPENSSL_SIG);
    }

    #[test]
    fn unusable_keys_get_clear_errors() {
        let missing = RsaSigner::from_file(Path::new("/nonexistent/rsa.pem")).unwrap_err();
        assert!(missing.to_string().contains("/nonexistent/rsa.pem"), "{missing}");
        let pkcs1 = b"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert!(RsaSigner::from_pem_or_der(pkcs1).unwrap_err().to_string().contains("openssl pkcs8"));
        let enc = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(matches!(RsaSigner::from_pem_or_der(enc), Err(RsaError::Pem(_))));
        let bad = b"-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----\n";
        assert!(matches!(RsaSigner::from_pem_or_der(bad), Err(RsaError::Pem(_))));
        assert!(matches!(RsaSigner::from_pem_or_der(b"\x30\x03\x02\x01\x00"), Err(RsaError::Rejected(_))));
    }

    #[test]
    fn der_lengths() {
        assert_eq!(der_len(0), [0]);
        assert_eq!(der_len(0x7f), [0x7f]);
        assert_eq!(der_len(0x80), [0x81, 0x80]);
        assert_eq!(der_len(0xff), [0x81, 0xff]);
        assert_eq!(der_len(0x100), [0x82, 0x01, 0x00]);
        assert_eq!(der_len(0x1_0000), [0x83, 0x01, 0x00, 0x00]);
    }
}
