//! Small text helpers for the classifier: bounded views of big bodies, message clean-up, HTML
//! titles, and hand-rolled number scanning.
//!
//! Everything here works on `&str` in linear time and never allocates more than a capped copy.
//! Not for deciding anything: the readers (`body`, `google`, `sse`) and the rules call these.

use std::borrow::Cow;

/// How much of a message (or text body) the wording rules look at.
pub(crate) const WORDING_SCAN_LIMIT: usize = 32 * 1024;

/// The longest `message` reported, in bytes; longer messages are cut with an ellipsis.
pub(crate) const MESSAGE_LIMIT: usize = 4 * 1024;

/// How much of a non-JSON body the tolerant readers look at.
pub(crate) const TEXT_SCAN_LIMIT: usize = 2 * 1024 * 1024;

/// The body as text; invalid UTF-8 is replaced (borrowed when the body is valid UTF-8).
pub(crate) fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

pub(crate) use crate::utf8::prefix;

/// A message as reported: trimmed, capped at [`MESSAGE_LIMIT`]; `None` when blank.
pub(crate) fn clean_message(s: &str) -> Option<String> {
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return None;
    }
    if trimmed.len() <= MESSAGE_LIMIT {
        return Some(trimmed.to_string());
    }
    let mut out = prefix(trimmed, MESSAGE_LIMIT).trim_end().to_string();
    out.push('…');
    Some(out)
}

/// Collapses every run of whitespace into one space.
pub(crate) fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Finds `needle` (ASCII, lowercase) in `haystack` ignoring ASCII case; returns the byte offset.
///
/// Linear in the haystack for the short needles used here.
pub(crate) fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let hay = haystack.as_bytes();
    let pat = needle.as_bytes();
    let (&first, rest) = pat.split_first()?;
    if hay.len() < pat.len() {
        return None;
    }
    let last_start = hay.len() - pat.len();
    let mut i = 0;
    while i <= last_start {
        if hay[i].eq_ignore_ascii_case(&first)
            && hay[i + 1..i + pat.len()]
                .iter()
                .zip(rest)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
        {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// True when the text looks like an HTML page (a proxy's or CDN's error page).
pub(crate) fn looks_like_html(text: &str) -> bool {
    let head = prefix(text.trim_start(), 2048);
    if !head.starts_with('<') {
        return false;
    }
    [
        "<html",
        "<!doctype html",
        "<head",
        "<body",
        "<title",
        "<h1",
        "<center",
    ]
    .iter()
    .any(|tag| find_ascii_ci(head, tag).is_some())
}

/// The human text of an HTML error page: its `<title>`, else its first `<h1>`.
pub(crate) fn html_message(text: &str) -> Option<String> {
    let text = prefix(text, 256 * 1024);
    for tag in ["title", "h1", "h2"] {
        if let Some(inner) = element_text(text, tag) {
            let cleaned = collapse_whitespace(&decode_entities(&strip_tags(inner)));
            if !cleaned.is_empty() {
                return clean_message(&cleaned);
            }
        }
    }
    None
}

/// The raw content of the first `<tag ...>...</tag>` element.
fn element_text<'a>(text: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}");
    let close = format!("</{tag}");
    let mut from = 0;
    while let Some(at) = find_ascii_ci(&text[from..], &open) {
        let start = from + at + open.len();
        // `<title>` or `<title attr=...>`, not `<titles>`.
        match text.as_bytes().get(start) {
            Some(b'>') | Some(b' ') | Some(b'\t') | Some(b'\n') | Some(b'\r') => {}
            _ => {
                from = start;
                continue;
            }
        }
        let content_start = start + text[start..].find('>')? + 1;
        let content_end = content_start + find_ascii_ci(&text[content_start..], &close)?;
        return Some(&text[content_start..content_end]);
    }
    None
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#039;", "'")
        .replace("&amp;", "&")
}

/// A leading three-digit HTTP status (`"429 Invalid JSON…"`, `"Error code: 400 - {…}"`), and the
/// text after it.
pub(crate) fn leading_status(text: &str) -> Option<(u16, &str)> {
    let trimmed = text.trim_start();
    let mut rest = trimmed;
    for lead in ["error code:", "status code:", "http", "status:", "error:"] {
        let bytes = rest.as_bytes();
        if bytes.len() >= lead.len() && bytes[..lead.len()].eq_ignore_ascii_case(lead.as_bytes()) {
            // An ASCII match ends on a character boundary.
            rest = &rest[lead.len()..];
            if lead == "http" {
                // `HTTP/1.1 503`, `HTTP/2 503`: skip the version.
                if let Some(version) = rest.strip_prefix('/') {
                    rest = version.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
                }
            }
            break;
        }
    }
    let rest = rest.trim_start();
    let digits = rest
        .as_bytes()
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits != 3 {
        return None;
    }
    let status: u16 = rest[..3].parse().ok()?;
    if !(100..=599).contains(&status) {
        return None;
    }
    let after = &rest[3..];
    match after.chars().next() {
        None => Some((status, after)),
        Some(c) if c.is_whitespace() || matches!(c, ':' | '-' | ',' | '.') => Some((
            status,
            after.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '-' | ',')),
        )),
        Some(_) => None,
    }
}

/// `s` without what may stand between a label and its figure: spaces, `:` and `=`, and the marks
/// of an approximate figure (`~12903`, `≈ 12903`, `about 12903`, `approximately 12903`).
pub(crate) fn skip_approximation(s: &str) -> &str {
    const WORDS: [&str; 5] = ["approximately", "approx.", "approx", "about", "around"];
    let mut rest = s.trim_start_matches([' ', ':', '=', '~', '≈']);
    for word in WORDS {
        if rest
            .get(..word.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(word))
        {
            rest = rest[word.len()..].trim_start_matches([' ', '~']);
            break;
        }
    }
    rest
}

/// Whether `s` writes a negative number: a `-` right before a digit that does not continue a word
/// or a figure (so not `gpt-4`, `2024-08-01` or `org-1x`).
pub(crate) fn has_negative_number(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b'-'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
            && (i == 0
                || matches!(
                    bytes[i - 1],
                    b' ' | b'=' | b'(' | b':' | b',' | b'[' | b'"' | b'\'' | b'\t' | b'\n'
                ))
    })
}

/// A number at the start of `s`: digits with optional thousands separators (`20,000`) and an
/// optional fraction. Returns the value and the bytes consumed. No signs, exponents or words.
pub(crate) fn scan_number(s: &str) -> Option<(f64, usize)> {
    let bytes = s.as_bytes();
    let mut digits = String::new();
    let mut i = 0;
    let mut seen_dot = false;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() {
            digits.push(b as char);
        } else if b == b',' && !seen_dot && !digits.is_empty() {
            // A thousands separator only when exactly three digits follow.
            let group = bytes.get(i + 1..i + 4);
            let after = bytes.get(i + 4).copied();
            match group {
                Some(g)
                    if g.iter().all(u8::is_ascii_digit)
                        && !after.is_some_and(|a| a.is_ascii_digit()) => {}
                _ => break,
            }
        } else if b == b'.' && !seen_dot && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            seen_dot = true;
            digits.push('.');
        } else {
            break;
        }
        i += 1;
        if digits.len() > 40 {
            // Absurdly long: still consume it, but stop collecting.
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            return Some((f64::MAX, i));
        }
    }
    if digits.is_empty() {
        return None;
    }
    let value: f64 = digits.parse().ok()?;
    value.is_finite().then_some((value, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_title_is_the_message() {
        let page = "<html> <head><title>413 Request Entity Too Large</title></head></html>";
        assert_eq!(
            html_message(page).as_deref(),
            Some("413 Request Entity Too Large")
        );
        let page = "<!DOCTYPE html><html><body><h1>502 &amp; Bad <b>Gateway</b></h1></body>";
        assert_eq!(html_message(page).as_deref(), Some("502 & Bad Gateway"));
        assert!(looks_like_html(page));
    }

    #[test]
    fn leading_status_forms() {
        assert_eq!(leading_status("429 Invalid JSON").map(|s| s.0), Some(429));
        assert_eq!(
            leading_status("Error code: 400 - {'a': 1}").map(|s| s.1),
            Some("{'a': 1}")
        );
        assert_eq!(
            leading_status("HTTP/1.1 503 Service Unavailable").map(|s| s.0),
            Some(503)
        );
        assert_eq!(leading_status("4000 tokens"), None);
        assert_eq!(leading_status("999 x"), None);
    }

    #[test]
    fn numbers_with_separators_and_fractions() {
        assert_eq!(scan_number("20,000 input"), Some((20000.0, 6)));
        assert_eq!(scan_number("45.578569677s"), Some((45.578569677, 12)));
        assert_eq!(scan_number("6000, Requested"), Some((6000.0, 4)));
        assert_eq!(scan_number("x"), None);
    }

    #[test]
    fn case_insensitive_find() {
        assert_eq!(find_ascii_ci("Try Again In 5s", "try again in"), Some(0));
        assert_eq!(find_ascii_ci("é try", "try"), Some(3));
        assert_eq!(find_ascii_ci("ab", "abc"), None);
    }

    #[test]
    fn messages_are_capped_on_a_char_boundary() {
        let long = "é".repeat(MESSAGE_LIMIT);
        let message = clean_message(&long).unwrap();
        assert!(message.len() <= MESSAGE_LIMIT + '…'.len_utf8());
        assert_eq!(clean_message("  \n "), None);
    }
}
