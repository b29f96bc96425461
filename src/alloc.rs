//! The global allocator of the static (musl) build: mimalloc. musl's own malloc takes a
//! global lock on every allocation, which halved POST /users against the glibc build;
//! glibc builds keep the system allocator. packaging/build also points the bundled
//! SQLite's malloc/free/realloc at mimalloc (LIBSQLITE3_FLAGS), so both share one heap.

#[cfg(all(target_env = "musl", not(feature = "system-allocator")))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
