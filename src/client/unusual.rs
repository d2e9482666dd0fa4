//! Answers no well-behaved provider sends, put in words the caller can act on: a redirect (which
//! llmwire never follows: a chat request is a POST, and the key must not travel to another host),
//! and a body in a content encoding llmwire never asked for (it sends no `accept-encoding`, and
//! decodes none: the bytes would only turn into mojibake in the message).
//!
//! Not here: classifying the status itself — the classifier has done that; this only adds what
//! the status alone does not say.

use crate::classify::Classification;

/// The content encoding of a body, when it is not plain (`identity` or absent).
pub(super) fn undecoded_encoding(headers: &[(String, String)]) -> Option<String> {
    headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-encoding"))
        .map(|(_, value)| value.trim().to_ascii_lowercase())
        .filter(|value| !value.is_empty() && value != "identity")
}

/// Says what the classifier could not: where a redirect pointed, that a body was encoded.
/// A redirect is never retried (the next attempt would be sent to the same place).
pub(super) fn explain(
    classification: &mut Classification,
    status: u16,
    headers: &[(String, String)],
    encoded: Option<(&str, usize)>,
) {
    if let Some((encoding, bytes)) = encoded {
        classification.message = format!(
            "HTTP {status} with a {encoding}-encoded body (content-encoding: {encoding}, {bytes} \
bytes), which llmwire did not ask for and does not decode"
        );
    }
    if (300..400).contains(&status) {
        let location = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("location"))
            .map(|(_, value)| value.trim());
        classification.message = match location {
            Some(target) if !target.is_empty() => format!(
                "redirected: HTTP {status} to {target} (llmwire never follows redirects; set \
base_url to the address the server names)"
            ),
            _ => format!(
                "redirected: HTTP {status} with no Location (llmwire never follows redirects)"
            ),
        };
        classification.retryable = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::ErrorClass;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_redirect_names_its_target_and_is_not_retryable() {
        let mut c = Classification::local(ErrorClass::ServerError, "HTTP 307 with an empty body");
        c.retryable = true;
        explain(
            &mut c,
            307,
            &pairs(&[("Location", "https://b.example/v1")]),
            None,
        );
        assert!(
            c.message.contains("307 to https://b.example/v1"),
            "{}",
            c.message
        );
        assert!(!c.retryable);
    }

    #[test]
    fn only_a_real_encoding_counts() {
        assert_eq!(
            undecoded_encoding(&pairs(&[("Content-Encoding", " GZIP ")])),
            Some("gzip".into())
        );
        assert_eq!(
            undecoded_encoding(&pairs(&[("content-encoding", "identity")])),
            None
        );
        assert_eq!(undecoded_encoding(&pairs(&[])), None);
    }
}
