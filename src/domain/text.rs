//! Characters no identifier may hold: the invisible format characters that make two
//! names look alike or reorder what a reader sees (SmartLink values and usernames).

/// Soft hyphen, Arabic letter mark, Mongolian vowel separator, zero-width characters and
/// bidirectional marks, line and paragraph separators, bidirectional embeddings,
/// overrides and isolates, word joiners and invisible operators, BOM, interlinear
/// annotations, tags, and the noncharacters `U+FFFE`/`U+FFFF`.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{FFFE}'..='\u{FFFF}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_and_bidi_controls_are_caught_and_letters_are_not() {
        for c in ['\u{200B}', '\u{202E}', '\u{2066}', '\u{00AD}', '\u{FEFF}', '\u{E0041}', '\u{200F}'] {
            assert!(is_invisible(c), "{c:?}");
        }
        for c in ['a', 'é', 'ж', 'ｚ', '中', ' ', '-'] {
            assert!(!is_invisible(c), "{c:?}");
        }
    }
}
