//! The master key file (`data_dir/master.key`): loading, first-run generation and rotation.
//!
//! Text format, one key per line, the LAST line being the current key:
//!
//! ```text
//! # usher master keys: "<id> <64 hex chars>" per line; the last line is current
//! k1 4f1c...64 hex chars...
//! k2 9a0b...64 hex chars...
//! ```
//!
//! Blank lines and lines starting with `#` are ignored. Two bare forms are also read, so a
//! systemd credential holding just a key works: a file whose only line is 64 hex chars,
//! or a file of exactly 32 raw bytes; either is the single key `k1`. Files are written
//! with mode 0600 and are never partially visible: a new file is created with
//! `create_new`, a rotated one is written to a temporary file, fsynced and renamed.
//! Errors name the file and the line, never the key bytes.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::{KEY_LEN, Keyring, VaultError, random_key};

const HEADER: &str = "# usher master keys: \"<id> <64 hex chars>\" per line; the last line is current\n";

/// Whether a file of this mode may be read or written by its group or by others.
fn open_to_others(mode: u32) -> bool {
    mode & 0o077 != 0
}

impl Keyring {
    /// Reads a key file in any of the three forms described in the [`keyfile`](super::keyfile) docs.
    pub fn load(path: &Path) -> Result<Self, VaultError> {
        let bytes = fs::read(path).map_err(|e| io_err(path, "reading", e))?;
        if let Ok(meta) = fs::metadata(path)
            && open_to_others(meta.permissions().mode())
        {
            tracing::warn!(path = %path.display(), "master key file is readable by group or others; chmod 600 it");
        }
        Self::from_file_bytes(&bytes).map_err(|problem| VaultError::KeyFile { path: path.to_owned(), problem })
    }

    /// Creates a key file holding one fresh key `k1`, mode 0600. Fails if the file
    /// already exists, so a running installation's key is never overwritten.
    pub fn generate_file(path: &Path) -> Result<Self, VaultError> {
        let ring = Self::generate("k1")?;
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| io_err(path, "creating", e))?;
        file.write_all(ring.file_text().as_bytes()).map_err(|e| io_err(path, "writing", e))?;
        file.sync_all().map_err(|e| io_err(path, "syncing", e))?;
        sync_dir(path)?;
        Ok(ring)
    }

    /// Appends a fresh key to the file and makes it current (id `k<n+1>` after the highest
    /// `k<n>`). Returns the new keyring; blobs under older keys still decrypt, and
    /// [`needs_reencrypt`](Keyring::needs_reencrypt) finds them.
    pub fn rotate_file(path: &Path) -> Result<Self, VaultError> {
        let mut ring = Self::load(path)?;
        let id = ring.next_id();
        ring.add(&id, random_key()?)?;
        ring.set_current(&id)?;
        ring.save_file(path)?;
        Ok(ring)
    }

    /// Writes the whole keyring to `path` (current key last) atomically: a temporary file
    /// with mode 0600 in the same directory, fsync, rename, fsync of the directory.
    pub fn save_file(&self, path: &Path) -> Result<(), VaultError> {
        let tmp = temp_path(path);
        // A temporary file left by a crash holds no key that is not also in `path`.
        let _ = fs::remove_file(&tmp);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| io_err(&tmp, "creating", e))?;
        let written = file
            .write_all(self.file_text().as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| io_err(&tmp, "writing", e))
            .and_then(|()| fs::rename(&tmp, path).map_err(|e| io_err(path, "replacing", e)));
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written?;
        sync_dir(path)
    }

    /// Parses file contents; the error is a problem description without key bytes.
    fn from_file_bytes(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() == KEY_LEN {
            let mut key = [0u8; KEY_LEN];
            key.copy_from_slice(bytes);
            return Self::new("k1", key).map_err(|e| e.to_string());
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| format!("neither {KEY_LEN} raw bytes nor text lines of \"<id> <64 hex chars>\""))?;
        let lines: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
            .collect();
        if let [(n, only)] = lines.as_slice()
            && !only.contains(char::is_whitespace)
        {
            return Self::new("k1", hex_key(only, *n)?).map_err(|e| e.to_string());
        }
        let mut ring: Option<Self> = None;
        for (n, line) in &lines {
            let mut fields = line.split_whitespace();
            let (Some(id), Some(hex), None) = (fields.next(), fields.next(), fields.next()) else {
                return Err(format!("line {n}: expected \"<id> <64 hex chars>\""));
            };
            let key = hex_key(hex, *n)?;
            let added = match ring.as_mut() {
                None => Self::new(id, key).map(|r| ring = Some(r)),
                Some(r) => r.add(id, key).and_then(|()| r.set_current(id)),
            };
            added.map_err(|e| format!("line {n}: {e}"))?;
        }
        ring.ok_or_else(|| "holds no key".to_owned())
    }

    fn file_text(&self) -> String {
        let mut text = String::from(HEADER);
        for (id, key) in self.for_file() {
            text.push_str(id);
            text.push(' ');
            text.push_str(&hex::encode(key));
            text.push('\n');
        }
        text
    }

    fn next_id(&self) -> String {
        let highest = self.ids().filter_map(|id| id.strip_prefix('k')?.parse::<u32>().ok()).max();
        let mut n = highest.unwrap_or(0).saturating_add(1);
        while self.ids().any(|id| id == format!("k{n}")) {
            n = n.saturating_add(1);
        }
        format!("k{n}")
    }
}

fn hex_key(hex_text: &str, line: usize) -> Result<[u8; KEY_LEN], String> {
    let mut key = [0u8; KEY_LEN];
    hex::decode_to_slice(hex_text, &mut key)
        .map_err(|_| format!("line {line}: key is not {} hex characters", 2 * KEY_LEN))?;
    Ok(key)
}

fn io_err(path: &Path, action: &'static str, source: std::io::Error) -> VaultError {
    VaultError::Io { path: path.to_owned(), action, source }
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// Makes a create or rename durable by syncing the containing directory.
// equivalent mutants: an empty body, or a guard that always picks ".", changes which
// directory is fsynced, which only a power loss shows; a guard that never picks "."
// fails only for a bare file name in the working directory, and tests cannot change the
// process-wide working directory while other tests run.
fn sync_dir(path: &Path) -> Result<(), VaultError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io_err(dir, "syncing directory of", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_open_to_group_or_others_is_noticed() {
        for private in [0o600, 0o400, 0o700, 0o100600] {
            assert!(!open_to_others(private), "{private:o}");
        }
        for open in [0o640, 0o604, 0o660, 0o606, 0o610, 0o601, 0o100644] {
            assert!(open_to_others(open), "{open:o}");
        }
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn generate_creates_a_0600_file_once_and_it_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let made = Keyring::generate_file(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        let loaded = Keyring::load(&path).unwrap();
        assert_eq!(loaded.current_id(), "k1");
        let blob = made.encrypt(b"aad", b"secret").unwrap();
        assert_eq!(loaded.decrypt(b"aad", &blob).unwrap(), b"secret");
        assert_eq!(made.derive("jwt"), loaded.derive("jwt"));
        let again = Keyring::generate_file(&path).unwrap_err();
        assert!(matches!(again, VaultError::Io { .. }), "{again}");
        assert!(again.to_string().contains("master.key"));
    }

    #[test]
    fn rotate_appends_a_current_key_keeps_0600_and_old_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let first = Keyring::generate_file(&path).unwrap();
        let old = first.encrypt(b"row", b"v1").unwrap();
        let rotated = Keyring::rotate_file(&path).unwrap();
        assert_eq!(rotated.current_id(), "k2");
        assert_eq!(mode(&path), 0o600);
        let loaded = Keyring::load(&path).unwrap();
        assert_eq!(loaded.ids().collect::<Vec<_>>(), ["k1", "k2"]);
        assert_eq!(loaded.current_id(), "k2");
        assert_eq!(loaded.decrypt(b"row", &old).unwrap(), b"v1");
        assert!(loaded.needs_reencrypt(&old));
        assert_eq!(Keyring::rotate_file(&path).unwrap().current_id(), "k3");
        assert!(!dir.path().join(".master.key.tmp").exists());
    }

    #[test]
    fn loads_the_three_forms() {
        let key = [7u8; KEY_LEN];
        let raw = Keyring::from_file_bytes(&key).unwrap();
        let lone = Keyring::from_file_bytes(format!("{}\n", hex::encode(key)).as_bytes()).unwrap();
        for ring in [&raw, &lone] {
            assert_eq!(ring.ids().collect::<Vec<_>>(), ["k1"]);
            assert_eq!(ring.derive("x"), Keyring::new("k1", key).unwrap().derive("x"));
        }
        let text = format!(
            "# comment\n\nk1 {}\n  k2\t{}  \nk0 {}\n",
            hex::encode([1u8; 32]),
            hex::encode([2u8; 32]),
            hex::encode([3u8; 32])
        );
        let lines = Keyring::from_file_bytes(text.as_bytes()).unwrap();
        assert_eq!(lines.ids().collect::<Vec<_>>(), ["k1", "k2", "k0"]);
        assert_eq!(lines.current_id(), "k0");
        // Saving writes the current key last, so it stays current after a reload.
        let mut switched = lines;
        switched.set_current("k2").unwrap();
        let reloaded = Keyring::from_file_bytes(switched.file_text().as_bytes()).unwrap();
        assert_eq!(reloaded.current_id(), "k2");
        assert_eq!(reloaded.derive("x"), switched.derive("x"));
    }

    #[test]
    fn bad_files_are_named_without_key_bytes() {
        let secret_hex = hex::encode([0xabu8; 32]);
        for (text, want) in [
            (String::new(), "holds no key"),
            ("# only a comment\n".to_owned(), "holds no key"),
            (format!("{}\n", &secret_hex[..62]), "line 1: key is not 64 hex"),
            (format!("k1 {secret_hex}\nk1 {secret_hex}\n"), "line 2: the keyring already"),
            (format!("k1 {secret_hex} extra\n"), "line 1: expected"),
            (format!("k/1 {secret_hex}\n"), "line 1: invalid key id"),
        ] {
            let err = Keyring::from_file_bytes(text.as_bytes()).unwrap_err();
            assert!(err.contains(want), "{err:?} should contain {want:?}");
            assert!(!err.contains("abab"), "{err:?} leaks key bytes");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        fs::write(&path, [0xffu8; 31]).unwrap();
        let err = Keyring::load(&path).unwrap_err().to_string();
        assert!(err.contains("master.key") && err.contains("raw bytes"), "{err}");
        let missing = Keyring::load(&dir.path().join("nope.key")).unwrap_err().to_string();
        assert!(missing.contains("nope.key") && missing.contains("reading"), "{missing}");
    }
}
