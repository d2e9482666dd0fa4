//! The normalised provider error: what every body family is read into before any decision.
//!
//! One flat record with the fields the rules and hints need (message, type, code, Google status,
//! details, OpenRouter and Azure extras, family clues). Readers fill it; [`ProviderError::absorb`]
//! merges a wrapped upstream error into its wrapper. Not for deciding anything.

/// Clues about which provider family wrote a body, gathered while reading it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FamilyClues {
    pub google: bool,
    pub anthropic: bool,
    pub openrouter: bool,
    pub azure: bool,
    pub groq: bool,
    pub xai: bool,
    pub mistral: bool,
    pub vllm: bool,
    pub ollama: bool,
    pub openai_shape: bool,
}

impl FamilyClues {
    fn union(&mut self, other: FamilyClues) {
        self.google |= other.google;
        self.anthropic |= other.anthropic;
        self.openrouter |= other.openrouter;
        self.azure |= other.azure;
        self.groq |= other.groq;
        self.xai |= other.xai;
        self.mistral |= other.mistral;
        self.vllm |= other.vllm;
        self.ollama |= other.ollama;
        self.openai_shape |= other.openai_shape;
    }
}

/// One Google `QuotaFailure` violation (or an `ErrorInfo` carrying quota metadata).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct QuotaViolation {
    pub quota_id: Option<String>,
    pub metric: Option<String>,
    pub value: Option<String>,
}

impl QuotaViolation {
    /// A quota over a day or longer: waiting seconds or minutes will not help.
    pub fn is_long_period(&self) -> bool {
        let mentions = |s: &Option<String>| {
            s.as_deref().is_some_and(|s| {
                let lower = s.to_ascii_lowercase();
                [
                    "perday",
                    "per_day",
                    "per day",
                    "daily",
                    "permonth",
                    "per_month",
                    "monthly",
                ]
                .iter()
                .any(|w| lower.contains(w))
            })
        };
        mentions(&self.quota_id) || mentions(&self.metric)
    }

    /// A quota whose limit is zero: the caller has no allowance at all.
    pub fn is_zero_limit(&self) -> bool {
        self.value.as_deref().is_some_and(|v| v.trim() == "0")
    }
}

/// A provider's error, read from whichever family's body it came in.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ProviderError {
    /// The provider's words.
    pub message: Option<String>,
    /// `error.type` (OpenAI, Anthropic, vLLM).
    pub error_type: Option<String>,
    /// `error.code` as text (numbers rendered).
    pub code: Option<String>,
    /// `error.code` (or Azure's `error.status`) when it is an HTTP status number.
    pub status_number: Option<u16>,
    /// Google's status string, e.g. `RESOURCE_EXHAUSTED`.
    pub google_status: Option<String>,
    pub param: Option<String>,
    pub request_id: Option<String>,
    /// `ErrorInfo.reason`, legacy `errors[].reason`, gRPC `reason:` and Azure `innererror.code`.
    pub reasons: Vec<String>,
    /// Google `RetryInfo.retryDelay`, as written (e.g. `"34.4s"`).
    pub retry_delay: Option<String>,
    pub quota: Vec<QuotaViolation>,
    /// Google `BadRequest.fieldViolations`: (field, description).
    pub field_violations: Vec<(Option<String>, String)>,
    /// Azure `innererror` / content-filter results said the content was filtered.
    pub content_filtered: bool,
    /// OpenRouter `metadata.limit_source`.
    pub limit_source: Option<String>,
    /// OpenRouter `metadata.provider_name`: who really answered.
    pub upstream_name: Option<String>,
    /// Groq's `failed_generation`: the model, not the request, produced something unusable.
    pub failed_generation: bool,
    /// The body wrapped another provider's error (OpenRouter `raw`, an SDK's JSON-in-message).
    pub wrapped: bool,
    /// The wrapper's message, kept when an upstream message replaced it.
    pub wrapper_message: Option<String>,
    pub clues: FamilyClues,
}

impl ProviderError {
    /// Merges the error that `self` wraps: the upstream's fields win, the wrapper fills gaps.
    pub fn absorb(&mut self, inner: ProviderError) {
        self.wrapped = true;
        if inner.message.is_some() {
            if self.wrapper_message.is_none() {
                self.wrapper_message = self.message.take();
            }
            self.message = inner.message;
        }
        if inner.error_type.is_some() {
            self.error_type = inner.error_type;
        }
        if inner.code.is_some() {
            self.code = inner.code;
        }
        if inner.status_number.is_some() {
            self.status_number = inner.status_number;
        }
        if inner.google_status.is_some() {
            self.google_status = inner.google_status;
        }
        if inner.param.is_some() {
            self.param = inner.param;
        }
        if self.request_id.is_none() {
            self.request_id = inner.request_id;
        }
        self.reasons.extend(inner.reasons);
        if inner.retry_delay.is_some() {
            self.retry_delay = inner.retry_delay;
        }
        self.quota.extend(inner.quota);
        self.field_violations.extend(inner.field_violations);
        self.content_filtered |= inner.content_filtered;
        if self.limit_source.is_none() {
            self.limit_source = inner.limit_source;
        }
        if self.upstream_name.is_none() {
            self.upstream_name = inner.upstream_name;
        }
        self.failed_generation |= inner.failed_generation;
        self.clues.union(inner.clues);
    }

    /// The message with Google field violations appended (`…; field tools[0].x: description`).
    pub fn full_message(&self) -> Option<String> {
        let base = self.message.as_deref().unwrap_or("");
        if self.field_violations.is_empty() {
            return super::text::clean_message(base);
        }
        let mut message = base.to_string();
        let mut added: Vec<String> = Vec::new();
        for (field, description) in &self.field_violations {
            // Google usually repeats each description as a line of the message: check that
            // cheaply before searching.
            let already_said = !description.is_empty()
                && (base.lines().any(|line| line.trim() == description.trim())
                    || base.contains(description.as_str()));
            let addition = match (field, already_said || description.is_empty()) {
                (Some(field), true) => format!("field {field}"),
                (Some(field), false) => format!("field {field}: {description}"),
                (None, true) => continue,
                (None, false) => description.clone(),
            };
            if added.contains(&addition) {
                continue;
            }
            if !message.is_empty() {
                message.push_str("; ");
            }
            message.push_str(&addition);
            added.push(addition);
        }
        super::text::clean_message(&message)
    }

    /// Like [`ProviderError::full_message`], but takes the message out instead of copying it.
    pub fn take_full_message(&mut self) -> Option<String> {
        if !self.field_violations.is_empty() {
            let full = self.full_message();
            self.message = None;
            return full;
        }
        let message = self.message.take()?;
        let trimmed = message.trim();
        if trimmed.len() == message.len() && message.len() <= super::text::MESSAGE_LIMIT {
            return (!message.is_empty()).then_some(message);
        }
        super::text::clean_message(trimmed)
    }

    /// True when any reason (case-insensitively) equals one of `names`.
    pub fn has_reason(&self, names: &[&str]) -> bool {
        self.reasons
            .iter()
            .any(|r| names.iter().any(|n| r.eq_ignore_ascii_case(n)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_violations_are_appended_once() {
        let error = ProviderError {
            message: Some("Invalid JSON payload received. Unknown name \"x\".".into()),
            field_violations: vec![
                (
                    Some("tools[0]".into()),
                    "Invalid JSON payload received. Unknown name \"x\".".into(),
                ),
                (Some("tools[1].y".into()), "must be set".into()),
                (
                    None,
                    "Invalid JSON payload received. Unknown name \"x\".".into(),
                ),
            ],
            ..ProviderError::default()
        };
        assert_eq!(
            error.full_message().unwrap(),
            "Invalid JSON payload received. Unknown name \"x\".; field tools[0]; field tools[1].y: must be set"
        );
    }

    #[test]
    fn upstream_fields_win_when_absorbed() {
        let mut outer = ProviderError {
            message: Some("Provider returned error".into()),
            status_number: Some(400),
            ..ProviderError::default()
        };
        outer.absorb(ProviderError {
            message: Some("real words".into()),
            error_type: Some("invalid_request_error".into()),
            ..ProviderError::default()
        });
        assert_eq!(outer.message.as_deref(), Some("real words"));
        assert_eq!(
            outer.wrapper_message.as_deref(),
            Some("Provider returned error")
        );
        assert_eq!(outer.status_number, Some(400));
        assert!(outer.wrapped);
    }
}
