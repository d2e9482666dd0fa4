//! Shortening one over-long tool output: keep its head and tail, and say in between how much was
//! cut, e.g. `\n[… 12,345 characters trimmed by llmwire …]\n`.
//!
//! Not for: deciding which outputs to shorten (`trim`).

use serde_json::Value;

use crate::json::Field;

/// Characters kept from the start of a shortened output.
pub const KEEP_HEAD_CHARS: usize = 1_000;
/// Characters kept from the end of a shortened output.
pub const KEEP_TAIL_CHARS: usize = 1_000;
/// Outputs up to this many characters are left alone (cutting them would save little).
pub const SHORTEN_ABOVE_CHARS: usize = 3_000;

/// The marker put where characters were cut.
pub fn marker(removed_chars: usize) -> String {
    format!(
        "\n[… {} characters trimmed by llmwire …]\n",
        thousands(removed_chars)
    )
}

fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `text` with its middle cut out, and how many characters were cut; `None` when it is short
/// enough to keep whole.
pub fn shorten_text(text: &str) -> Option<(String, usize)> {
    // Cheap test first: a text of at most SHORTEN_ABOVE_CHARS bytes has at most as many chars.
    if text.len() <= SHORTEN_ABOVE_CHARS {
        return None;
    }
    let chars = text.chars().count();
    if chars <= SHORTEN_ABOVE_CHARS {
        return None;
    }
    let head_end = text
        .char_indices()
        .nth(KEEP_HEAD_CHARS)
        .map_or(text.len(), |(at, _)| at);
    let tail_start = text
        .char_indices()
        .rev()
        .nth(KEEP_TAIL_CHARS - 1)
        .map_or(0, |(at, _)| at);
    let removed = chars - KEEP_HEAD_CHARS - KEEP_TAIL_CHARS;
    let mut out = String::with_capacity(head_end + (text.len() - tail_start) + 64);
    out.push_str(&text[..head_end]);
    out.push_str(&marker(removed));
    out.push_str(&text[tail_start..]);
    Some((out, removed))
}

/// Shortens a message's `content` (a string, or the text parts of an array) in place; returns the
/// characters cut (0: nothing changed).
pub fn shorten_content(content: &mut Value) -> usize {
    match content {
        Value::String(text) => match shorten_text(text) {
            Some((short, removed)) => {
                *text = short;
                removed
            }
            None => 0,
        },
        Value::Array(parts) => parts
            .iter_mut()
            .filter_map(|part| part.get_mut("text"))
            .map(shorten_content)
            .sum(),
        _ => 0,
    }
}

/// Whether [`shorten_content`] would change `content`.
pub fn can_shorten(content: &Value) -> bool {
    match content {
        Value::String(text) => {
            text.len() > SHORTEN_ABOVE_CHARS && text.chars().count() > SHORTEN_ABOVE_CHARS
        }
        Value::Array(parts) => parts
            .iter()
            .filter_map(|part| part.field("text"))
            .any(can_shorten),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_texts_are_kept_whole() {
        assert_eq!(shorten_text(&"x".repeat(SHORTEN_ABOVE_CHARS)), None);
        // Multi-byte characters count as one.
        assert_eq!(shorten_text(&"é".repeat(SHORTEN_ABOVE_CHARS)), None);
    }

    #[test]
    fn long_texts_keep_head_and_tail_around_a_marker() {
        let text = format!(
            "{}{}{}",
            "h".repeat(1_000),
            "m".repeat(12_345),
            "t".repeat(1_000)
        );
        let (short, removed) = shorten_text(&text).unwrap();
        assert_eq!(removed, 12_345);
        assert_eq!(
            short,
            format!(
                "{}\n[… 12,345 characters trimmed by llmwire …]\n{}",
                "h".repeat(1_000),
                "t".repeat(1_000)
            )
        );
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        let text = "日本語".repeat(2_000);
        let (short, removed) = shorten_text(&text).unwrap();
        assert_eq!(removed, 6_000 - 2_000);
        assert!(short.starts_with("日本語"));
    }

    #[test]
    fn text_parts_are_shortened_too() {
        let mut content =
            json!([{"type": "text", "text": "a".repeat(5_000)}, {"type": "text", "text": "ok"}]);
        assert!(can_shorten(&content));
        assert_eq!(shorten_content(&mut content), 3_000);
        assert_eq!(content[1]["text"], "ok");
        assert!(!can_shorten(&content));
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(5), "5");
        assert_eq!(thousands(1_234), "1,234");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
