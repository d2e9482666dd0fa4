//! What providers' words mean: the phrase tables behind the rules, read in one pass.
//!
//! Each group of phrases answers one question ("does this say the context window overflowed?").
//! Phrases are for families of wordings seen across providers, not single bodies. The text is the
//! message (capped, see `text::WORDING_SCAN_LIMIT`; case is ignored); [`Wording::read`] scans it
//! once with the compiled matcher, and every question afterwards is a bit test (plus, for a few, a
//! look at the numbers after a phrase). Not for codes or types (see `codes`), nor for ordering the
//! answers (see `rules`).

use once_cell::sync::Lazy;

use super::phrases::{Hits, Matcher};
use super::text;

/// The phrase groups. The discriminant is the group's bit in [`Hits`].
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum G {
    RateWindow,
    ContextStrong,
    ContextWeak,
    TooLarge,
    LimitWord,
    RequestedWord,
    ActualLimit,
    LongPeriod,
    Billing,
    ZeroLimit,
    BadCredentials,
    Location,
    ContentPolicy,
    Schema,
    FailedGeneration,
    Overloaded,
    ModelWord,
    ModelMissing,
    TimedOut,
    RequestProblem,
    Delay,
    TokenWord,
    RequestWord,
    BudgetParam,
    MinimumWord,
    RequestId,
    OpenRouter,
    Azure,
    Anthropic,
    Google,
    Groq,
    Xai,
    Mistral,
    Ollama,
    DeepSeek,
    OpenAI,
}

/// Groups whose match positions are kept (the rules read the text after them).
const POSITIONAL: [G; 6] = [
    G::LimitWord,
    G::RequestedWord,
    G::ActualLimit,
    G::ZeroLimit,
    G::Delay,
    G::RequestId,
];

#[rustfmt::skip]
const TABLE: &[(G, &[&str])] = &[
    // A per-minute or concurrency window (keeps token-count wording from reading as an overflow).
    (G::RateWindow, &["rate limit", "rate-limit", "ratelimit", "rate_limit", "too many requests",
        "per minute", "per min", "(tpm)", "(rpm)", " tpm", " rpm", "throttl", "concurrency limit"]),
    // The prompt (plus output budget) is over the model's window.
    (G::ContextStrong, &["context_length_exceeded", "context length", "context window",
        "context_window", "maximum context", "context size", "context limit", "prompt is too long",
        "prompt too long", "input token count", "exceeds the maximum number",
        "number of tokens allowed", "length of the messages", "input is too long",
        "too many input tokens", "maximum model length",
        "tokens + `max_new_tokens`", "tokens + max_new_tokens",
        "exceeds the model's maximum", "exceed_context_size",
        "maximum prompt length", "contextwindowexceeded"]),
    // The same, but also said of rate windows: only counts without rate wording.
    (G::ContextWeak, &["too many tokens", "reduce the length", "token limit", "reduce your prompt",
        "prompt is too large", "input too long"]),
    // One request bigger than any limit lets through.
    (G::TooLarge, &["request too large", "request entity too large", "payload too large",
        "exceeds the maximum size", "request payload size exceeds", "request body too large",
        "in order to run success"]),
    (G::LimitWord, &["limit"]),
    (G::RequestedWord, &["requested"]),
    (G::ActualLimit, &["actual/limit"]),
    // A window of a day or longer.
    (G::LongPeriod, &["per day", "perday", "per_day", "per-day", "(tpd)", "(rpd)", "daily limit",
        "daily quota", "per month", "permonth", "per_month", "per-month", "monthly limit",
        "monthly quota", "monthly spending"]),
    // Out of money or credits.
    (G::Billing, &["insufficient_quota", "credit balance", "insufficient credit",
        "insufficient balance", "insufficient funds", "insufficient account balance",
        "out of credits", "have any credits", "not have enough credits", "requires more credits",
        "credits or licenses", "credits have been exhausted", "used all available credits",
        "purchase credits", "spending limit", "billing hard limit", "payment required",
        "billing to be enabled", "account is not active"]),
    (G::ZeroLimit, &["limit: 0"]),
    // Missing, invalid or expired credentials.
    (G::BadCredentials, &["api key not valid", "invalid api key", "incorrect api key",
        "api key expired", "api key is invalid", "api key is missing", "missing api key",
        "no api key", "invalid x-api-key", "invalid_api_key", "invalid authentication",
        "authentication failed", "invalid bearer token", "unregistered callers", "api key not found",
        "invalid api-key", "invalid subscription key"]),
    // Region or country blocks.
    (G::Location, &["location is not supported", "available in your country",
        "unsupported_country", "or territory not support",
        "not supported in your region", "region is not supported", "available in your region"]),
    // A safety system or usage policy refused the content.
    (G::ContentPolicy, &["content management policy", "content_policy_violation",
        "flagged as potentially", "violating our usage polic",
        "responsibleaipolicyviolation", "result of our safety system",
        "blocked by our safety", "your input was flagged", "content filtering polic",
        "flagged by our moderation"]),
    // A schema rejection, whatever status came with it.
    (G::Schema, &["invalid json payload", "unknown name \"", "cannot find field",
        "proto field is not repeating", "invalid_argument"]),
    // The model produced an unusable tool call (Groq `tool_use_failed`).
    (G::FailedGeneration, &["failed to call a function"]),
    (G::Overloaded, &["overloaded", "high demand", "over capacity", "at capacity", "no capacity",
        "insufficient capacity", "capacity constraints", "server is busy", "servers are busy",
        "currently busy", "high load", "capacity exceeded", "high traffic", "too busy"]),
    (G::ModelWord, &["model"]),
    (G::ModelMissing, &["not found", "not exist", "no such model", "unknown model",
        "not a valid model", "invalid model id", "decommissioned", "no longer available"]),
    (G::TimedOut, &["timed out", "timeout", "time-out", "deadline exceeded", "deadline_exceeded"]),
    // Marks a request problem (for errors that arrive without any status).
    (G::RequestProblem, &["not supported", "unsupported", "invalid", "must be", "is required",
        "missing required", "expected", "not allowed", "not permitted", "malformed"]),
    // The phrases after which a provider writes how long to wait.
    (G::Delay, &["try again in", "try again after", "retry in", "retry after", "retry-after",
        "retrying in", "please wait", "resets in", "reset after"]),
    (G::TokenWord, &["token", "tpm"]),
    // The completion budget, by the names servers give it.
    (G::BudgetParam, &["max_tokens", "max_completion_tokens", "max_new_tokens", "max_output_tokens",
        "maxoutputtokens", "max tokens"]),
    // A lower bound a value failed to reach.
    (G::MinimumWord, &["at least", "minimum", ">=", "greater than", "positive", "negative"]),
    (G::RequestWord, &["request", "rpm"]),
    (G::RequestId, &["request id"]),
    // Links and names that give a provider away.
    (G::OpenRouter, &["openrouter.ai"]),
    (G::Azure, &["azure openai", "azure ai"]),
    (G::Anthropic, &["anthropic.com"]),
    (G::Google, &["googleapis.com", "generatecontentrequest", "ai.google.dev",
        "generativeai.google", "invalid json payload received"]),
    (G::Groq, &["groq.com"]),
    (G::Xai, &["console.x.ai", "docs.x.ai", "api.x.ai"]),
    (G::Mistral, &["mistral.ai"]),
    (G::Ollama, &["try pulling it", "ollama"]),
    (G::DeepSeek, &["deepseek.com"]),
    (G::OpenAI, &["openai.com"]),
];

static MATCHER: Lazy<Matcher> = Lazy::new(|| {
    let phrases: Vec<(u8, &str)> = TABLE
        .iter()
        .flat_map(|(group, phrases)| phrases.iter().map(move |p| (*group as u8, *p)))
        .collect();
    Matcher::new(&phrases)
});

/// A provider that a message's own words (links, names) can point at.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Named {
    OpenRouter,
    Azure,
    Anthropic,
    Google,
    Groq,
    Xai,
    Mistral,
    Ollama,
    DeepSeek,
    OpenAI,
}

/// The lowercased message text, read once.
pub(crate) struct Wording<'a> {
    text: &'a str,
    hits: Hits,
}

impl<'a> Wording<'a> {
    /// Scans `text` (capped at `text::WORDING_SCAN_LIMIT`).
    #[cfg(test)]
    pub fn read(text: &'a str) -> Wording<'a> {
        Wording::read_with(text, None)
    }

    /// Scans `text`, and `extra` (another text whose words count, such as a wrapper's message)
    /// for phrase groups only; positions refer to `text`.
    pub fn read_with(text: &'a str, extra: Option<&str>) -> Wording<'a> {
        let text = text::prefix(text, text::WORDING_SCAN_LIMIT);
        let positional = POSITIONAL
            .iter()
            .fold(0u64, |mask, g| mask | 1u64 << (*g as u8));
        let mut hits = MATCHER.scan(text.as_bytes(), positional);
        if let Some(extra) = extra {
            let extra = text::prefix(extra, text::WORDING_SCAN_LIMIT);
            hits.add_groups(&MATCHER.scan(extra.as_bytes(), 0));
        }
        Wording { text, hits }
    }

    fn has(&self, group: G) -> bool {
        self.hits.has(group as u8)
    }

    /// The text after each match of `group`, in text order.
    fn after(&self, group: G) -> impl Iterator<Item = &'a str> + '_ {
        let text = self.text;
        // Phrases are ASCII, so a match ends on a character boundary.
        self.hits
            .ends(group as u8)
            .filter_map(move |end| text.get(end..))
    }

    /// The first number written right after a match of `group` (`limit: 6000`, `requested 14368`).
    fn number_after(&self, group: G) -> Option<f64> {
        self.after(group).find_map(|rest| {
            text::scan_number(text::skip_approximation(rest)).map(|(value, _)| value)
        })
    }

    /// Per-minute or concurrency rate wording.
    pub fn rate_window(&self) -> bool {
        self.has(G::RateWindow)
    }

    /// The prompt (plus output budget) is over the model's window, or a completion budget the
    /// server computed came out negative.
    pub fn context_overflow(&self) -> bool {
        self.has(G::ContextStrong)
            || (self.has(G::ContextWeak) && !self.rate_window() && !self.per_long_period())
            || self.negative_completion_budget()
    }

    /// "max_tokens must be at least 1, got -344", "-2473 is less than the minimum of 1 -
    /// 'max_tokens'": a server that fills in the completion budget as the window minus the
    /// prompt got a negative figure, so the prompt alone already fills the window. (A caller
    /// cannot send a negative budget through a validating client; a budget of 0 is a request
    /// problem, not this.)
    fn negative_completion_budget(&self) -> bool {
        self.has(G::BudgetParam) && self.has(G::MinimumWord) && text::has_negative_number(self.text)
    }

    /// One request is bigger than any limit lets through: "Request too large … Limit 6000,
    /// Requested 14368", xAI's "(actual/limit): 65605/16000", or a plain size complaint.
    pub fn single_request_too_large(&self) -> bool {
        if self.has(G::TooLarge) {
            return true;
        }
        if self.has(G::RequestedWord) {
            if let (Some(limit), Some(requested)) = (
                self.number_after(G::LimitWord),
                self.number_after(G::RequestedWord),
            ) {
                if requested > limit && limit > 0.0 {
                    return true;
                }
            }
        }
        self.after(G::ActualLimit).take(1).any(|rest| {
            let rest = rest.trim_start_matches(|c: char| !c.is_ascii_digit());
            let Some((actual, used)) = text::scan_number(rest) else {
                return false;
            };
            match rest[used..].strip_prefix('/').and_then(text::scan_number) {
                Some((limit, _)) => actual > limit && limit > 0.0,
                None => false,
            }
        })
    }

    /// A window of a day or longer ("tokens per day (TPD)", "PerDay", "monthly").
    pub fn per_long_period(&self) -> bool {
        self.has(G::LongPeriod)
    }

    /// Out of money or credits, or no allowance at all ("limit: 0").
    pub fn billing_exhausted(&self) -> bool {
        self.has(G::Billing) || self.zero_limit()
    }

    /// "limit: 0" (not "limit: 0.5" or "limit: 05").
    fn zero_limit(&self) -> bool {
        self.after(G::ZeroLimit).any(|rest| {
            let bytes = rest.as_bytes();
            let continues = bytes.first().is_some_and(u8::is_ascii_digit)
                || (bytes.first() == Some(&b'.') && bytes.get(1).is_some_and(u8::is_ascii_digit));
            !continues
        })
    }

    /// Missing, invalid or expired credentials.
    pub fn bad_credentials(&self) -> bool {
        self.has(G::BadCredentials)
    }

    /// Region or country blocks.
    pub fn location_block(&self) -> bool {
        self.has(G::Location)
    }

    /// A safety system or usage policy refused the content.
    pub fn content_policy(&self) -> bool {
        self.has(G::ContentPolicy)
    }

    /// "Invalid JSON payload received. Unknown name …": a schema rejection.
    pub fn schema_rejection(&self) -> bool {
        self.has(G::Schema)
    }

    /// The model, not the request, failed (Groq's "Failed to call a function").
    pub fn failed_generation(&self) -> bool {
        self.has(G::FailedGeneration)
    }

    /// The provider says it is overloaded.
    pub fn overloaded(&self) -> bool {
        self.has(G::Overloaded)
    }

    /// An unknown model.
    pub fn model_missing(&self) -> bool {
        self.has(G::ModelWord) && self.has(G::ModelMissing)
    }

    /// The server gave up waiting.
    pub fn timed_out(&self) -> bool {
        self.has(G::TimedOut)
    }

    /// Wording that marks a request problem.
    pub fn request_problem(&self) -> bool {
        self.has(G::RequestProblem)
    }

    /// The text after each "try again in" / "retry after" / … phrase, in text order.
    pub fn after_delay_phrases(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.after(G::Delay)
    }

    /// Whether the message speaks of tokens, and of requests.
    pub fn about_tokens_and_requests(&self) -> (bool, bool) {
        (self.has(G::TokenWord), self.has(G::RequestWord))
    }

    /// The byte offset just after the first "request id" in the text.
    pub fn request_id_offset(&self) -> Option<usize> {
        self.hits.ends(G::RequestId as u8).next()
    }

    /// Whether the message points at `provider`.
    pub fn names(&self, provider: Named) -> bool {
        let group = match provider {
            Named::OpenRouter => G::OpenRouter,
            Named::Azure => G::Azure,
            Named::Anthropic => G::Anthropic,
            Named::Google => G::Google,
            Named::Groq => G::Groq,
            Named::Xai => G::Xai,
            Named::Mistral => G::Mistral,
            Named::Ollama => G::Ollama,
            Named::DeepSeek => G::DeepSeek,
            Named::OpenAI => G::OpenAI,
        };
        self.has(group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_fits_in_the_hit_bits() {
        assert!(TABLE.len() <= super::super::phrases::MAX_GROUPS);
        assert!(TABLE.iter().all(|(_, phrases)| phrases
            .iter()
            .all(|p| !p.is_empty() && p.is_ascii() && *p == p.to_ascii_lowercase())));
    }

    #[test]
    fn context_wordings_across_providers() {
        for words in [
            "this model's maximum context length is 4097 tokens.",
            "prompt is too long: 200251 tokens > 200000 maximum",
            "the input token count (1091639) exceeds the maximum number of tokens allowed (1048576).",
            "input validation error: `inputs` tokens + `max_new_tokens` must be <= 65537.",
            "the decoder prompt (length 9000) is longer than the maximum model length of 8192.",
            "too many tokens: total number of tokens in the prompt cannot exceed 4081",
        ] {
            assert!(Wording::read(words).context_overflow(), "{words}");
        }
        let rate = "too many tokens for team x. your team's rate limit is tokens per minute";
        assert!(!Wording::read(rate).context_overflow());
    }

    #[test]
    fn single_request_over_the_limit() {
        let yes = |w: &str| Wording::read(w).single_request_too_large();
        assert!(yes(
            "on tokens per min (tpm): limit 10000, requested 13337."
        ));
        assert!(yes("tokens per minute (actual/limit): 65605/16000."));
        assert!(!yes("rate limit reached on tokens per day (tpd): limit 500000, used 499715, requested 1463."));
        assert!(!yes("(actual/limit): 100/16000."));
        assert!(yes(
            "on tokens per min (tpm): limit 7000, requested ~12903."
        ));
        assert!(yes("tokens per min: limit=7000 requested=≈ 12,903"));
        assert!(yes("tpm limit: 7000, requested: about 9000 tokens"));
        assert!(!yes("tpm limit: 7000, requested: ~6999"));
        assert!(!yes(
            "this request would exceed the rate limit for your organization of 20,000 input tokens"
        ));
    }

    #[test]
    fn negative_completion_budgets_are_overflows() {
        let overflow = |w: &str| Wording::read(w).context_overflow();
        assert!(overflow("max_tokens must be at least 1, got -344."));
        assert!(overflow(
            "max_tokens must be at least1, got -736. (parameter=max_tokens, value=-736)"
        ));
        assert!(overflow(
            "-2473 is less than the minimum of 1 - 'max_tokens'"
        ));
        assert!(overflow("max_new_tokens (-12) must be >= 1"));
        assert!(!overflow("max_tokens must be at least 1, got 0."));
        assert!(!overflow("temperature must be at least 0, got -1."));
        assert!(!overflow(
            "max_tokens is too large for gpt-4-0613: at least 1 and at most 8192"
        ));
    }

    #[test]
    fn zero_limits_only() {
        let billing = |w: &str| Wording::read(w).billing_exhausted();
        assert!(billing("quota exceeded for metric: x, limit: 0, model: y"));
        assert!(billing("limit: 0"));
        assert!(!billing("limit: 0.5 per second"));
        assert!(!billing("limit: 05"));
        assert!(!billing(
            "you exceeded your current quota, please check your plan and billing details."
        ));
    }

    #[test]
    fn provider_links_in_messages() {
        let w = Wording::read("see https://docs.anthropic.com/en/api/rate-limits and openai.com");
        assert!(w.names(Named::Anthropic) && w.names(Named::OpenAI));
        assert!(!Wording::read("plain words").names(Named::Google));
    }
}
