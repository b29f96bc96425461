//! `usher master-key rotate|reencrypt`: add a new current master key, and re-encrypt every
//! sealed column (`store::sealed::COLUMNS`) under it, a page per write transaction.

use std::sync::Arc;

use clap::Subcommand;

use crate::config::Config;
use crate::domain::{Actor, Environment};
use crate::ops::vault::reencrypt::ReencryptPage;
use crate::ops::{self, Ctx, Deps};
use crate::store::Store;
use crate::store::sealed::{self, PassPage};
use crate::vault::{Keyring, LiveKeyring};

#[derive(Subcommand)]
pub enum MasterKeyCommand {
    /// Add a new master key, make it current, and re-encrypt every stored secret under it.
    /// A running `usher serve` follows the key file and seals new secrets under the new key.
    Rotate,
    /// Re-encrypt secrets still sealed under an older key (e.g. written by a server that
    /// ran during `rotate`). Safe to repeat.
    Reencrypt,
}

/// Rows per write transaction of the pass.
const PAGE: usize = 500;

pub fn run(config: &Config, command: MasterKeyCommand) -> Result<(), String> {
    let (path, writable) = crate::app::master_key_path(config);
    if let MasterKeyCommand::Rotate = command {
        if !writable {
            return Err(format!(
                "the master key comes from the systemd credential {}; add a key there instead",
                path.display()
            ));
        }
        let ring = Keyring::rotate_file(&path).map_err(|e| e.to_string())?;
        println!("master key {} added to {} and made current", ring.current_id(), path.display());
    }
    let (store, keyring) = crate::app::open(config).map_err(|e| e.to_string())?;
    let result = reencrypt_all(config, &store, keyring);
    store.close();
    let (done, failed) = result?;
    println!("re-encrypted {done} secret(s)");
    if !failed.is_empty() {
        for (column, id, why) in &failed {
            eprintln!("cannot re-encrypt {column} of row {id}: {why}");
        }
        return Err(format!("{} secret(s) could not be re-encrypted and were left as they are", failed.len()));
    }
    if done > 0 {
        println!(
            "a running `usher serve` picks up the new key within seconds; run `usher master-key reencrypt` \
             a minute later to re-seal anything it wrote meanwhile"
        );
    }
    Ok(())
}

/// A blob the pass could not open: (column, row id, reason).
pub type Unopened = (String, String, String);

/// Re-encrypts every blob not sealed under the current key. Returns how many were
/// re-encrypted and those that could not be opened.
pub fn reencrypt_all(config: &Config, store: &Store, keyring: Keyring) -> Result<(usize, Vec<Unopened>), String> {
    let keyring = Arc::new(LiveKeyring::fixed(keyring));
    let deps = Deps::new(Arc::new(config.clone()), store.clone(), keyring, String::new());
    // The pass spans both environments; the context's environment is not used.
    let ctx = Ctx::new(deps, Environment::Development, Actor::Cli, None);
    let mut done = 0;
    let mut failed = Vec::new();
    for col in sealed::COLUMNS {
        let mut after = 0;
        loop {
            let op = ReencryptPage { column: *col, after, limit: PAGE };
            let page: PassPage = ops::run_blocking(&ctx, op).map_err(|e| e.to_string())?;
            done += page.reencrypted;
            let name = format!("{}.{}", col.table, col.column);
            failed.extend(page.failed.into_iter().map(|(id, why)| (name.clone(), id, why)));
            match page.last {
                Some(last) => after = last,
                None => break,
            }
        }
    }
    Ok((done, failed))
}
