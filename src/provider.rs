//! The providers llmwire knows by name.
//!
//! This module only names them; what each one accepts, rejects and limits is described by the
//! provider profiles built on top of this enum.

use serde::{Deserialize, Serialize};

/// A provider (or serving stack) that speaks an OpenAI-compatible chat-completions API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// OpenAI's API (`api.openai.com`), and OpenAI error formats in general.
    OpenAI,
    /// Google Gemini's OpenAI-compatibility endpoint (and Google error formats in general).
    Gemini,
    /// Azure OpenAI: a resource's deployment, authenticated with an `api-key` header.
    Azure,
    /// Anthropic's OpenAI-compatible endpoint (and Anthropic error formats in general).
    Anthropic,
    /// OpenRouter, a router in front of many vendors' models (`vendor/model` names).
    OpenRouter,
    /// Groq (`api.groq.com/openai`).
    Groq,
    /// DeepSeek (`api.deepseek.com`).
    DeepSeek,
    /// Mistral AI (`api.mistral.ai`).
    Mistral,
    /// xAI's Grok models (`api.x.ai`).
    Xai,
    /// A local Ollama server (`localhost:11434` unless configured; no key).
    Ollama,
    /// A vLLM server (`localhost:8000` unless configured).
    Vllm,
    /// Any other OpenAI-compatible server.
    Generic,
}

impl Provider {
    /// Every provider, in a fixed order.
    pub const ALL: [Provider; 12] = [
        Provider::OpenAI,
        Provider::Gemini,
        Provider::Azure,
        Provider::Anthropic,
        Provider::OpenRouter,
        Provider::Groq,
        Provider::DeepSeek,
        Provider::Mistral,
        Provider::Xai,
        Provider::Ollama,
        Provider::Vllm,
        Provider::Generic,
    ];

    /// The lowercase name used in JSON, config and on the command line.
    pub const fn as_str(self) -> &'static str {
        match self {
            Provider::OpenAI => "openai",
            Provider::Gemini => "gemini",
            Provider::Azure => "azure",
            Provider::Anthropic => "anthropic",
            Provider::OpenRouter => "openrouter",
            Provider::Groq => "groq",
            Provider::DeepSeek => "deepseek",
            Provider::Mistral => "mistral",
            Provider::Xai => "xai",
            Provider::Ollama => "ollama",
            Provider::Vllm => "vllm",
            Provider::Generic => "generic",
        }
    }

    /// The provider with this name (exact, lowercase).
    pub fn from_name(name: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for provider in Provider::ALL {
            assert_eq!(Provider::from_name(provider.as_str()), Some(provider));
            let json = serde_json::to_string(&provider).unwrap();
            assert_eq!(json, format!("\"{}\"", provider.as_str()));
        }
    }
}
