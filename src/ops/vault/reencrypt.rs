//! Re-encrypt one page of a sealed column under the keyring's current key (`usher
//! master-key rotate|reencrypt` walks every column of `store::sealed::COLUMNS` with it,
//! a page per write transaction, so the server keeps writing meanwhile).

use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::sealed::{self, PassPage, SealedColumn};

/// Re-encrypts up to `limit` rows after rowid `after`.
pub struct ReencryptPage {
    pub column: SealedColumn,
    pub after: i64,
    pub limit: usize,
}

impl Operation for ReencryptPage {
    type Output = PassPage;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<PassPage, OpError> {
        let keyring = ctx.keyring().current();
        Ok(sealed::reencrypt_page(tx, &keyring, self.column, self.after, self.limit)?)
    }
}
