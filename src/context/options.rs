//! Trim options: the JSON the C API and the CLI pass, and the budget they resolve to for a request.
//!
//! Not here: the trimming itself (`trim`).

use serde::Serialize;
use serde_json::Value;

use crate::error::Error;
use crate::json::Field;
use crate::profile::Profile;
use crate::provider::Provider;

/// How [`super::trim()`] makes room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// First shorten over-long tool outputs (oldest first, keeping their head and tail), then, if
    /// that is not enough, drop the oldest turns.
    #[default]
    ShortenToolOutputsThenDrop,
    /// Only drop the oldest turns; tool outputs are never rewritten.
    DropOldest,
}

impl Strategy {
    /// The strategy's name in options and reports, e.g. `"drop_oldest"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Strategy::ShortenToolOutputsThenDrop => "shorten_tool_outputs_then_drop",
            Strategy::DropOldest => "drop_oldest",
        }
    }

    fn from_name(name: &str) -> Option<Strategy> {
        [Strategy::ShortenToolOutputsThenDrop, Strategy::DropOldest]
            .into_iter()
            .find(|strategy| strategy.as_str() == name)
    }
}

/// What to fit, and how. Either `budget_tokens` (the prompt budget itself) or a window (given, or
/// the model's from the provider profile) minus `reserve_output_tokens`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrimOptions {
    /// The most the trimmed request may estimate to. Excludes `window_tokens` and
    /// `reserve_output_tokens`.
    pub budget_tokens: Option<u64>,
    /// The model's context window (default: the provider profile's figure for the request's model,
    /// when the model is in its table).
    pub window_tokens: Option<u64>,
    /// Tokens kept free for the answer (default: the request's `max_completion_tokens` or
    /// `max_tokens`, else [`DEFAULT_RESERVE_OUTPUT_TOKENS`], at most the model's output limit and
    /// a quarter of the window).
    pub reserve_output_tokens: Option<u64>,
    /// The provider whose rules the trimmed request must satisfy (default `generic`).
    pub provider: Provider,
    /// Whether long tool outputs are shortened before whole turns are dropped.
    pub strategy: Strategy,
    /// Room kept for a tokenizer that counts more than the estimate's reference (o200k_base): a
    /// budget from a window is `(window - reserve) / (1 + margin)`. Default: the provider's
    /// ([`SafetyMargin::for_provider`]). An explicit `budget_tokens` is used as given.
    pub safety_margin: Option<SafetyMargin>,
}

/// A safety margin, in thousandths (`100` is 10%): what the estimate is scaled by before it is
/// compared with a provider's window, for providers whose tokenizer is not o200k_base, which the
/// estimate is fitted against. Written as a fraction in JSON (`"safety_margin": 0.1`), from 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct SafetyMargin(pub u32);

impl SafetyMargin {
    /// No margin: OpenAI and Azure OpenAI, whose current models use o200k_base, and `generic`,
    /// where nothing is known (set one).
    pub const NONE: SafetyMargin = SafetyMargin(0);
    /// The default elsewhere: 10%, an assumption (see `docs/token-estimate.md`), not a measure.
    pub const OTHER_TOKENIZER: SafetyMargin = SafetyMargin(100);

    /// The default margin for `provider`: none where the estimate's reference tokenizer is the
    /// provider's (and for `generic`, whose models nothing is known about),
    /// [`SafetyMargin::OTHER_TOKENIZER`] for the named providers whose models tokenize otherwise
    /// (Gemini's SentencePiece vocabulary, Llama-family and Mistral models behind Groq, Ollama or
    /// vLLM, DeepSeek, Anthropic, xAI, OpenRouter).
    pub fn for_provider(provider: Provider) -> SafetyMargin {
        match provider {
            Provider::OpenAI | Provider::Azure | Provider::Generic => SafetyMargin::NONE,
            _ => SafetyMargin::OTHER_TOKENIZER,
        }
    }

    /// From a fraction (`0.1` is 10%); `None` unless it is a number from 0 to 1.
    pub fn from_fraction(fraction: f64) -> Option<SafetyMargin> {
        (0.0..=1.0)
            .contains(&fraction)
            .then(|| SafetyMargin((fraction * 1_000.0).round() as u32))
    }

    /// `tokens` less the margin: the most an estimate may be for `tokens` of the provider's.
    pub fn shrink(self, tokens: u64) -> u64 {
        let scaled = u128::from(tokens) * 1_000 / (1_000 + u128::from(self.0));
        u64::try_from(scaled).unwrap_or(u64::MAX)
    }
}

impl<'de> serde::Deserialize<'de> for SafetyMargin {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<SafetyMargin, D::Error> {
        let fraction = f64::deserialize(deserializer)?;
        SafetyMargin::from_fraction(fraction).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "safety_margin must be a fraction from 0 to 1 (0.1 is 10%), not {fraction}"
            ))
        })
    }
}

impl Default for TrimOptions {
    fn default() -> TrimOptions {
        TrimOptions {
            budget_tokens: None,
            window_tokens: None,
            reserve_output_tokens: None,
            provider: Provider::Generic,
            strategy: Strategy::default(),
            safety_margin: None,
        }
    }
}

/// The output reserve when neither the options nor the request give one.
pub const DEFAULT_RESERVE_OUTPUT_TOKENS: u64 = 4_096;

const OPTION_KEYS: &str =
    "budget_tokens, window_tokens, reserve_output_tokens, provider, strategy, safety_margin";

/// The budget a request is trimmed to, and where it came from (reported as is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// The most the trimmed request may estimate to.
    pub budget_tokens: u64,
    /// The window the budget was computed from (`None` for an explicit `budget_tokens`).
    pub window_tokens: Option<u64>,
    /// The output reserve subtracted from that window (`None` for an explicit `budget_tokens`).
    pub reserve_output_tokens: Option<u64>,
}

impl TrimOptions {
    /// Options for `provider` with a prompt budget.
    pub fn with_budget(provider: Provider, budget_tokens: u64) -> TrimOptions {
        TrimOptions {
            budget_tokens: Some(budget_tokens),
            provider,
            ..TrimOptions::default()
        }
    }

    /// Parses `{"budget_tokens", "window_tokens", "reserve_output_tokens", "provider",
    /// "strategy"}`, all optional (`null` is absent). Unknown keys, values of the wrong type and
    /// `budget_tokens` together with a window or a reserve are rejected, naming the key.
    pub fn from_json(text: &str) -> Result<TrimOptions, Error> {
        let invalid = |message: String| Error::InvalidArgument(format!("trim options: {message}"));
        let value: Value =
            serde_json::from_str(text).map_err(|e| invalid(format!("not valid JSON: {e}")))?;
        let Value::Object(entries) = value else {
            return Err(invalid(format!(
                "must be a JSON object with any of: {OPTION_KEYS}"
            )));
        };
        let mut options = TrimOptions::default();
        for (key, value) in &entries {
            let known = OPTION_KEYS.split(", ").any(|name| name == key);
            if !known {
                return Err(invalid(format!(
                    "unknown key \"{key}\" (expected one of: {OPTION_KEYS})"
                )));
            }
            if value.is_null() {
                continue;
            }
            let wrong =
                |expected: &str| invalid(format!("\"{key}\" must be {expected}, not {value}"));
            let count = || {
                value
                    .as_u64()
                    .ok_or_else(|| wrong("a whole number of tokens"))
            };
            match key.as_str() {
                "budget_tokens" => options.budget_tokens = Some(count()?),
                "window_tokens" => options.window_tokens = Some(count()?),
                "reserve_output_tokens" => options.reserve_output_tokens = Some(count()?),
                "safety_margin" => {
                    let margin = value.as_f64().and_then(SafetyMargin::from_fraction);
                    options.safety_margin =
                        Some(margin.ok_or_else(|| wrong("a fraction from 0 to 1 (0.1 is 10%)"))?);
                }
                "provider" => {
                    let name = value.as_str().ok_or_else(|| wrong("a provider name"))?;
                    options.provider = Provider::from_name(name).ok_or_else(|| {
                        invalid(format!(
                            "unknown provider \"{name}\" (expected one of: {})",
                            Provider::ALL.map(Provider::as_str).join(", ")
                        ))
                    })?;
                }
                _ => {
                    let name = value.as_str().ok_or_else(|| wrong("a strategy name"))?;
                    options.strategy = Strategy::from_name(name).ok_or_else(|| {
                        invalid(format!(
                            "unknown strategy \"{name}\" (expected shorten_tool_outputs_then_drop or drop_oldest)"
                        ))
                    })?;
                }
            }
        }
        options.check()?;
        Ok(options)
    }

    fn check(&self) -> Result<(), Error> {
        if self.budget_tokens.is_some() {
            for (key, given) in [
                ("window_tokens", self.window_tokens.is_some()),
                (
                    "reserve_output_tokens",
                    self.reserve_output_tokens.is_some(),
                ),
            ] {
                if given {
                    return Err(Error::InvalidArgument(format!(
                        "trim options: give either \"budget_tokens\" (the prompt budget) or \"{key}\", not both"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The budget for `request`: `budget_tokens`, or the window (given, or the model's) minus the
    /// output reserve, less the safety margin.
    pub fn budget_for(&self, request: &Value) -> Result<Budget, Error> {
        self.check()?;
        if let Some(budget_tokens) = self.budget_tokens {
            return Ok(Budget {
                budget_tokens,
                window_tokens: None,
                reserve_output_tokens: None,
            });
        }
        let model = request.field("model").and_then(Value::as_str).unwrap_or("");
        let matched = Profile::for_provider(self.provider).model_limits(model);
        let window = match self.window_tokens {
            Some(window) => window,
            None if matched.known => matched.limits.context_window,
            None => {
                let which = if model.is_empty() {
                    "the request names no model".to_owned()
                } else {
                    format!(
                        "model \"{model}\" is not in the {} profile's table",
                        self.provider
                    )
                };
                return Err(Error::InvalidArgument(format!(
                    "trim: no budget: {which}; pass \"budget_tokens\" or \"window_tokens\""
                )));
            }
        };
        let reserve = self.reserve_output_tokens.unwrap_or_else(|| {
            requested_output_tokens(request).unwrap_or_else(|| {
                let output_limit = matched
                    .limits
                    .max_output_tokens
                    .filter(|_| matched.known)
                    .unwrap_or(u64::MAX);
                DEFAULT_RESERVE_OUTPUT_TOKENS
                    .min(output_limit)
                    .min(window / 4)
            })
        });
        let margin = self
            .safety_margin
            .unwrap_or_else(|| SafetyMargin::for_provider(self.provider));
        Ok(Budget {
            budget_tokens: margin.shrink(window.saturating_sub(reserve)),
            window_tokens: Some(window),
            reserve_output_tokens: Some(reserve),
        })
    }
}

/// The output budget a request asks for: `max_completion_tokens`, else `max_tokens`.
pub(crate) fn requested_output_tokens(request: &Value) -> Option<u64> {
    ["max_completion_tokens", "max_tokens"]
        .into_iter()
        .find_map(|key| request.field(key).and_then(Value::as_u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_keys_are_named() {
        let error = TrimOptions::from_json(r#"{"budget": 5}"#).unwrap_err();
        assert!(error.to_string().contains("\"budget\""), "{error}");
    }

    #[test]
    fn budget_excludes_window_and_reserve() {
        let error = TrimOptions::from_json(r#"{"budget_tokens": 5, "reserve_output_tokens": 1}"#)
            .unwrap_err();
        assert!(
            error.to_string().contains("reserve_output_tokens"),
            "{error}"
        );
    }

    #[test]
    fn the_window_comes_from_the_profile_and_the_reserve_from_max_tokens() {
        let options = TrimOptions {
            provider: Provider::OpenAI,
            ..TrimOptions::default()
        };
        let request = json!({"model": "gpt-4o", "max_tokens": 1000, "messages": []});
        let budget = options.budget_for(&request).unwrap();
        assert_eq!(budget.window_tokens, Some(128_000));
        assert_eq!(budget.reserve_output_tokens, Some(1000));
        assert_eq!(budget.budget_tokens, 127_000);
        let request = json!({"model": "gpt-4", "messages": []});
        let budget = options.budget_for(&request).unwrap();
        assert_eq!(budget.reserve_output_tokens, Some(2_048)); // a quarter of 8,192
    }

    #[test]
    fn an_unknown_model_needs_a_budget_or_a_window() {
        let request = json!({"model": "my-local-model", "messages": []});
        let error = TrimOptions::default().budget_for(&request).unwrap_err();
        assert!(error.to_string().contains("my-local-model"), "{error}");
    }

    #[test]
    fn a_window_budget_keeps_the_safety_margin_and_an_explicit_budget_does_not() {
        let request = json!({"model": "m", "max_tokens": 1000, "messages": []});
        let window = |provider, margin| TrimOptions {
            provider,
            window_tokens: Some(11_000),
            safety_margin: margin,
            ..TrimOptions::default()
        };
        let budget = |options: TrimOptions| options.budget_for(&request).unwrap().budget_tokens;
        assert_eq!(budget(window(Provider::OpenAI, None)), 10_000);
        assert_eq!(budget(window(Provider::Vllm, None)), 9_090); // 10,000 / 1.1
        assert_eq!(
            budget(window(Provider::Vllm, Some(SafetyMargin(250)))),
            8_000
        );
        assert_eq!(
            budget(window(Provider::OpenAI, Some(SafetyMargin(0)))),
            10_000
        );
        assert_eq!(
            budget(TrimOptions::with_budget(Provider::Gemini, 5_000)),
            5_000
        );
    }

    #[test]
    fn the_safety_margin_is_a_fraction_from_zero_to_one() {
        let options = TrimOptions::from_json(r#"{"safety_margin": 0.25}"#).unwrap();
        assert_eq!(options.safety_margin, Some(SafetyMargin(250)));
        for bad in ["-0.1", "1.5", "\"10%\""] {
            let error =
                TrimOptions::from_json(&format!(r#"{{"safety_margin": {bad}}}"#)).unwrap_err();
            assert!(error.to_string().contains("safety_margin"), "{error}");
        }
        let config: super::super::overflow_figures::ContextConfig =
            serde_json::from_str(r#"{"on_overflow": "trim", "safety_margin": 0.2}"#).unwrap();
        assert_eq!(config.safety_margin, Some(SafetyMargin(200)));
        let error = serde_json::from_str::<super::super::overflow_figures::ContextConfig>(
            r#"{"safety_margin": 2}"#,
        )
        .unwrap_err();
        assert!(error.to_string().contains("from 0 to 1"), "{error}");
    }
}
