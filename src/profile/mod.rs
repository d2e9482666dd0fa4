//! Provider profiles: what each provider accepts, rejects and limits, as plain data.
//!
//! A [`Profile`] answers questions the rest of the crate asks about a provider: where it lives
//! ([`Profile::base_url`]), how it authenticates ([`Profile::auth_style`],
//! [`Profile::api_key_env`]), which request parameters it rejects or ignores, which JSON-Schema
//! dialect its tool definitions follow, how it names models, and how large each model's context
//! window and output are ([`Profile::model_limits`], backed by a sourced table
//! of models).
//!
//! Not here: applying those facts to a request (that is `validate`), or sending anything (that is
//! the client). Every function is pure and every profile is a `static`.
//!
//! ```
//! use llmwire::profile::{AuthStyle, Profile};
//! use llmwire::provider::Provider;
//!
//! let gemini = Profile::for_provider(Provider::Gemini);
//! assert_eq!(gemini.base_url(), Some("https://generativelanguage.googleapis.com/v1beta/openai"));
//! assert_eq!(gemini.auth_style(), AuthStyle::Bearer);
//! assert_eq!(gemini.api_key_env(), Some("GEMINI_API_KEY"));
//! assert_eq!(Profile::for_provider(Provider::Azure).auth_style().header_name(), "api-key");
//! ```

pub(crate) mod models;
pub(crate) mod params;
mod providers;

pub use models::{ModelLimits, ModelMatch};
use params::ParamRule;
pub use params::ParamVerdict;

use crate::provider::Provider;

/// How a provider expects the API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthStyle {
    /// `Authorization: Bearer <key>`.
    Bearer,
    /// `api-key: <key>` (Azure OpenAI).
    ApiKeyHeader,
}

impl AuthStyle {
    /// The HTTP header that carries the key.
    pub const fn header_name(self) -> &'static str {
        match self {
            AuthStyle::Bearer => "authorization",
            AuthStyle::ApiKeyHeader => "api-key",
        }
    }

    /// The header value for `key`: `Bearer <key>` or the bare key.
    pub fn header_value(self, key: &str) -> String {
        match self {
            AuthStyle::Bearer => format!("Bearer {key}"),
            AuthStyle::ApiKeyHeader => key.to_owned(),
        }
    }
}

/// The JSON-Schema dialect a provider applies to `tools[].function.parameters`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaDialect {
    /// Full JSON Schema; only structural mistakes are rejected.
    JsonSchema,
    /// Gemini's OpenAPI-3 subset (the `Schema` proto): an allow-list of keywords, one `type` per node,
    /// `properties`/`required` only on objects, string-only `enum`, few string formats.
    GeminiOpenApi,
}

/// Which tool (function) names a provider accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolNameRule {
    /// `^[a-zA-Z0-9_-]{1,64}$` (OpenAI and most compatible servers).
    OpenAi,
    /// `^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$` (Gemini; colons only on newer models).
    Gemini,
}

impl ToolNameRule {
    /// Whether `name` is accepted; `Some(reason)` says why not.
    pub fn check(self, name: &str) -> Result<(), &'static str> {
        if name.is_empty() {
            return Err("is empty");
        }
        if name.len() > 64 {
            return Err("is longer than 64 characters");
        }
        match self {
            ToolNameRule::OpenAi => {
                if name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                {
                    Ok(())
                } else {
                    Err("may only contain a-z, A-Z, 0-9, underscores and dashes")
                }
            }
            ToolNameRule::Gemini => {
                let starts_well = name
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
                if !starts_well {
                    return Err("must start with a letter or an underscore");
                }
                let allowed =
                    |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-');
                if name.bytes().all(allowed) {
                    Ok(())
                } else {
                    Err("may only contain a-z, A-Z, 0-9, underscores, dots, colons and dashes")
                }
            }
        }
    }
}

/// Which field a provider wants for the output budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxTokensField {
    /// Both `max_tokens` and `max_completion_tokens` are accepted.
    Either,
    /// Only `max_tokens` (Mistral answers 422 `extra_forbidden` to `max_completion_tokens`).
    MaxTokensOnly,
    /// OpenAI: reasoning models (o-series, gpt-5) reject `max_tokens`; others accept both.
    MaxCompletionTokensForReasoningModels,
}

/// Whether a role other than the OpenAI core set is understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleSupport {
    /// Documented and accepted.
    Supported,
    /// Not documented; likely rejected or misread (reported as a warning).
    Unknown,
}

/// What a provider accepts, rejects and limits. Obtain one with [`Profile::for_provider`].
#[derive(Debug)]
pub struct Profile {
    provider: Provider,
    base_url: Option<&'static str>,
    auth_style: AuthStyle,
    api_key_env: Option<&'static str>,
    pub(crate) schema_dialect: SchemaDialect,
    pub(crate) tool_name_rule: ToolNameRule,
    pub(crate) max_tokens_field: MaxTokensField,
    pub(crate) developer_role: RoleSupport,
    /// Image MIME types accepted in data URLs; `None` when unknown (then not checked).
    pub(crate) image_mime_types: Option<&'static [&'static str]>,
    pub(crate) max_stop_sequences: Option<usize>,
    /// `n` must be 1 (Anthropic compat, Groq).
    pub(crate) single_choice_only: bool,
    /// Upper bound of `temperature` beyond which the provider caps silently (Anthropic: 1).
    pub(crate) temperature_cap: Option<f64>,
    /// A hosted service that validates requests: OpenAI's documented ranges, tool names and schema
    /// structure are enforced (local servers often accept more: there such findings are warnings).
    pub(crate) validates_strictly: bool,
    /// Turns with empty text or empty text parts are rejected (Gemini, Anthropic).
    pub(crate) rejects_empty_text: bool,
    /// Tool-call `arguments` must parse to a JSON object (converted to a structured value).
    pub(crate) requires_object_arguments: bool,
    /// Gemini's turn rules: a function-call turn follows a user turn or a function-response turn,
    /// the response count equals the call count, and there is at least one non-system message.
    pub(crate) gemini_turn_rules: bool,
    /// Only one text part per message (xAI).
    pub(crate) single_text_part: bool,
    /// OpenAI's own request checks: image parts only in user messages, `name` pattern,
    /// `stream_options` only with `stream`, `tool_choice`/`parallel_tool_calls` only with tools,
    /// `json_object` needs the word "json", strict function schemas.
    pub(crate) openai_request_rules: bool,
    /// Unknown top-level keys are worth a warning (the provider is known to reject or ignore them).
    pub(crate) flags_unknown_params: bool,
    /// Tool-call ids must be unique across the whole conversation (Anthropic).
    pub(crate) unique_tool_call_ids: bool,
    /// The request must name a model.
    pub(crate) requires_model: bool,
    pub(crate) param_rules: &'static [ParamRule],
    pub(crate) default_limits: ModelLimits,
}

impl Profile {
    /// The profile of `provider`.
    pub fn for_provider(provider: Provider) -> &'static Profile {
        match provider {
            Provider::OpenAI => &providers::OPENAI,
            Provider::Gemini => &providers::GEMINI,
            Provider::Azure => &providers::AZURE,
            Provider::Anthropic => &providers::ANTHROPIC,
            Provider::OpenRouter => &providers::OPENROUTER,
            Provider::Groq => &providers::GROQ,
            Provider::DeepSeek => &providers::DEEPSEEK,
            Provider::Mistral => &providers::MISTRAL,
            Provider::Xai => &providers::XAI,
            Provider::Ollama => &providers::OLLAMA,
            Provider::Vllm => &providers::VLLM,
            Provider::Generic => &providers::GENERIC,
        }
    }

    /// The provider this profile describes.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The default base URL, without a trailing slash; append `/chat/completions`. `None` when
    /// there is no usable default (Azure resources and generic servers must be configured).
    pub fn base_url(&self) -> Option<&'static str> {
        self.base_url
    }

    /// How the API key is sent.
    pub fn auth_style(&self) -> AuthStyle {
        self.auth_style
    }

    /// The environment variable that usually holds the API key; `None` for local servers.
    pub fn api_key_env(&self) -> Option<&'static str> {
        self.api_key_env
    }

    /// Which JSON-Schema subset the provider accepts in tool parameters and response formats.
    pub fn schema_dialect(&self) -> SchemaDialect {
        self.schema_dialect
    }

    /// What a function name in `tools` may contain.
    pub fn tool_name_rule(&self) -> ToolNameRule {
        self.tool_name_rule
    }

    /// What is known about `model` on this provider: its table entry, or this provider's default.
    /// The name is normalised first (a `models/` prefix and, for routers, a `vendor/` prefix are
    /// ignored).
    pub fn model_limits(&self, model: &str) -> ModelMatch {
        models::lookup(self.provider, model).unwrap_or(ModelMatch {
            limits: self.default_limits,
            known: false,
        })
    }

    /// A problem with a configured base URL for this provider, said so a person can fix it.
    ///
    /// Gemini's OpenAI-compatible endpoint lives under `/v1beta/openai`; a base URL without it
    /// reaches the native API, which answers `Unknown name "messages"`.
    pub fn base_url_problem(&self, base_url: &str) -> Option<String> {
        let trimmed = base_url.trim_end_matches('/');
        if !(trimmed.starts_with("https://") || trimmed.starts_with("http://")) {
            return Some(format!(
                "base URL \"{base_url}\" must start with https:// or http://"
            ));
        }
        if self.provider == Provider::Gemini
            && trimmed.contains("generativelanguage.googleapis.com")
            && !trimmed.ends_with("/v1beta/openai")
        {
            return Some(format!(
                "base URL \"{base_url}\" is not Gemini's OpenAI-compatible endpoint: it must end in \
                 /v1beta/openai/ (otherwise Gemini answers 400 Unknown name \"messages\")"
            ));
        }
        if trimmed.ends_with("/chat/completions") {
            return Some(format!(
                "base URL \"{base_url}\" already ends in /chat/completions; give the API root instead"
            ));
        }
        None
    }

    /// What this provider does with the top-level parameter `name` for `model`.
    pub fn param_verdict(&self, name: &str, model: &str) -> Option<ParamVerdict> {
        params::verdict(self, name, model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_has_a_profile_for_itself() {
        for provider in Provider::ALL {
            assert_eq!(Profile::for_provider(provider).provider(), provider);
        }
    }

    #[test]
    fn hosted_providers_name_their_key_variable_and_local_ones_do_not() {
        let expected = [
            (Provider::OpenAI, Some("OPENAI_API_KEY")),
            (Provider::Gemini, Some("GEMINI_API_KEY")),
            (Provider::Azure, Some("AZURE_OPENAI_API_KEY")),
            (Provider::Anthropic, Some("ANTHROPIC_API_KEY")),
            (Provider::OpenRouter, Some("OPENROUTER_API_KEY")),
            (Provider::Groq, Some("GROQ_API_KEY")),
            (Provider::DeepSeek, Some("DEEPSEEK_API_KEY")),
            (Provider::Mistral, Some("MISTRAL_API_KEY")),
            (Provider::Xai, Some("XAI_API_KEY")),
            (Provider::Ollama, None),
            (Provider::Vllm, None),
            (Provider::Generic, None),
        ];
        for (provider, env) in expected {
            assert_eq!(
                Profile::for_provider(provider).api_key_env(),
                env,
                "{provider}"
            );
        }
    }

    #[test]
    fn only_azure_uses_the_api_key_header() {
        for provider in Provider::ALL {
            let style = Profile::for_provider(provider).auth_style();
            let expected = if provider == Provider::Azure {
                AuthStyle::ApiKeyHeader
            } else {
                AuthStyle::Bearer
            };
            assert_eq!(style, expected, "{provider}");
        }
        assert_eq!(AuthStyle::Bearer.header_value("k"), "Bearer k");
        assert_eq!(AuthStyle::ApiKeyHeader.header_value("k"), "k");
    }

    #[test]
    fn base_urls_have_no_trailing_slash() {
        for provider in Provider::ALL {
            if let Some(url) = Profile::for_provider(provider).base_url() {
                assert!(!url.ends_with('/'), "{url}");
                assert_eq!(
                    Profile::for_provider(provider).base_url_problem(url),
                    None,
                    "{url}"
                );
            }
        }
    }

    #[test]
    fn gemini_base_url_without_the_openai_suffix_is_a_problem() {
        let gemini = Profile::for_provider(Provider::Gemini);
        assert!(gemini
            .base_url_problem("https://generativelanguage.googleapis.com/v1beta/")
            .is_some());
        assert!(gemini
            .base_url_problem("https://generativelanguage.googleapis.com/v1beta/openai/")
            .is_none());
        assert!(gemini
            .base_url_problem("generativelanguage.googleapis.com")
            .is_some());
    }

    #[test]
    fn tool_name_rules_follow_each_provider() {
        let openai = ToolNameRule::OpenAi;
        let gemini = ToolNameRule::Gemini;
        assert!(openai.check("get_weather-2").is_ok());
        assert!(openai.check("server.tool").is_err());
        assert!(openai.check(&"a".repeat(65)).is_err());
        assert!(openai.check("").is_err());
        assert!(gemini.check("server.tool:v1").is_ok());
        assert!(gemini.check("1tool").is_err());
        assert!(gemini.check("server/tool").is_err());
        assert!(gemini.check("_private").is_ok());
    }
}
