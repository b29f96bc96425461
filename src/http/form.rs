//! `application/x-www-form-urlencoded` text (form bodies and query strings) decoded
//! strictly: `+` is a space and `%XX` a byte, as browsers encode it, but a name or value
//! whose bytes are not UTF-8 is refused instead of being turned into U+FFFD (a stored
//! `apiKey=%FF%FE` would otherwise be a different secret than the one typed).

/// A name or value decoded to bytes that are not UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotUtf8;

/// The name/value pairs of `input` in order. Empty pieces (`a=1&&b=2`) are skipped and a
/// piece without `=` is a name with an empty value, as the URL standard says; a `%` not
/// followed by two hex digits stands for itself.
pub fn pairs(input: &[u8]) -> Result<Vec<(String, String)>, NotUtf8> {
    let mut out = Vec::new();
    for piece in input.split(|&b| b == b'&').filter(|piece| !piece.is_empty()) {
        let (name, value) = match piece.iter().position(|&b| b == b'=') {
            Some(at) => (&piece[..at], &piece[at + 1..]),
            None => (piece, &[][..]),
        };
        out.push((decode(name)?, decode(value)?));
    }
    Ok(out)
}

fn decode(raw: &[u8]) -> Result<String, NotUtf8> {
    let spaced: Vec<u8> = raw.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    String::from_utf8(bytes).map_err(|_| NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn decodes_like_the_url_standard_for_valid_text() {
        let input = "a=1&&b=x+y%20z&c&d=%E2%82%AC&e=%zz&f=a=b";
        let expected = owned(&[("a", "1"), ("b", "x y z"), ("c", ""), ("d", "€"), ("e", "%zz"), ("f", "a=b")]);
        assert_eq!(pairs(input.as_bytes()).unwrap(), expected);
        let ours: Vec<(String, String)> = url::form_urlencoded::parse(input.as_bytes()).into_owned().collect();
        assert_eq!(ours, expected, "the same pairs as the lenient decoder");
    }

    #[test]
    fn refuses_escapes_that_are_not_utf8_in_names_or_values() {
        for bad in ["apiKey=%FF%FE", "a=%C3", "%FF=1", "a=%E2%82", "a=1&b=%80"] {
            assert_eq!(pairs(bad.as_bytes()), Err(NotUtf8), "{bad}");
        }
        assert_eq!(pairs(b"a=\xff"), Err(NotUtf8), "a raw byte too");
    }
}
