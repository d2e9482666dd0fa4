//! Image URLs in content parts: http(s) URLs, and data URLs checked down to the base64 payload.

use super::report::{Code, Findings, Severity};
use super::Context;
use crate::provider::Provider;

/// Checks one `image_url.url` value at `path`.
pub(super) fn check_image_url(
    url: &str,
    path: &str,
    context: &Context<'_>,
    findings: &mut Findings,
) {
    if let Some(rest) = strip_prefix_ignore_case(url, "data:") {
        check_data_url(rest, path, context, findings);
        return;
    }
    if strip_prefix_ignore_case(url, "https://").is_some()
        || strip_prefix_ignore_case(url, "http://").is_some()
    {
        return;
    }
    let profile = context.profile;
    let rejected = profile.openai_request_rules
        || profile.gemini_turn_rules
        || context.provider() == Provider::Anthropic;
    findings.add(
        Severity::error_if(rejected),
        Code::InvalidImageUrl,
        path.to_owned(),
        format!(
            "image URL \"{}\" is neither an http(s) URL nor a data URL; send https://… or \
             data:image/png;base64,<data>",
            preview(url)
        ),
    );
}

fn check_data_url(after_scheme: &str, path: &str, context: &Context<'_>, findings: &mut Findings) {
    let Some((header, payload)) = after_scheme.split_once(',') else {
        findings.error(
            Code::InvalidDataUrl,
            path.to_owned(),
            format!(
                "data URL \"data:{}\" has no comma and no data (Gemini answers \"Base64 decoding failed\"); \
                 send data:<type>;base64,<data>",
                preview(after_scheme)
            ),
        );
        return;
    };
    let Some(mime) = header
        .strip_suffix(";base64")
        .or_else(|| strip_suffix_ignore_case(header, ";base64"))
    else {
        findings.error(
            Code::InvalidDataUrl,
            path.to_owned(),
            format!("data URL header \"data:{header}\" must end in \";base64\": providers accept base64 image data only"),
        );
        return;
    };
    let mime = mime.split(';').next().unwrap_or(mime).trim();
    if !mime.to_ascii_lowercase().starts_with("image/") {
        findings.error(
            Code::UnsupportedImageType,
            path.to_owned(),
            format!("data URL type \"{mime}\" is not an image type; image_url parts take image/png, image/jpeg, …"),
        );
        return;
    }
    if let Some(allowed) = context.profile.image_mime_types {
        if !allowed
            .iter()
            .any(|candidate| candidate.eq_ignore_ascii_case(mime))
        {
            findings.error(
                Code::UnsupportedImageType,
                path.to_owned(),
                format!(
                    "{} does not accept {mime} images; convert to one of: {}",
                    context.provider(),
                    allowed.join(", ")
                ),
            );
        }
    }
    if payload.is_empty() {
        findings.error(
            Code::EmptyImageData,
            path.to_owned(),
            "data URL has an empty payload; put the base64-encoded image after the comma"
                .to_owned(),
        );
        return;
    }
    if let Err(problem) = check_base64(payload.as_bytes()) {
        findings.error(
            Code::InvalidBase64,
            path.to_owned(),
            format!("data URL payload is not valid base64: {problem}"),
        );
        return;
    }
    if let Some(actual) = sniff_image_type(payload.as_bytes()) {
        if !mime_matches(mime, actual) {
            findings.warn(
                Code::ImageTypeMismatch,
                path.to_owned(),
                format!("data URL declares {mime} but the bytes are {actual}; declare {actual}"),
            );
        }
    }
}

const INVALID: u8 = 0xFF;
const PAD: u8 = 0xFE;

/// Maps a byte to its 6-bit value in the standard or the URL-safe alphabet.
static DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 26 {
        table[b'A' as usize + i] = i as u8;
        table[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut digit = 0;
    while digit < 10 {
        table[b'0' as usize + digit] = 52 + digit as u8;
        digit += 1;
    }
    table[b'+' as usize] = 62;
    table[b'-' as usize] = 62;
    table[b'/' as usize] = 63;
    table[b'_' as usize] = 63;
    table[b'=' as usize] = PAD;
    table
};

/// Checks base64 text: one alphabet (standard or URL-safe), padding only at the end and only to a
/// multiple of 4; unpadded text is accepted unless its length cannot be base64 (4n+1).
pub(crate) fn check_base64(text: &[u8]) -> Result<(), String> {
    let padding = text.iter().rev().take_while(|&&b| b == b'=').count();
    let body = &text[..text.len() - padding];
    if padding > 2 {
        return Err(format!(
            "{padding} padding characters at the end (at most 2)"
        ));
    }
    let (mut standard, mut url_safe) = (false, false);
    for (offset, &byte) in body.iter().enumerate() {
        let value = DECODE[byte as usize];
        if value >= PAD {
            return Err(format!(
                "character {:?} at offset {offset}",
                char::from(byte)
            ));
        }
        standard |= byte == b'+' || byte == b'/';
        url_safe |= byte == b'-' || byte == b'_';
    }
    if standard && url_safe {
        return Err("mixes the standard (+/) and URL-safe (-_) alphabets".to_owned());
    }
    if padding > 0 && !text.len().is_multiple_of(4) {
        return Err(format!(
            "padded length {} is not a multiple of 4",
            text.len()
        ));
    }
    if body.len() % 4 == 1 {
        return Err(format!(
            "length {} cannot be base64 (one character too many or too few)",
            body.len()
        ));
    }
    Ok(())
}

/// Decodes the first bytes of valid base64 text (enough to recognise an image format).
fn decode_prefix(text: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(12);
    for chunk in text.chunks(4).take(4) {
        let values: Vec<u8> = chunk
            .iter()
            .map(|&b| DECODE[b as usize])
            .take_while(|&v| v < PAD)
            .collect();
        let joined = values
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &v)| acc | (u32::from(v) << (18 - 6 * i)));
        let produced = values.len().saturating_sub(1);
        for i in 0..produced {
            bytes.push((joined >> (16 - 8 * i)) as u8);
        }
    }
    bytes
}

/// The image type of base64 `payload`, from its magic bytes.
fn sniff_image_type(payload: &[u8]) -> Option<&'static str> {
    let head = decode_prefix(payload);
    if head.starts_with(&[0x89, b'P', b'N', b'G']) {
        Some("image/png")
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if head.starts_with(b"GIF8") {
        Some("image/gif")
    } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        Some("image/webp")
    } else if head.len() >= 12 && &head[4..8] == b"ftyp" {
        match &head[8..12] {
            b"heic" | b"heix" | b"hevc" => Some("image/heic"),
            b"mif1" | b"msf1" => Some("image/heif"),
            _ => None,
        }
    } else {
        None
    }
}

fn mime_matches(declared: &str, actual: &str) -> bool {
    let declared = declared.to_ascii_lowercase();
    declared == actual
        || (declared == "image/jpg" && actual == "image/jpeg")
        || (actual == "image/heif" && declared == "image/heic")
        || (actual == "image/heic" && declared == "image/heif")
}

fn strip_prefix_ignore_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn strip_suffix_ignore_case<'t>(text: &'t str, suffix: &str) -> Option<&'t str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..cut])
}

/// The start of a long value, for messages.
fn preview(text: &str) -> String {
    let head = crate::utf8::prefix(text, 40);
    if head.len() < text.len() {
        format!("{head}…")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_accepts_padded_unpadded_and_url_safe_text() {
        assert!(check_base64(b"aGVsbG8=").is_ok());
        assert!(check_base64(b"aGVsbG8").is_ok());
        assert!(check_base64(b"a-_b").is_ok());
        assert!(check_base64(b"iVBORw0KGgo=").is_ok());
    }

    #[test]
    fn base64_rejects_headers_bad_padding_and_mixed_alphabets() {
        assert!(check_base64(b"data:image/png;base64").is_err());
        assert!(check_base64(b"aGVsbG8===").is_err());
        assert!(check_base64(b"aGVsbG8==").is_err());
        assert!(check_base64(b"a+_b").is_err());
        assert!(check_base64(b"abcde").is_err());
        assert!(check_base64(b"ab cd").is_err());
    }

    #[test]
    fn magic_bytes_name_the_format() {
        assert_eq!(
            sniff_image_type(b"iVBORw0KGgoAAAANSUhEUg"),
            Some("image/png")
        );
        assert_eq!(sniff_image_type(b"/9j/4AAQSkZJRg"), Some("image/jpeg"));
        assert_eq!(sniff_image_type(b"R0lGODlhAQABAAAAACw="), Some("image/gif"));
        assert_eq!(
            sniff_image_type(b"UklGRiQAAABXRUJQVlA4"),
            Some("image/webp")
        );
        assert_eq!(sniff_image_type(b"aGVsbG8="), None);
    }
}
