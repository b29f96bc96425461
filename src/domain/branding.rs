//! Branding rules: what a product name, an accent colour and a logo image may be. The
//! logo's type is told from its first bytes, never from what the browser claimed, and
//! only raster formats are taken (an SVG can carry script).

/// Longest product name, in characters.
pub const MAX_NAME: usize = 60;
/// Largest logo, in bytes.
pub const MAX_LOGO: usize = 256 * 1024;

/// A product name: trimmed, at most [`MAX_NAME`] characters, no control characters.
/// Empty means the default.
pub fn parse_name(text: &str) -> Result<String, String> {
    let name = text.trim();
    if name.chars().count() > MAX_NAME {
        return Err(format!("the product name must be at most {MAX_NAME} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err("the product name must not contain control characters".into());
    }
    Ok(name.to_string())
}

/// An accent colour: `#rrggbb` (any case; stored lower-case). Empty means the default.
pub fn parse_color(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(String::new());
    }
    let hex = text.strip_prefix('#').unwrap_or("");
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("the accent colour must be written #rrggbb, e.g. #2f6fde".into());
    }
    Ok(format!("#{}", hex.to_ascii_lowercase()))
}

/// The text colour that reads on `#rrggbb`: white or near-black, whichever has the
/// higher WCAG contrast ratio against it.
pub fn text_on(color: &str) -> &'static str {
    let channel = |i: usize| {
        let v = color.get(1 + 2 * i..3 + 2 * i).and_then(|h| u8::from_str_radix(h, 16).ok()).unwrap_or(0);
        let c = f64::from(v) / 255.0;
        if c <= 0.03928 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    let luminance = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
    let with_white = 1.05 / (luminance + 0.05);
    let with_black = (luminance + 0.05) / 0.05;
    if with_white >= with_black { "#ffffff" } else { "#111418" }
}

/// The media type of a logo, told from its first bytes: PNG, JPEG, GIF or WebP.
pub fn sniff_logo(bytes: &[u8]) -> Result<&'static str, String> {
    if bytes.is_empty() {
        return Err("the logo file is empty".into());
    }
    if bytes.len() > MAX_LOGO {
        return Err(format!("the logo must be at most {} KiB", MAX_LOGO / 1024));
    }
    let kind = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        "image/gif"
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        return Err("the logo must be a PNG, JPEG, GIF or WebP image".into());
    };
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_colours() {
        assert_eq!(parse_name("  Acme Connect ").unwrap(), "Acme Connect");
        assert!(parse_name(&"x".repeat(61)).is_err());
        assert!(parse_name("a\u{7}b").is_err());
        assert_eq!(parse_color("#2F6FDE").unwrap(), "#2f6fde");
        assert_eq!(parse_color("").unwrap(), "");
        for bad in ["2f6fde", "#2f6fd", "#2f6fdg", "red", "#2f6fde;x"] {
            assert!(parse_color(bad).is_err(), "{bad}");
        }
        assert_eq!(text_on("#ffffff"), "#111418");
        assert_eq!(text_on("#000000"), "#ffffff");
        assert_eq!(text_on("#2f6fde"), "#ffffff");
        assert_eq!(text_on("#ffd400"), "#111418");
    }

    #[test]
    fn logos_by_their_bytes() {
        assert_eq!(sniff_logo(b"\x89PNG\r\n\x1a\n....").unwrap(), "image/png");
        assert_eq!(sniff_logo(&[0xff, 0xd8, 0xff, 0xe0]).unwrap(), "image/jpeg");
        assert_eq!(sniff_logo(b"GIF89a...").unwrap(), "image/gif");
        assert_eq!(sniff_logo(b"RIFF\0\0\0\0WEBPVP8 ").unwrap(), "image/webp");
        assert!(sniff_logo(b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>").is_err());
        assert!(sniff_logo(b"").is_err());
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(MAX_LOGO + 1, 0);
        assert!(sniff_logo(&big).is_err());
    }
}
