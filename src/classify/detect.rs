//! Provider auto-detection: which family wrote a response, from clues in the body and headers.
//!
//! A named provider (other than `generic`) is trusted as is: the caller knows whom it called, and
//! many providers (Groq, DeepSeek, …) answer in OpenAI's shape. Auto-detection ranks the clues:
//! wrappers first (OpenRouter, Azure), then the distinctive families (Anthropic, Google), then
//! providers recognisable only by headers or links in their messages, then the OpenAI shape, and
//! `generic` when nothing matches. Not for classifying: detection only names the family.

use super::headers::{Header, Headers, Prefix};
use super::provider_error::FamilyClues;
use super::wording::{Named, Wording};
use crate::provider::Provider;

/// The family of a response, from the named provider, the body's clues, the headers and the
/// message's own links and names.
pub(crate) fn detect(
    named: Option<Provider>,
    clues: FamilyClues,
    headers: &Headers<'_>,
    words: &Wording<'_>,
) -> Provider {
    if let Some(named) = named.filter(|p| *p != Provider::Generic) {
        return named;
    }
    let server = headers.get(Header::Server).unwrap_or("");
    let says = |provider: Named| words.names(provider);

    if clues.openrouter || headers.has_prefix(Prefix::OpenRouter) || says(Named::OpenRouter) {
        return Provider::OpenRouter;
    }
    if clues.azure
        || headers.get(Header::ApimRequestId).is_some()
        || headers.has_prefix(Prefix::Ms)
        || headers.get(Header::AzuremlModelSession).is_some()
        || says(Named::Azure)
    {
        return Provider::Azure;
    }
    let anthropic_request_id = headers
        .get(Header::RequestId)
        .is_some_and(|id| id.starts_with("req_"))
        && headers.get(Header::XRequestId).is_none();
    if clues.anthropic
        || headers.has_prefix(Prefix::Anthropic)
        || anthropic_request_id
        || says(Named::Anthropic)
    {
        return Provider::Anthropic;
    }
    if clues.google
        || headers.has_prefix(Prefix::Goog)
        || super::text::find_ascii_ci(server, "scaffolding on httpserver2").is_some()
        || server.eq_ignore_ascii_case("esf")
        || says(Named::Google)
    {
        return Provider::Gemini;
    }
    if clues.groq || headers.has_prefix(Prefix::Groq) || says(Named::Groq) {
        return Provider::Groq;
    }
    if clues.xai || says(Named::Xai) {
        return Provider::Xai;
    }
    if clues.mistral || says(Named::Mistral) {
        return Provider::Mistral;
    }
    if clues.vllm {
        return Provider::Vllm;
    }
    if clues.ollama || says(Named::Ollama) {
        return Provider::Ollama;
    }
    if says(Named::DeepSeek) {
        return Provider::DeepSeek;
    }
    if clues.openai_shape || headers.has_prefix(Prefix::OpenAI) || says(Named::OpenAI) {
        return Provider::OpenAI;
    }
    Provider::Generic
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn named_providers_win_except_generic() {
        let h = headers(&[("x-groq-region", "us")]);
        let clues = FamilyClues::default();
        assert_eq!(
            detect(
                Some(Provider::DeepSeek),
                clues,
                &Headers::new(&h),
                &Wording::read("")
            ),
            Provider::DeepSeek
        );
        assert_eq!(
            detect(
                Some(Provider::Generic),
                clues,
                &Headers::new(&h),
                &Wording::read("")
            ),
            Provider::Groq
        );
    }

    #[test]
    fn headers_identify_families() {
        let clues = FamilyClues::default();
        for (name, value, expected) in [
            ("apim-request-id", "x", Provider::Azure),
            (
                "anthropic-ratelimit-requests-limit",
                "5",
                Provider::Anthropic,
            ),
            ("request-id", "req_01", Provider::Anthropic),
            ("server", "scaffolding on HTTPServer2", Provider::Gemini),
            ("openai-processing-ms", "12", Provider::OpenAI),
            ("content-type", "text/plain", Provider::Generic),
        ] {
            let h = headers(&[(name, value)]);
            assert_eq!(
                detect(None, clues, &Headers::new(&h), &Wording::read("")),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn wrappers_outrank_what_they_wrap() {
        let clues = FamilyClues {
            google: true,
            openrouter: true,
            ..FamilyClues::default()
        };
        assert_eq!(
            detect(None, clues, &Headers::new(&[]), &Wording::read("")),
            Provider::OpenRouter
        );
    }
}
