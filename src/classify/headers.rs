//! Response headers, indexed once: the values of the headers the classifier reads, and which
//! vendor header prefixes appear.
//!
//! Names are compared case-insensitively and the first occurrence of a name wins. One pass over
//! the headers replaces a lookup per question. Not for interpreting values (see `hints`,
//! `detect`).

/// A header the classifier reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Header {
    ShouldRetry,
    RetryAfterMs,
    RetryAfter,
    ResetRequests,
    RemainingRequests,
    ResetTokens,
    RemainingTokens,
    Reset,
    Remaining,
    AnthropicRequestsReset,
    AnthropicRequestsRemaining,
    AnthropicTokensReset,
    AnthropicTokensRemaining,
    AnthropicInputTokensReset,
    AnthropicInputTokensRemaining,
    AnthropicOutputTokensReset,
    AnthropicOutputTokensRemaining,
    XRequestId,
    RequestId,
    ApimRequestId,
    XMsRequestId,
    XGoogRequestId,
    XAmznRequestId,
    XAmzRequestId,
    XCorrelationId,
    AzuremlModelSession,
    Server,
}

const HEADER_COUNT: usize = Header::Server as usize + 1;

/// Vendor header prefixes (bits of [`Headers::prefixes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prefix {
    Anthropic,
    Ms,
    Goog,
    Groq,
    OpenAI,
    OpenRouter,
}

const PREFIXES: [(&[u8], Prefix); 6] = [
    (b"anthropic-", Prefix::Anthropic),
    (b"x-ms-", Prefix::Ms),
    (b"x-goog-", Prefix::Goog),
    (b"x-groq", Prefix::Groq),
    (b"openai-", Prefix::OpenAI),
    (b"x-openrouter", Prefix::OpenRouter),
];

fn header_of(name: &[u8]) -> Option<Header> {
    let header = match name {
        b"x-should-retry" => Header::ShouldRetry,
        b"retry-after-ms" => Header::RetryAfterMs,
        b"retry-after" => Header::RetryAfter,
        b"x-ratelimit-reset-requests" => Header::ResetRequests,
        b"x-ratelimit-remaining-requests" => Header::RemainingRequests,
        b"x-ratelimit-reset-tokens" => Header::ResetTokens,
        b"x-ratelimit-remaining-tokens" => Header::RemainingTokens,
        b"x-ratelimit-reset" => Header::Reset,
        b"x-ratelimit-remaining" => Header::Remaining,
        b"anthropic-ratelimit-requests-reset" => Header::AnthropicRequestsReset,
        b"anthropic-ratelimit-requests-remaining" => Header::AnthropicRequestsRemaining,
        b"anthropic-ratelimit-tokens-reset" => Header::AnthropicTokensReset,
        b"anthropic-ratelimit-tokens-remaining" => Header::AnthropicTokensRemaining,
        b"anthropic-ratelimit-input-tokens-reset" => Header::AnthropicInputTokensReset,
        b"anthropic-ratelimit-input-tokens-remaining" => Header::AnthropicInputTokensRemaining,
        b"anthropic-ratelimit-output-tokens-reset" => Header::AnthropicOutputTokensReset,
        b"anthropic-ratelimit-output-tokens-remaining" => Header::AnthropicOutputTokensRemaining,
        b"x-request-id" => Header::XRequestId,
        b"request-id" => Header::RequestId,
        b"apim-request-id" => Header::ApimRequestId,
        b"x-ms-request-id" => Header::XMsRequestId,
        b"x-goog-request-id" => Header::XGoogRequestId,
        b"x-amzn-requestid" => Header::XAmznRequestId,
        b"x-amz-request-id" => Header::XAmzRequestId,
        b"x-correlation-id" => Header::XCorrelationId,
        b"azureml-model-session" => Header::AzuremlModelSession,
        b"server" => Header::Server,
        _ => return None,
    };
    Some(header)
}

/// Marks a header the response did not have.
const ABSENT: u8 = u8::MAX;

/// The headers the classifier reads, indexed.
#[derive(Clone, Copy)]
pub(crate) struct Headers<'a> {
    list: &'a [(String, String)],
    /// Per [`Header`], its position in `list` ([`ABSENT`] when missing or past position 254).
    slots: [u8; HEADER_COUNT],
    prefixes: u8,
}

impl<'a> Headers<'a> {
    /// Indexes `list` (name, value) in one pass; values are trimmed.
    pub fn new(list: &'a [(String, String)]) -> Headers<'a> {
        let mut headers = Headers {
            list,
            slots: [ABSENT; HEADER_COUNT],
            prefixes: 0,
        };
        let mut buffer = [0u8; 64];
        for (position, (name, _)) in list.iter().enumerate().take(usize::from(ABSENT)) {
            let name = name.trim().as_bytes();
            if name.len() > buffer.len() {
                continue;
            }
            let lower = &mut buffer[..name.len()];
            lower.copy_from_slice(name);
            lower.make_ascii_lowercase();
            for (prefix, bit) in PREFIXES {
                if lower.starts_with(prefix) {
                    headers.prefixes |= 1 << bit as u8;
                }
            }
            if let Some(header) = header_of(lower) {
                let slot = &mut headers.slots[header as usize];
                if *slot == ABSENT {
                    *slot = position as u8;
                }
            }
        }
        headers
    }

    /// The value of `header`, if the response had it.
    pub fn get(&self, header: Header) -> Option<&'a str> {
        let slot = self.slots[header as usize];
        if slot == ABSENT {
            return None;
        }
        let (_, value) = self.list.get(usize::from(slot))?;
        Some(value.trim())
    }

    /// True when some header name starts with `prefix`.
    pub fn has_prefix(&self, prefix: Prefix) -> bool {
        self.prefixes & (1 << prefix as u8) != 0
    }

    /// True when the response had any header at all.
    pub fn any(&self) -> bool {
        !self.list.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_the_first_copy_wins() {
        let list = vec![
            ("Retry-After".to_string(), " 3 ".to_string()),
            ("retry-after".to_string(), "9".to_string()),
            (
                "Anthropic-Ratelimit-Tokens-Limit".to_string(),
                "1".to_string(),
            ),
            ("X".repeat(100), "ignored".to_string()),
        ];
        let headers = Headers::new(&list);
        assert_eq!(headers.get(Header::RetryAfter), Some("3"));
        assert_eq!(headers.get(Header::RetryAfterMs), None);
        assert!(headers.has_prefix(Prefix::Anthropic));
        assert!(!headers.has_prefix(Prefix::Ms));
        assert!(headers.any());
        assert!(!Headers::new(&[]).any());
    }
}
