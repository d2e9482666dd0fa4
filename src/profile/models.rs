//! Context windows and output limits of the main current models, each with its public source.
//!
//! The table is data, checked against the providers' model pages (see the comment on each group).
//! A name matches an entry exactly, or as the entry followed by a dated snapshot suffix
//! (`gpt-4o-2024-08-06`, `claude-sonnet-4-20250514`), `-latest`, or a `-preview…`/`-exp…` tag.
//! Anything else is unknown: the provider's conservative default applies, findings against it are
//! warnings rather than errors, and callers can override both figures.
//!
//! Not here: per-route limits (Code Assist, regional endpoints) — pass `window_tokens` for those.

use crate::provider::Provider;

/// What a model can take in and give out, in tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelLimits {
    /// Prompt plus output must fit in this many tokens.
    pub context_window: u64,
    /// The largest output budget (`max_tokens`) the model accepts; `None` when the provider publishes
    /// no separate output limit.
    pub max_output_tokens: Option<u64>,
}

impl ModelLimits {
    /// Limits for a model the table does not know: a window and no output limit.
    pub const fn unknown(context_window: u64) -> ModelLimits {
        ModelLimits {
            context_window,
            max_output_tokens: None,
        }
    }
}

/// The result of a lookup: the limits, and whether they come from the table (`known`) or from a
/// default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelMatch {
    /// The model's context window and output limit.
    pub limits: ModelLimits,
    /// `true` when the model is in the table, `false` for the provider's default.
    pub known: bool,
}

struct Entry {
    name: &'static str,
    window: u64,
    output: Option<u64>,
}

const fn entry(name: &'static str, window: u64, output: Option<u64>) -> Entry {
    Entry {
        name,
        window,
        output,
    }
}

// OpenAI: https://platform.openai.com/docs/models/<name> ("context window", "max output tokens").
const OPENAI: &[Entry] = &[
    entry("gpt-3.5-turbo", 16_385, Some(4_096)),
    entry("gpt-4", 8_192, Some(8_192)),
    entry("gpt-4-turbo", 128_000, Some(4_096)),
    entry("gpt-4o", 128_000, Some(16_384)),
    entry("gpt-4o-mini", 128_000, Some(16_384)),
    entry("chatgpt-4o-latest", 128_000, Some(16_384)),
    // https://platform.openai.com/docs/models/gpt-4.1: 1,047,576 context, 32,768 output (same for
    // -mini and -nano).
    entry("gpt-4.1", 1_047_576, Some(32_768)),
    entry("gpt-4.1-mini", 1_047_576, Some(32_768)),
    entry("gpt-4.1-nano", 1_047_576, Some(32_768)),
    entry("o1", 200_000, Some(100_000)),
    entry("o1-preview", 128_000, Some(32_768)),
    entry("o1-mini", 128_000, Some(65_536)),
    // https://platform.openai.com/docs/models/o3 and /o4-mini: 200,000 context, 100,000 output.
    entry("o3", 200_000, Some(100_000)),
    entry("o3-mini", 200_000, Some(100_000)),
    entry("o3-pro", 200_000, Some(100_000)),
    entry("o4-mini", 200_000, Some(100_000)),
    // https://platform.openai.com/docs/models/gpt-5 (and gpt-5.1, gpt-5.2): 400,000 context,
    // 128,000 output.
    entry("gpt-5", 400_000, Some(128_000)),
    entry("gpt-5-mini", 400_000, Some(128_000)),
    entry("gpt-5-nano", 400_000, Some(128_000)),
    entry("gpt-5.1", 400_000, Some(128_000)),
    entry("gpt-5.2", 400_000, Some(128_000)),
    // https://platform.openai.com/docs/models/gpt-5-chat-latest: 128,000 context, 16,384 output.
    entry("gpt-5-chat-latest", 128_000, Some(16_384)),
];

// Gemini: https://ai.google.dev/gemini-api/docs/models/<name> ("Input token limit", "Output token
// limit"). The window is the input limit; the output limit is separate.
const GEMINI: &[Entry] = &[
    entry("gemini-3.1-pro-preview", 1_048_576, Some(65_536)),
    entry("gemini-3-pro-preview", 1_048_576, Some(65_536)),
    entry("gemini-3-flash-preview", 1_048_576, Some(65_536)),
    entry("gemini-2.5-pro", 1_048_576, Some(65_536)),
    entry("gemini-2.5-flash", 1_048_576, Some(65_536)),
    entry("gemini-2.5-flash-lite", 1_048_576, Some(65_536)),
    entry("gemini-2.0-flash", 1_048_576, Some(8_192)),
    entry("gemini-2.0-flash-lite", 1_048_576, Some(8_192)),
    // Retired models, kept so old configurations get a precise answer.
    entry("gemini-1.5-pro", 2_097_152, Some(8_192)),
    entry("gemini-1.5-flash", 1_048_576, Some(8_192)),
];

// Anthropic: https://docs.anthropic.com/en/docs/about-claude/models/overview ("Context window",
// "Max output").
const ANTHROPIC: &[Entry] = &[
    entry("claude-opus-4-6", 1_000_000, Some(128_000)),
    entry("claude-sonnet-4-6", 1_000_000, Some(64_000)),
    entry("claude-opus-4-5", 200_000, Some(64_000)),
    entry("claude-sonnet-4-5", 200_000, Some(64_000)),
    entry("claude-haiku-4-5", 200_000, Some(64_000)),
    entry("claude-opus-4-1", 200_000, Some(32_000)),
    entry("claude-opus-4-0", 200_000, Some(32_000)),
    entry("claude-opus-4", 200_000, Some(32_000)),
    entry("claude-sonnet-4-0", 200_000, Some(64_000)),
    entry("claude-sonnet-4", 200_000, Some(64_000)),
    entry("claude-3-7-sonnet", 200_000, Some(64_000)),
    entry("claude-3-5-haiku", 200_000, Some(8_192)),
];

// Groq: https://console.groq.com/docs/models ("Context window", "Max completion tokens").
const GROQ: &[Entry] = &[
    entry("llama-3.3-70b-versatile", 131_072, Some(32_768)),
    entry("llama-3.1-8b-instant", 131_072, Some(131_072)),
    entry("openai/gpt-oss-120b", 131_072, Some(65_536)),
    entry("openai/gpt-oss-20b", 131_072, Some(65_536)),
];

// DeepSeek: https://api-docs.deepseek.com/quick_start/pricing (V3.2: "CONTEXT LENGTH 128K";
// "MAX OUTPUT" deepseek-chat 8K, deepseek-reasoner 64K).
const DEEPSEEK: &[Entry] = &[
    entry("deepseek-chat", 131_072, Some(8_192)),
    entry("deepseek-reasoner", 131_072, Some(65_536)),
];

// Mistral: https://docs.mistral.ai/getting-started/models/ ("Max tokens" is the context length;
// no separate output limit is published).
const MISTRAL: &[Entry] = &[
    entry("mistral-large-latest", 131_072, None),
    entry("mistral-medium-latest", 131_072, None),
    entry("mistral-small-latest", 131_072, None),
    entry("codestral-latest", 262_144, None),
    entry("ministral-8b-latest", 131_072, None),
    entry("open-mistral-nemo", 131_072, None),
];

// xAI: https://docs.x.ai/docs/models ("Context"; no separate output limit is published).
const XAI: &[Entry] = &[
    entry("grok-4", 256_000, None),
    entry("grok-4-0709", 256_000, None),
    entry("grok-code-fast-1", 256_000, None),
    entry("grok-3", 131_072, None),
    entry("grok-3-mini", 131_072, None),
];

fn table_of(provider: Provider) -> &'static [Entry] {
    match provider {
        Provider::OpenAI | Provider::Azure => OPENAI,
        Provider::Gemini => GEMINI,
        Provider::Anthropic => ANTHROPIC,
        Provider::Groq => GROQ,
        Provider::DeepSeek => DEEPSEEK,
        Provider::Mistral => MISTRAL,
        Provider::Xai => XAI,
        Provider::OpenRouter | Provider::Ollama | Provider::Vllm | Provider::Generic => &[],
    }
}

const ALL_TABLES: [&[Entry]; 7] = [OPENAI, GEMINI, ANTHROPIC, GROQ, DEEPSEEK, MISTRAL, XAI];

/// Strips what a provider ignores in a model name: Gemini's `models/` prefix.
pub fn strip_models_prefix(model: &str) -> &str {
    model.strip_prefix("models/").unwrap_or(model)
}

/// The model name without a router's `vendor/` prefix (`openai/gpt-4o` → `gpt-4o`).
pub fn without_vendor(model: &str) -> &str {
    model.rsplit_once('/').map_or(model, |(_, name)| name)
}

/// Looks `model` up for `provider`. Routers and generic servers search every table, first by the
/// full name, then without the `vendor/` prefix.
pub fn lookup(provider: Provider, model: &str) -> Option<ModelMatch> {
    let model = strip_models_prefix(model.trim());
    let found = match provider {
        Provider::OpenRouter | Provider::Ollama | Provider::Vllm | Provider::Generic => {
            find_in(&ALL_TABLES, model).or_else(|| find_in(&ALL_TABLES, without_vendor(model)))
        }
        _ => find_in(&[table_of(provider)], model),
    }?;
    Some(ModelMatch {
        limits: ModelLimits {
            context_window: found.window,
            max_output_tokens: found.output,
        },
        known: true,
    })
}

fn find_in(tables: &[&'static [Entry]], model: &str) -> Option<&'static Entry> {
    // The longest matching name wins: `gpt-4o-mini-2024-07-18` is gpt-4o-mini, not gpt-4o.
    tables
        .iter()
        .flat_map(|table| table.iter())
        .filter(|entry| name_matches(entry.name, model))
        .max_by_key(|entry| entry.name.len())
}

fn name_matches(entry: &str, model: &str) -> bool {
    // What follows the entry's name is tested first: it rules out most entries in one byte.
    let suffix_fits = match model.as_bytes().get(entry.len()) {
        None => model.len() == entry.len(),
        // A `-` is one byte, so both ends of the suffix are character boundaries.
        Some(b'-') => is_snapshot_suffix(&model[entry.len() + 1..]),
        Some(_) => false,
    };
    suffix_fits && model.as_bytes()[..entry.len()].eq_ignore_ascii_case(entry.as_bytes())
}

/// `20250514`, `2024-08-06`, `0125-preview`, `latest`, `preview-05-20`, `exp-1206`: a snapshot of
/// the same model, not a different model such as `claude-opus-4-7` or `gpt-4o-mini`.
fn is_snapshot_suffix(suffix: &str) -> bool {
    let leading_digits = suffix.bytes().take_while(u8::is_ascii_digit).count();
    leading_digits >= 4
        || suffix == "latest"
        || suffix.starts_with("preview")
        || suffix.starts_with("exp")
}

/// OpenAI reasoning models (o-series and gpt-5, except the gpt-5 chat models), which reject
/// `max_tokens` and non-default sampling parameters.
pub fn is_openai_reasoning_model(model: &str) -> bool {
    let name = without_vendor(strip_models_prefix(model.trim())).to_ascii_lowercase();
    let o_series = ["o1", "o3", "o4"].iter().any(|prefix| {
        name.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
    });
    o_series || (name.starts_with("gpt-5") && !name.contains("-chat"))
}

/// xAI reasoning models (grok-4 family except `-non-reasoning`, grok-3-mini), which reject
/// `presence_penalty`, `frequency_penalty` and `stop`.
pub fn is_xai_reasoning_model(model: &str) -> bool {
    let name = without_vendor(model.trim()).to_ascii_lowercase();
    (name.starts_with("grok-4") && !name.contains("non-reasoning"))
        || name.starts_with("grok-3-mini")
}

/// Gemini models before generation 3, whose `reasoning_effort` has no `minimal` level.
pub fn is_gemini_before_3(model: &str) -> bool {
    let name = without_vendor(strip_models_prefix(model.trim())).to_ascii_lowercase();
    ["gemini-1", "gemini-2", "gemini-pro", "gemini-flash"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// Gemini 3 models, which require the `thought_signature` of a function call to be sent back.
pub fn is_gemini_3(model: &str) -> bool {
    let name = without_vendor(strip_models_prefix(model.trim())).to_ascii_lowercase();
    name.starts_with("gemini-3")
}

/// Gemini models Google has shut down; calls answer "Request contains an invalid argument" or 404.
pub fn is_retired_gemini(model: &str) -> bool {
    let name = strip_models_prefix(model.trim()).to_ascii_lowercase();
    name == "gemini-pro"
        || name.starts_with("gemini-1.0")
        || name.starts_with("gemini-1.5")
        || name.starts_with("gemini-pro-vision")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(provider: Provider, model: &str) -> Option<(u64, Option<u64>)> {
        lookup(provider, model).map(|m| (m.limits.context_window, m.limits.max_output_tokens))
    }

    #[test]
    fn dated_snapshots_match_their_model_and_longest_name_wins() {
        assert_eq!(
            limits(Provider::OpenAI, "gpt-4o-2024-08-06"),
            Some((128_000, Some(16_384)))
        );
        assert_eq!(
            limits(Provider::OpenAI, "gpt-4o-mini-2024-07-18"),
            Some((128_000, Some(16_384)))
        );
        assert_eq!(
            limits(Provider::OpenAI, "gpt-4.1-mini"),
            Some((1_047_576, Some(32_768)))
        );
        assert_eq!(
            limits(Provider::Anthropic, "claude-sonnet-4-20250514"),
            Some((200_000, Some(64_000)))
        );
        assert_eq!(
            limits(Provider::Gemini, "models/gemini-2.5-pro"),
            Some((1_048_576, Some(65_536)))
        );
    }

    #[test]
    fn a_newer_version_does_not_inherit_an_older_entry() {
        assert_eq!(limits(Provider::Anthropic, "claude-opus-4-7"), None);
        assert_eq!(limits(Provider::OpenAI, "gpt-4o-audio"), None);
        assert_eq!(limits(Provider::Gemini, "gemini-2.5-flash-image"), None);
    }

    #[test]
    fn routers_find_models_in_every_table() {
        assert_eq!(
            limits(Provider::OpenRouter, "google/gemini-2.0-flash"),
            Some((1_048_576, Some(8_192)))
        );
        assert_eq!(
            limits(Provider::Generic, "gpt-4o"),
            Some((128_000, Some(16_384)))
        );
        assert_eq!(
            limits(Provider::Groq, "openai/gpt-oss-120b"),
            Some((131_072, Some(65_536)))
        );
    }

    #[test]
    fn reasoning_models_are_recognised() {
        for model in [
            "o1",
            "o3-mini",
            "o4-mini-2025-04-16",
            "gpt-5",
            "gpt-5.1",
            "openai/o3",
        ] {
            assert!(is_openai_reasoning_model(model), "{model}");
        }
        for model in ["gpt-4o", "gpt-5-chat-latest", "omni", "o10x", "gpt-4.1"] {
            assert!(!is_openai_reasoning_model(model), "{model}");
        }
        assert!(is_xai_reasoning_model("grok-4-0709"));
        assert!(!is_xai_reasoning_model("grok-4-fast-non-reasoning"));
        assert!(is_gemini_before_3("models/gemini-2.5-flash"));
        assert!(!is_gemini_before_3("gemini-3-flash-preview"));
        assert!(is_gemini_3("gemini-3-pro-preview"));
        assert!(is_retired_gemini("gemini-1.5-pro-002"));
    }
}
