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
    pub strategy: Strategy,
}

impl Default for TrimOptions {
    fn default() -> TrimOptions {
        TrimOptions {
            budget_tokens: None,
            window_tokens: None,
            reserve_output_tokens: None,
            provider: Provider::Generic,
            strategy: Strategy::default(),
        }
    }
}

/// The output reserve when neither the options nor the request give one.
pub const DEFAULT_RESERVE_OUTPUT_TOKENS: u64 = 4_096;

const OPTION_KEYS: &str = "budget_tokens, window_tokens, reserve_output_tokens, provider, strategy";

/// The budget a request is trimmed to, and where it came from (reported as is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub budget_tokens: u64,
    pub window_tokens: Option<u64>,
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
    /// output reserve.
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
        Ok(Budget {
            budget_tokens: window.saturating_sub(reserve),
            window_tokens: Some(window),
            reserve_output_tokens: Some(reserve),
        })
    }
}

/// The output budget a request asks for: `max_completion_tokens`, else `max_tokens`.
pub fn requested_output_tokens(request: &Value) -> Option<u64> {
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
}
