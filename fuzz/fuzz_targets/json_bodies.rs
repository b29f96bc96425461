//! Every JSON body type of the HTTP API, parsed and validated as its handler does.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| usher::fuzzing::json_bodies(data));
