//! Top-level request parameters each provider rejects, ignores or may not support.
//!
//! Each rule names the public evidence it rests on. `Rejected` means a 400/422 has been observed or
//! is documented; `Ignored` means documented as accepted and ignored; `MaybeUnsupported` means the
//! provider does not document the field and has been seen to reject similar ones.

use super::models::{is_openai_reasoning_model, is_xai_reasoning_model};
use super::Profile;

/// What a provider does with a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamVerdict {
    /// The request is rejected (an error; repair drops the parameter).
    Rejected {
        /// What to do instead, shown in the finding's message.
        hint: &'static str,
    },
    /// Rejected unless the value is the parameter's default (temperature 1, penalties 0, …).
    RejectedUnlessDefault {
        /// What to do instead, shown in the finding's message.
        hint: &'static str,
    },
    /// Accepted and ignored (a warning).
    Ignored,
    /// Not documented by the provider; may be rejected (a warning).
    MaybeUnsupported {
        /// Why it may be rejected, shown in the finding's message.
        hint: &'static str,
    },
}

/// Which models of a provider a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModelScope {
    All,
    OpenAiReasoning,
    DeepSeekReasoner,
    XaiReasoning,
    /// grok-4 family: no `reasoning_effort` (grok-3-mini has one).
    Grok4,
}

impl ModelScope {
    fn covers(self, model: &str) -> bool {
        let name = model.to_ascii_lowercase();
        match self {
            ModelScope::All => true,
            ModelScope::OpenAiReasoning => is_openai_reasoning_model(model),
            ModelScope::DeepSeekReasoner => name.contains("deepseek-reasoner"),
            ModelScope::XaiReasoning => is_xai_reasoning_model(model),
            ModelScope::Grok4 => super::models::without_vendor(&name).starts_with("grok-4"),
        }
    }
}

/// One provider rule about one top-level parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamRule {
    pub(crate) name: &'static str,
    pub(crate) scope: ModelScope,
    pub(crate) verdict: ParamVerdict,
}

const fn rule(name: &'static str, scope: ModelScope, verdict: ParamVerdict) -> ParamRule {
    ParamRule {
        name,
        scope,
        verdict,
    }
}

const fn rejected(name: &'static str, scope: ModelScope, hint: &'static str) -> ParamRule {
    rule(name, scope, ParamVerdict::Rejected { hint })
}

const fn maybe(name: &'static str, hint: &'static str) -> ParamRule {
    rule(
        name,
        ModelScope::All,
        ParamVerdict::MaybeUnsupported { hint },
    )
}

const fn ignored(name: &'static str, scope: ModelScope) -> ParamRule {
    rule(name, scope, ParamVerdict::Ignored)
}

pub(super) fn verdict(profile: &Profile, name: &str, model: &str) -> Option<ParamVerdict> {
    profile
        .param_rules
        .iter()
        .find(|rule| rule.name == name && rule.scope.covers(model))
        .map(|rule| rule.verdict)
}

const REASONING_SAMPLING: &str =
    "OpenAI reasoning models accept only the default value (\"Unsupported value: ... Only the default (1) value is supported\"); remove it";

/// OpenAI (and Azure OpenAI).
pub(super) const OPENAI: &[ParamRule] = &[
    // Chat Completions has `reasoning_effort`; the `reasoning` object belongs to the Responses API and
    // to OpenRouter.
    rejected(
        "reasoning",
        ModelScope::All,
        "Chat Completions takes \"reasoning_effort\", not a \"reasoning\" object; use reasoning_effort instead",
    ),
    // "Unsupported parameter: 'temperature' is not supported with this model." (o1, o3-mini, gpt-5.x)
    rule(
        "temperature",
        ModelScope::OpenAiReasoning,
        ParamVerdict::RejectedUnlessDefault {
            hint: REASONING_SAMPLING,
        },
    ),
    rule(
        "top_p",
        ModelScope::OpenAiReasoning,
        ParamVerdict::RejectedUnlessDefault {
            hint: REASONING_SAMPLING,
        },
    ),
    rule(
        "presence_penalty",
        ModelScope::OpenAiReasoning,
        ParamVerdict::RejectedUnlessDefault {
            hint: REASONING_SAMPLING,
        },
    ),
    rule(
        "frequency_penalty",
        ModelScope::OpenAiReasoning,
        ParamVerdict::RejectedUnlessDefault {
            hint: REASONING_SAMPLING,
        },
    ),
    rule(
        "logprobs",
        ModelScope::OpenAiReasoning,
        ParamVerdict::RejectedUnlessDefault {
            hint: "reasoning models do not return logprobs; remove it",
        },
    ),
    rejected(
        "top_logprobs",
        ModelScope::OpenAiReasoning,
        "reasoning models do not return logprobs; remove it",
    ),
    rejected(
        "logit_bias",
        ModelScope::OpenAiReasoning,
        "reasoning models do not support logit_bias; remove it",
    ),
    // fast-agent#279: "Unsupported parameter: 'parallel_tool_calls' is not supported with this model."
    // (seen on some reasoning models only).
    maybe_scoped(
        "parallel_tool_calls",
        ModelScope::OpenAiReasoning,
        "some OpenAI reasoning models reject it (\"Unsupported parameter: 'parallel_tool_calls'\")",
    ),
];

const fn maybe_scoped(name: &'static str, scope: ModelScope, hint: &'static str) -> ParamRule {
    rule(name, scope, ParamVerdict::MaybeUnsupported { hint })
}

const GEMINI_UNDOCUMENTED: &str = "Gemini's OpenAI-compatible endpoint does not document it and rejects unknown fields (\"Unknown name ...: Cannot find field\")";

/// Gemini's OpenAI-compatible endpoint (causes doc §2).
pub(super) const GEMINI: &[ParamRule] = &[
    // openhanako#394: Unknown name "store": Cannot find field.
    rejected(
        "store",
        ModelScope::All,
        "Gemini answers 400 Unknown name \"store\"; remove it",
    ),
    // magentic#382, TheAgenticBrowser#4: "Parallel tool calls are not supported."
    rejected(
        "parallel_tool_calls",
        ModelScope::All,
        "Gemini answers 400 \"Parallel tool calls are not supported\"; remove it",
    ),
    // ComfyUI-NewBie-LLM-Formatter#3: Unknown name "reasoning".
    rejected(
        "reasoning",
        ModelScope::All,
        "Gemini answers 400 Unknown name \"reasoning\"; use \"reasoning_effort\" instead",
    ),
    // free-claude-code#542: Unknown name "google" (extra_body merged into the top level).
    rejected(
        "google",
        ModelScope::All,
        "Gemini answers 400 Unknown name \"google\"; nest it as \"extra_body\": {\"google\": …}",
    ),
    // RPGBox#2, RSSBox#132: rejected by some models.
    maybe(
        "frequency_penalty",
        "some Gemini models reject it with 400 INVALID_ARGUMENT",
    ),
    maybe(
        "presence_penalty",
        "some Gemini models reject it with 400 INVALID_ARGUMENT",
    ),
    maybe("logit_bias", GEMINI_UNDOCUMENTED),
    maybe("metadata", GEMINI_UNDOCUMENTED),
    maybe("service_tier", GEMINI_UNDOCUMENTED),
    maybe("prediction", GEMINI_UNDOCUMENTED),
    maybe("modalities", GEMINI_UNDOCUMENTED),
    maybe("audio", GEMINI_UNDOCUMENTED),
    maybe("user", GEMINI_UNDOCUMENTED),
    maybe("web_search_options", GEMINI_UNDOCUMENTED),
    maybe("prompt_cache_key", GEMINI_UNDOCUMENTED),
    maybe("safety_identifier", GEMINI_UNDOCUMENTED),
    maybe("verbosity", GEMINI_UNDOCUMENTED),
    maybe("functions", GEMINI_UNDOCUMENTED),
    maybe("function_call", GEMINI_UNDOCUMENTED),
];

/// Anthropic's OpenAI-compatible endpoint: https://docs.anthropic.com/en/api/openai-sdk lists these
/// request fields as "Ignored".
pub(super) const ANTHROPIC: &[ParamRule] = &[
    ignored("logprobs", ModelScope::All),
    ignored("metadata", ModelScope::All),
    ignored("response_format", ModelScope::All),
    ignored("prediction", ModelScope::All),
    ignored("presence_penalty", ModelScope::All),
    ignored("frequency_penalty", ModelScope::All),
    ignored("seed", ModelScope::All),
    ignored("service_tier", ModelScope::All),
    ignored("audio", ModelScope::All),
    ignored("logit_bias", ModelScope::All),
    ignored("store", ModelScope::All),
    ignored("user", ModelScope::All),
    ignored("modalities", ModelScope::All),
    ignored("top_logprobs", ModelScope::All),
    ignored("reasoning_effort", ModelScope::All),
];

/// Groq: https://console.groq.com/docs/openai lists these as not supported.
pub(super) const GROQ: &[ParamRule] = &[
    maybe("logprobs", "Groq documents logprobs as not supported"),
    maybe("logit_bias", "Groq documents logit_bias as not supported"),
    maybe(
        "top_logprobs",
        "Groq documents top_logprobs as not supported",
    ),
];

/// DeepSeek: https://api-docs.deepseek.com/guides/reasoning_model ("Not Supported Parameters":
/// logprobs/top_logprobs trigger an error; temperature, top_p and the penalties have no effect).
pub(super) const DEEPSEEK: &[ParamRule] = &[
    rejected(
        "logprobs",
        ModelScope::DeepSeekReasoner,
        "deepseek-reasoner returns an error when logprobs is set; remove it",
    ),
    rejected(
        "top_logprobs",
        ModelScope::DeepSeekReasoner,
        "deepseek-reasoner returns an error when top_logprobs is set; remove it",
    ),
    ignored("temperature", ModelScope::DeepSeekReasoner),
    ignored("top_p", ModelScope::DeepSeekReasoner),
    ignored("presence_penalty", ModelScope::DeepSeekReasoner),
    ignored("frequency_penalty", ModelScope::DeepSeekReasoner),
    maybe(
        "max_completion_tokens",
        "DeepSeek documents \"max_tokens\"; use it instead",
    ),
];

const MISTRAL_FORBIDS_EXTRAS: &str =
    "Mistral answers 422 extra_forbidden (\"Extra inputs are not permitted\") to parameters it does not know";

/// Mistral validates bodies with pydantic and forbids unknown fields (eca#231).
pub(super) const MISTRAL: &[ParamRule] = &[
    maybe("seed", "Mistral calls it \"random_seed\""),
    maybe("store", MISTRAL_FORBIDS_EXTRAS),
    maybe("stream_options", MISTRAL_FORBIDS_EXTRAS),
    maybe("logit_bias", MISTRAL_FORBIDS_EXTRAS),
    maybe("logprobs", MISTRAL_FORBIDS_EXTRAS),
    maybe("top_logprobs", MISTRAL_FORBIDS_EXTRAS),
    maybe("user", MISTRAL_FORBIDS_EXTRAS),
    maybe("metadata", MISTRAL_FORBIDS_EXTRAS),
    maybe("service_tier", MISTRAL_FORBIDS_EXTRAS),
    maybe("modalities", MISTRAL_FORBIDS_EXTRAS),
    maybe("audio", MISTRAL_FORBIDS_EXTRAS),
    maybe("reasoning_effort", MISTRAL_FORBIDS_EXTRAS),
];

/// xAI: https://docs.x.ai/docs/guides/reasoning ("presencePenalty, frequencyPenalty and stop
/// parameters are not supported by reasoning models"; grok-4 has no reasoning_effort).
pub(super) const XAI: &[ParamRule] = &[
    rejected(
        "presence_penalty",
        ModelScope::XaiReasoning,
        "xAI reasoning models reject presence_penalty; remove it",
    ),
    rejected(
        "frequency_penalty",
        ModelScope::XaiReasoning,
        "xAI reasoning models reject frequency_penalty; remove it",
    ),
    rejected(
        "stop",
        ModelScope::XaiReasoning,
        "xAI reasoning models reject stop; remove it",
    ),
    rejected(
        "reasoning_effort",
        ModelScope::Grok4,
        "grok-4 models have no reasoning_effort parameter; remove it",
    ),
];

/// Whether `value` is the default of parameter `name`, which reasoning models do accept (`null`
/// means "not set" and is always the default).
pub(crate) fn is_default_value(name: &str, value: &serde_json::Value) -> bool {
    if value.is_null() {
        return true;
    }
    match name {
        "temperature" | "top_p" => value.as_f64() == Some(1.0),
        "presence_penalty" | "frequency_penalty" => value.as_f64() == Some(0.0),
        "logprobs" => value.as_bool() == Some(false),
        _ => false,
    }
}
