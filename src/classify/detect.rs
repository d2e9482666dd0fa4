//! Provider auto-detection: which family wrote a response, from clues in the body and headers.
//!
//! A named provider (other than `generic`) is trusted as is: the caller knows whom it called, and
//! many providers (Groq, DeepSeek, …) answer in OpenAI's shape. Auto-detection ranks the clues:
//! wrappers first (OpenRouter, Azure), then the distinctive families (Anthropic, Google), then
//! providers recognisable only by headers or links in their messages, then the OpenAI shape, and
//! `generic` when nothing matches. Not for classifying: detection only names the family.

use super::hints::Headers;
use super::provider_error::FamilyClues;
use super::wording::{Named, Wording};
use crate::provider::Provider;

/// The family of a response, from the named provider, the body's clues, the headers and the
/// message's own links and names.
pub(crate) fn detect(
    named: Option<Provider>,
    clues: FamilyClues,
    headers: Headers<'_>,
    words: &Wording<'_>,
) -> Provider {
    if let Some(named) = named.filter(|p| *p != Provider::Generic) {
        return named;
    }
    let server = headers.get("server").unwrap_or("").to_ascii_lowercase();
    let says = |provider: Named| words.names(provider);

    if clues.openrouter || headers.any_prefixed("x-openrouter") || says(Named::OpenRouter) {
        return Provider::OpenRouter;
    }
    if clues.azure
        || headers.get("apim-request-id").is_some()
        || headers.any_prefixed("x-ms-")
        || headers.get("azureml-model-session").is_some()
        || says(Named::Azure)
    {
        return Provider::Azure;
    }
    let anthropic_request_id = headers
        .get("request-id")
        .is_some_and(|id| id.starts_with("req_"))
        && headers.get("x-request-id").is_none();
    if clues.anthropic
        || headers.any_prefixed("anthropic-")
        || anthropic_request_id
        || says(Named::Anthropic)
    {
        return Provider::Anthropic;
    }
    if clues.google
        || headers.any_prefixed("x-goog-")
        || server.contains("scaffolding on httpserver2")
        || server == "esf"
        || says(Named::Google)
    {
        return Provider::Gemini;
    }
    if clues.groq || headers.any_prefixed("x-groq") || says(Named::Groq) {
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
    if clues.openai_shape || headers.any_prefixed("openai-") || says(Named::OpenAI) {
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
                Headers(&h),
                &Wording::read("")
            ),
            Provider::DeepSeek
        );
        assert_eq!(
            detect(
                Some(Provider::Generic),
                clues,
                Headers(&h),
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
                detect(None, clues, Headers(&h), &Wording::read("")),
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
            detect(None, clues, Headers(&[]), &Wording::read("")),
            Provider::OpenRouter
        );
    }
}
