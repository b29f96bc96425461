//! SmartLink: the raw login query parser and the token verifier (legacy SHA-1 and v2 HMAC).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| usher::fuzzing::smartlink_query(data));
