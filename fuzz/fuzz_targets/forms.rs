//! Form bodies and query strings: strict UTF-8 decoding agrees with the URL standard.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| usher::fuzzing::forms(data));
