//! Cutting text by bytes without splitting a character: the one helper every module uses.

/// The longest prefix of `text` that is at most `max` bytes long and ends on a character boundary
/// (all of `text` when it is short enough).
pub(crate) fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    // Index 0 is always a boundary, so this stops; at most three steps back in UTF-8.
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::prefix;

    #[test]
    fn never_splits_a_character_and_keeps_short_text_whole() {
        let text = "aé€😀";
        assert_eq!(prefix(text, 100), text);
        assert_eq!(prefix(text, text.len()), text);
        assert_eq!(prefix(text, 0), "");
        assert_eq!(prefix(text, 1), "a");
        assert_eq!(prefix(text, 2), "a");
        assert_eq!(prefix(text, 3), "aé");
        assert_eq!(prefix(text, 5), "aé");
        assert_eq!(prefix(text, 6), "aé€");
        assert_eq!(prefix(text, 9), "aé€");
    }
}
