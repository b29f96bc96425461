//! Test helper: a SHA-1 length-extension forger, written from FIPS 180-4 §6.1 (not the sha1 crate).
//!
//! Given `hex(sha1(secret ‖ msg))` and `len(secret ‖ msg)`, [`extend`] returns the
//! glue padding and `hex(sha1(secret ‖ msg ‖ glue ‖ suffix))` without the secret.
#![allow(dead_code)]

/// FIPS 180-4 §5.3.1 initial hash value.
const H0: [u32; 5] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0];

/// FIPS 180-4 §6.1.2: one 512-bit block into the running state.
fn compress(state: &mut [u32; 5], block: &[u8]) {
    let mut w = [0u32; 80];
    for (wt, word) in w.iter_mut().zip(block.chunks_exact(4)) {
        *wt = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
    }
    for t in 16..80 {
        w[t] = (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]).rotate_left(1);
    }
    let [mut a, mut b, mut c, mut d, mut e] = *state;
    for (t, wt) in w.iter().enumerate() {
        let (f, k) = match t {
            0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
            20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
            40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
            _ => (b ^ c ^ d, 0xCA62_C1D6),
        };
        let temp = a.rotate_left(5).wrapping_add(f).wrapping_add(e).wrapping_add(k).wrapping_add(*wt);
        e = d;
        d = c;
        c = b.rotate_left(30);
        b = a;
        a = temp;
    }
    for (h, v) in state.iter_mut().zip([a, b, c, d, e]) {
        *h = h.wrapping_add(v);
    }
}

/// FIPS 180-4 §5.1.1: the padding that follows a message of `len` bytes.
pub fn padding(len: usize) -> Vec<u8> {
    let mut pad = vec![0x80];
    while (len + pad.len()) % 64 != 56 {
        pad.push(0);
    }
    pad.extend_from_slice(&(len as u64 * 8).to_be_bytes());
    pad
}

/// Continues hashing from `state`, `done` bytes already absorbed, over `tail`.
fn finish(mut state: [u32; 5], done: usize, tail: &[u8]) -> String {
    let mut data = tail.to_vec();
    data.extend(padding(done + tail.len()));
    for block in data.chunks_exact(64) {
        compress(&mut state, block);
    }
    state.iter().map(|h| format!("{h:08x}")).collect()
}

/// Plain SHA-1 with this module's compression (to check the forger itself).
pub fn sha1_hex(msg: &[u8]) -> String {
    finish(H0, 0, msg)
}

/// Length extension: returns (glue padding, new digest hex).
pub fn extend(orig_digest_hex: &str, orig_len_with_secret: usize, suffix: &[u8]) -> (Vec<u8>, String) {
    assert_eq!(orig_digest_hex.len(), 40, "a SHA-1 digest is 40 hex digits");
    let mut state = [0u32; 5];
    for (h, i) in state.iter_mut().zip((0..40).step_by(8)) {
        *h = u32::from_str_radix(&orig_digest_hex[i..i + 8], 16).expect("hex digest");
    }
    let glue = padding(orig_len_with_secret);
    let digest = finish(state, orig_len_with_secret + glue.len(), suffix);
    (glue, digest)
}
