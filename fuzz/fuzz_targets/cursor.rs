//! Paging cursors: opening arbitrary text, and the seal/open round trip.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| usher::fuzzing::cursor(data));
