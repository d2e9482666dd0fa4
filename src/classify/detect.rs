//! Provider auto-detection: which family wrote a response, from clues in the body and headers.
//!
//! A named provider (other than `generic`) is trusted as is: the caller knows whom it called, and
//! many providers (Groq, DeepSeek, …) answer in OpenAI's shape. Auto-detection ranks the clues:
//! wrappers first (OpenRouter, Azure), then the distinctive families (Anthropic, Google), then
//! providers recognisable only by headers or links in their messages, then the OpenAI shape, and
//! `generic` when nothing matches. Not for classifying: detection only names the family.

use super::hints::Headers;
use super::provider_error::FamilyClues;
use crate::provider::Provider;

/// The family of a response. `wording` is the lowercased message text.
pub(crate) fn detect(
    named: Option<Provider>,
    clues: FamilyClues,
    headers: Headers<'_>,
    wording: &str,
) -> Provider {
    if let Some(named) = named.filter(|p| *p != Provider::Generic) {
        return named;
    }
    let server = headers.get("server").unwrap_or("").to_ascii_lowercase();
    let says = |needles: &[&str]| needles.iter().any(|n| wording.contains(n));

    if clues.openrouter || headers.any_prefixed("x-openrouter") || says(&["openrouter.ai"]) {
        return Provider::OpenRouter;
    }
    if clues.azure
        || headers.get("apim-request-id").is_some()
        || headers.any_prefixed("x-ms-")
        || headers.get("azureml-model-session").is_some()
        || says(&["azure openai", "azure ai"])
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
        || says(&["anthropic.com"])
    {
        return Provider::Anthropic;
    }
    if clues.google
        || headers.any_prefixed("x-goog-")
        || server.contains("scaffolding on httpserver2")
        || server == "esf"
        || says(&[
            "googleapis.com",
            "generatecontentrequest",
            "ai.google.dev",
            "generativeai.google",
        ])
    {
        return Provider::Gemini;
    }
    if clues.groq || headers.any_prefixed("x-groq") || says(&["groq.com"]) {
        return Provider::Groq;
    }
    if clues.xai || says(&["console.x.ai", "docs.x.ai", "api.x.ai"]) {
        return Provider::Xai;
    }
    if clues.mistral || says(&["mistral.ai"]) {
        return Provider::Mistral;
    }
    if clues.vllm {
        return Provider::Vllm;
    }
    if clues.ollama || says(&["try pulling it", "ollama"]) {
        return Provider::Ollama;
    }
    if says(&["deepseek.com"]) {
        return Provider::DeepSeek;
    }
    if clues.openai_shape || headers.any_prefixed("openai-") || says(&["openai.com"]) {
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
            detect(Some(Provider::DeepSeek), clues, Headers(&h), ""),
            Provider::DeepSeek
        );
        assert_eq!(
            detect(Some(Provider::Generic), clues, Headers(&h), ""),
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
            assert_eq!(detect(None, clues, Headers(&h), ""), expected, "{name}");
        }
    }

    #[test]
    fn wrappers_outrank_what_they_wrap() {
        let clues = FamilyClues {
            google: true,
            openrouter: true,
            ..FamilyClues::default()
        };
        assert_eq!(detect(None, clues, Headers(&[]), ""), Provider::OpenRouter);
    }
}
