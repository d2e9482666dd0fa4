//! The built-in scenarios: one per provider behaviour llmwire must survive, built from real
//! provider bodies (`corpus.rs`), each taking a few `key=value` parameters.
//!
//! For: the catalogue ([`BUILTINS`]: name, parameters with defaults, summary, corpus source) and
//! turning a name plus parameters into steps. The table in the `mock` module docs lists the same
//! scenarios for readers; a test keeps the two in step.
//!
//! Not for: user scenarios (files, `file.rs`) or putting steps on the wire (`play.rs`).

use std::collections::BTreeMap;

use super::corpus;
use super::scenario::{
    Action, Canned, ErrorFormat, Fault, FaultKind, Gate, Reply, ReplyKind, Step, StreamFault,
};

/// A parameter of a built-in scenario and its default (as written in a scenario spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    /// The default value; `"endpoint"` for `format` means: gemini on the Gemini path, else openai.
    pub default: &'static str,
}

const fn p(name: &'static str, default: &'static str) -> Param {
    Param { name, default }
}

const FORMAT: Param = p("format", "endpoint");

/// A built-in scenario.
pub struct Builtin {
    pub name: &'static str,
    pub params: &'static [Param],
    pub summary: &'static str,
    /// Corpus case ids of the bodies sent (or why there is none).
    pub source: &'static str,
    build: fn(&Args<'_>) -> Result<Vec<Step>, String>,
}

/// Every built-in scenario.
pub static BUILTINS: &[Builtin] = &[
    Builtin {
        name: "echo",
        params: &[p("delay_ms", "0"), p("chunk_delay_ms", "0")],
        summary: "200 completion echoing the last user message, with usage; SSE when the request streams",
        source: "-",
        build: |a| {
            let mut reply = Reply::echo();
            reply.delay_ms = a.u64("delay_ms")?;
            reply.chunk_delay_ms = a.u64("chunk_delay_ms")?;
            Ok(vec![reply_step(reply)])
        },
    },
    Builtin {
        name: "tool_call",
        params: &[p("parallel", "1")],
        summary: "calls the first tool (or tool_choice's) with arguments filling its required fields; `parallel` calls; echo when the request has no tools",
        source: "-",
        build: |a| {
            let mut reply = Reply::new(ReplyKind::ToolCall);
            reply.parallel = a.u32("parallel")?.max(1);
            Ok(vec![reply_step(reply)])
        },
    },
    Builtin {
        name: "gemini_unknown_field_400",
        params: &[p("field", "additionalProperties")],
        summary: "always 400: Gemini's list-wrapped INVALID_ARGUMENT `Unknown name \"<field>\" at 'tools[0]…': Cannot find field.` with BadRequest fieldViolations",
        source: "gemini-compat-400-list-wrapped-unknown-name-google-1, gemini_compat_400_causes.md §1.2",
        build: |a| {
            let field = a.text("field");
            if field.is_empty() || field.contains(['"', '\\']) {
                return Err(format!("invalid field name {field:?}"));
            }
            Ok(always(corpus::gemini_unknown_field_400(&field)))
        },
    },
    Builtin {
        name: "invalid_api_key",
        params: &[FORMAT],
        summary: "always: gemini → 400 INVALID_ARGUMENT with ErrorInfo reason API_KEY_INVALID; openai → 401 invalid_api_key",
        source: "gemini-grpc-400-api-key-expired-text-1, openai-401-invalid-api-key-1",
        build: |a| {
            Ok(always(match a.format()? {
                ErrorFormat::Gemini => corpus::gemini_api_key_invalid_400(),
                ErrorFormat::OpenAi => corpus::openai_invalid_api_key_401(),
            }))
        },
    },
    Builtin {
        name: "quota_exhausted",
        params: &[FORMAT],
        summary: "always 429: gemini → RESOURCE_EXHAUSTED with a QuotaFailure PerDay violation; openai → insufficient_quota",
        source: "gemini-429-quotafailure-per-minute-and-per-day-freetier-1, openai-429-insufficient-quota-code-null-2023-1",
        build: |a| {
            Ok(always(match a.format()? {
                ErrorFormat::Gemini => corpus::gemini_daily_quota_429(),
                ErrorFormat::OpenAi => corpus::openai_insufficient_quota_429(),
            }))
        },
    },
    Builtin {
        name: "rate_limited_then_ok",
        params: &[p("n", "1")],
        summary: "`n` × 429 with no delay hint at all (backoff only), then OK",
        source: "mistral-429-requests-rate-limit-minimal-1",
        build: |a| Ok(then_ok(a.u32("n")?, respond(corpus::minimal_rate_limit_429()))),
    },
    Builtin {
        name: "retry_info_then_ok",
        params: &[p("ms", "1000"), FORMAT],
        summary: "429 whose delay (`ms`) is only in the body — gemini: RetryInfo retryDelay \"1s\"; openai: \"Please try again in 1s.\" — then the same 429 until `ms` after the first arrival (gate), then OK",
        source: "gemini-429-quotafailure-retryinfo-34.4s-1, openai-429-rate-limit-tpm-type-tokens-2023-1",
        build: |a| {
            let ms = a.u64("ms")?;
            let rate_limited = match a.format()? {
                ErrorFormat::Gemini => corpus::gemini_retry_info_429(&seconds_text(ms)),
                ErrorFormat::OpenAi => corpus::openai_rate_limit_try_again_429(&duration_text(ms)),
            };
            Ok(gated(rate_limited, ms))
        },
    },
    Builtin {
        name: "retry_after_then_ok",
        params: &[p("s", "1")],
        summary: "429 with `retry-after: <s>` (seconds), the same 429 until `s` after the first arrival (gate), then OK",
        source: "anthropic-429-rate-limit-error-itpm-1",
        build: |a| {
            let s = a.u64("s")?;
            let canned = corpus::anthropic_rate_limit_429().header("retry-after", s.to_string());
            Ok(gated(canned, s.saturating_mul(1000)))
        },
    },
    Builtin {
        name: "retry_after_date_then_ok",
        params: &[p("s", "2")],
        summary: "429 with `retry-after: <HTTP-date s seconds ahead>`, the same 429 until s−1 s after the first arrival (dates have 1 s resolution), then OK",
        source: "mistral-429-requests-rate-limit-minimal-1",
        build: |a| {
            let s = a.u64("s")?;
            let canned = corpus::minimal_rate_limit_429().header("retry-after", format!("{{{{http_date+{s}}}}}"));
            Ok(gated(canned, s.saturating_sub(1).saturating_mul(1000)))
        },
    },
    Builtin {
        name: "retry_after_ms_then_ok",
        params: &[p("ms", "200")],
        summary: "429 with `retry-after-ms: <ms>`, the same 429 until `ms` after the first arrival (gate), then OK",
        source: "mistral-429-requests-rate-limit-minimal-1",
        build: |a| {
            let ms = a.u64("ms")?;
            let canned = corpus::minimal_rate_limit_429().header("retry-after-ms", ms.to_string());
            Ok(gated(canned, ms))
        },
    },
    Builtin {
        name: "retry_after_too_long",
        params: &[p("s", "86400")],
        summary: "always 429 with `retry-after: <s>` (a day by default: above any sane cap)",
        source: "azure-429-token-rate-limit-retry-after-86400-1",
        build: |a| Ok(always(corpus::azure_retry_after_429(a.u64("s")?))),
    },
    Builtin {
        name: "overloaded_then_ok",
        params: &[p("n", "3"), FORMAT],
        summary: "`n` × 503 overloaded (gemini: UNAVAILABLE \"The model is overloaded.\"; openai: server_error), then OK",
        source: "gemini-503-overloaded-compact-1; openai wording not in corpus",
        build: |a| {
            let overloaded = match a.format()? {
                ErrorFormat::Gemini => corpus::gemini_overloaded_503(),
                ErrorFormat::OpenAi => corpus::openai_overloaded_503(),
            };
            Ok(then_ok(a.u32("n")?, respond(overloaded)))
        },
    },
    Builtin {
        name: "anthropic_overloaded_529_then_ok",
        params: &[p("n", "1")],
        summary: "`n` × 529 overloaded_error with `x-should-retry: true`, then OK",
        source: "anthropic-529-overloaded-headers-1",
        build: |a| Ok(then_ok(a.u32("n")?, respond(corpus::anthropic_overloaded_529()))),
    },
    Builtin {
        name: "bad_gateway_html_then_ok",
        params: &[p("n", "1"), p("page", "nginx")],
        summary: "`n` × 502 with an HTML page (`page=nginx|cloudflare`), then OK",
        source: "nginx-413-html-request-entity-too-large-1, cloudflare-504-html-gateway-timeout-1 (templates)",
        build: |a| {
            let page = html_page(a, 502, "Bad Gateway", "Bad gateway")?;
            Ok(then_ok(a.u32("n")?, respond(page)))
        },
    },
    Builtin {
        name: "gateway_timeout_html_then_ok",
        params: &[p("n", "1"), p("page", "cloudflare")],
        summary: "`n` × 504 with an HTML page (`page=nginx|cloudflare`), then OK",
        source: "cloudflare-504-html-gateway-timeout-1",
        build: |a| {
            let page = html_page(a, 504, "Gateway Time-out", "Gateway time-out")?;
            Ok(then_ok(a.u32("n")?, respond(page)))
        },
    },
    Builtin {
        name: "server_error_no_retry",
        params: &[],
        summary: "always 500 with `x-should-retry: false`",
        source: "anthropic-500-api-error-1",
        build: |_| Ok(always(corpus::anthropic_internal_500().header("x-should-retry", "false"))),
    },
    Builtin {
        name: "always_500",
        params: &[FORMAT],
        summary: "always 500 (gemini: INTERNAL; openai: server_error)",
        source: "gemini-500-internal-sdk-wrapped-1, openai-500-server-error-legacy-1",
        build: |a| {
            Ok(always(match a.format()? {
                ErrorFormat::Gemini => corpus::gemini_internal_500(),
                ErrorFormat::OpenAi => corpus::openai_server_error_500(),
            }))
        },
    },
    Builtin {
        name: "reset_before_headers_then_ok",
        params: &[p("n", "1")],
        summary: "`n` × connection reset (RST) after the request is read, before any response byte, then OK",
        source: "-",
        build: |a| Ok(then_ok(a.u32("n")?, fault(FaultKind::ResetBeforeHeaders))),
    },
    Builtin {
        name: "reset_mid_body_then_ok",
        params: &[p("n", "1")],
        summary: "`n` × 200 headers with the full Content-Length, half the body, then RST; then OK",
        source: "-",
        build: |a| Ok(then_ok(a.u32("n")?, fault(FaultKind::ResetMidBody))),
    },
    Builtin {
        name: "truncated_chunked_then_ok",
        params: &[p("n", "1")],
        summary: "`n` × 200 chunked body cut inside its first chunk (FIN, no terminating chunk), then OK",
        source: "-",
        build: |a| Ok(then_ok(a.u32("n")?, fault(FaultKind::TruncatedChunked))),
    },
    Builtin {
        name: "close_without_response_then_ok",
        params: &[p("n", "1")],
        summary: "`n` × connection closed (FIN) after the request is read, without a response, then OK",
        source: "network-undici-other-side-closed-cause-1 (the client's view)",
        build: |a| Ok(then_ok(a.u32("n")?, fault(FaultKind::CloseWithoutResponse))),
    },
    Builtin {
        name: "slow_headers",
        params: &[p("delay_ms", "2000")],
        summary: "every answer (an echo) waits `delay_ms` before the status line",
        source: "-",
        build: |a| {
            let mut reply = Reply::echo();
            reply.delay_ms = a.u64("delay_ms")?;
            Ok(vec![reply_step(reply)])
        },
    },
    Builtin {
        name: "slow_body",
        params: &[p("pieces", "5"), p("interval_ms", "200")],
        summary: "every answer is a complete echo whose body arrives in `pieces` pieces `interval_ms` apart",
        source: "-",
        build: |a| {
            let mut slow = Fault::new(FaultKind::SlowBody);
            slow.pieces = a.u32("pieces")?.max(1);
            slow.interval_ms = a.u64("interval_ms")?;
            Ok(vec![Step::once(Action::Fault(slow))])
        },
    },
    Builtin {
        name: "huge_body",
        params: &[p("size", "20mb")],
        summary: "every answer is a valid completion of about `size` bytes (suffixes kb, mb)",
        source: "-",
        build: |a| {
            let mut reply = Reply::new(ReplyKind::HugeBody);
            reply.size = a.size("size")?;
            Ok(vec![reply_step(reply)])
        },
    },
    Builtin {
        name: "empty_choices_then_ok",
        params: &[p("n", "1")],
        summary: "`n` × 200 with `choices: []`, then OK",
        source: "-",
        build: |a| Ok(then_ok(a.u32("n")?, reply_kind(ReplyKind::EmptyChoices))),
    },
    Builtin {
        name: "empty_content_then_ok",
        params: &[p("n", "1")],
        summary: "`n` × 200 whose message has `content: null`, finish_reason stop, then OK",
        source: "gemini-native-200-stop-without-parts-1 (as the compat endpoint shows it)",
        build: |a| Ok(then_ok(a.u32("n")?, reply_kind(ReplyKind::EmptyContent))),
    },
    Builtin {
        name: "output_limit_spent",
        params: &[],
        summary: "always 200 with `content: null`, `finish_reason: \"length\"` and every output token spent on reasoning (the request's `max_completion_tokens` or `max_tokens`, else 256)",
        source: "-",
        build: |_| Ok(vec![Step::once(reply_kind(ReplyKind::OutOfTokens))]),
    },
    Builtin {
        name: "empty_body_then_ok",
        params: &[p("n", "1")],
        summary: "`n` × 200 with an empty body, then OK",
        source: "deepseek-200-empty-body-when-busy-1",
        build: |a| Ok(then_ok(a.u32("n")?, reply_kind(ReplyKind::EmptyBody))),
    },
    Builtin {
        name: "invalid_json_then_ok",
        params: &[p("n", "1")],
        summary: "`n` × 200 `application/json` whose body is cut-off JSON, then OK",
        source: "-",
        build: |a| Ok(then_ok(a.u32("n")?, reply_kind(ReplyKind::InvalidJson))),
    },
    Builtin {
        name: "stream_error_after_chunks",
        params: &[p("chunks", "2"), p("n", "1"), FORMAT],
        summary: "streaming requests: `chunks` chunks, then `data: {\"error\": …}` (gemini or openai shape) and the end of the body; `n` times, then OK",
        source: "gemini-503-overloaded-compact-1, openai-500-server-error-legacy-1, mlx-server-sse-error-string-in-200-stream-1 (note)",
        build: |a| {
            let mut reply = Reply::echo();
            reply.stream_fault = Some(StreamFault::ErrorAfterChunks);
            reply.chunks = a.u32("chunks")?;
            reply.error_format = Some(a.format()?);
            Ok(then_ok(a.u32("n")?, Action::Reply(reply)))
        },
    },
    Builtin {
        name: "stream_stall",
        params: &[p("chunks", "1"), p("stall_ms", "30000"), p("n", "1")],
        summary: "streaming requests: `chunks` chunks, then silence for `stall_ms`, then the rest of the stream; `n` times, then OK",
        source: "-",
        build: |a| {
            let mut reply = Reply::echo();
            reply.stream_fault = Some(StreamFault::StallAfterChunks);
            reply.chunks = a.u32("chunks")?;
            reply.stall_ms = a.u64("stall_ms")?;
            Ok(then_ok(a.u32("n")?, Action::Reply(reply)))
        },
    },
    Builtin {
        name: "stream_keepalive_only",
        params: &[
            p("chunks", "0"),
            p("keepalive_ms", "1000"),
            p("stall_ms", "600000"),
            p("n", "1"),
        ],
        summary: "streaming requests: `chunks` chunks, then only `: keep-alive` comments every `keepalive_ms` for `stall_ms` (a relay whose upstream went silent), then the rest; `n` times, then OK",
        source: "-",
        build: |a| {
            let mut reply = Reply::echo();
            reply.stream_fault = Some(StreamFault::KeepAliveAfterChunks);
            reply.chunks = a.u32("chunks")?;
            reply.keepalive_ms = a.u64("keepalive_ms")?.max(1);
            reply.stall_ms = a.u64("stall_ms")?;
            Ok(then_ok(a.u32("n")?, Action::Reply(reply)))
        },
    },
    Builtin {
        name: "trickle_body",
        params: &[p("interval_ms", "1000")],
        summary: "every answer is a complete echo whose body arrives one byte every `interval_ms`",
        source: "-",
        build: |a| {
            let mut slow = Fault::new(FaultKind::SlowBody);
            slow.pieces = u32::MAX;
            slow.interval_ms = a.u64("interval_ms")?;
            Ok(vec![Step::once(Action::Fault(slow))])
        },
    },
    Builtin {
        name: "stream_end_without_done",
        params: &[p("n", "1")],
        summary: "streaming requests: the whole stream but no `data: [DONE]`; `n` times, then OK",
        source: "-",
        build: |a| {
            let mut reply = Reply::echo();
            reply.stream_fault = Some(StreamFault::EndWithoutDone);
            Ok(then_ok(a.u32("n")?, Action::Reply(reply)))
        },
    },
    Builtin {
        name: "model_not_found_404",
        params: &[FORMAT],
        summary: "always 404 naming the requested model (gemini: NOT_FOUND; openai: model_not_found)",
        source: "gemini-404-model-not-found-v1beta-1; openai wording not in corpus",
        build: |a| {
            Ok(always(match a.format()? {
                ErrorFormat::Gemini => corpus::gemini_model_not_found_404(),
                ErrorFormat::OpenAi => corpus::openai_model_not_found_404(),
            }))
        },
    },
    Builtin {
        name: "context_length_exceeded",
        params: &[p("limit", "8192"), p("tokens", "9000"), FORMAT],
        summary: "always 400 with the window and the prompt size in the message (openai: context_length_exceeded; gemini: \"The input token count (N) exceeds …\")",
        source: "openai-400-context-length-exceeded-compact-1, gemini-400-input-token-count-exceeds-sdk-wrapped-retried-as-5xx-1",
        build: |a| {
            let (limit, tokens) = (a.u64("limit")?, a.u64("tokens")?);
            Ok(always(match a.format()? {
                ErrorFormat::Gemini => corpus::gemini_context_length_400(limit, tokens),
                ErrorFormat::OpenAi => corpus::openai_context_length_400(limit, tokens),
            }))
        },
    },
    Builtin {
        name: "conflict_409_then_ok",
        params: &[p("n", "1")],
        summary: "`n` × 409, then OK",
        source: "openai-409-on-overload-title-only-1 (no body captured; simulated body)",
        build: |a| Ok(then_ok(a.u32("n")?, respond(corpus::conflict_409()))),
    },
    Builtin {
        name: "request_too_large_413",
        params: &[p("page", "json")],
        summary: "always 413 (`page=json`: Anthropic's JSON; `page=nginx`: nginx's HTML page)",
        source: "anthropic-413-request-too-large-1, nginx-413-html-request-entity-too-large-1",
        build: |a| match a.text("page").as_str() {
            "json" => Ok(always(corpus::anthropic_request_too_large_413())),
            "nginx" => Ok(always(corpus::nginx_html(413, "Request Entity Too Large"))),
            other => Err(format!("page={other}: expected json or nginx")),
        },
    },
];

/// The built-in scenario with this name.
pub fn find(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|builtin| builtin.name == name)
}

impl Builtin {
    /// The steps of this scenario with these parameters; `endpoint_format` is the error format of
    /// the endpoint the request came to (the default of `format`).
    pub fn steps(
        &self,
        params: &BTreeMap<String, String>,
        endpoint_format: ErrorFormat,
    ) -> Result<Vec<Step>, String> {
        if let Some(unknown) = params
            .keys()
            .find(|k| !self.params.iter().any(|p| p.name == *k))
        {
            let known: Vec<&str> = self.params.iter().map(|p| p.name).collect();
            return Err(format!(
                "scenario {} has no parameter \"{unknown}\" (parameters: {})",
                self.name,
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ));
        }
        let args = Args {
            builtin: self,
            params,
            endpoint_format,
        };
        (self.build)(&args).map_err(|e| format!("scenario {}: {e}", self.name))
    }

    /// `n=3, format=endpoint`: the parameters with their defaults, for listings.
    pub fn params_summary(&self) -> String {
        self.params
            .iter()
            .map(|p| format!("{}={}", p.name, p.default))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The parameters of one instantiation, with the declared defaults filled in.
struct Args<'a> {
    builtin: &'a Builtin,
    params: &'a BTreeMap<String, String>,
    endpoint_format: ErrorFormat,
}

impl Args<'_> {
    fn text(&self, name: &str) -> String {
        match self.params.get(name) {
            Some(value) => value.clone(),
            None => self
                .builtin
                .params
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.default.to_string())
                .unwrap_or_default(),
        }
    }

    fn u64(&self, name: &str) -> Result<u64, String> {
        let text = self.text(name);
        text.parse()
            .map_err(|_| format!("{name}={text}: expected a non-negative integer"))
    }

    fn u32(&self, name: &str) -> Result<u32, String> {
        let value = self.u64(name)?;
        u32::try_from(value).map_err(|_| format!("{name}={value}: too large"))
    }

    /// A byte count with an optional `kb`/`mb` suffix (powers of 1024).
    fn size(&self, name: &str) -> Result<u64, String> {
        let text = self.text(name).to_ascii_lowercase();
        let (digits, unit) = if let Some(d) = text.strip_suffix("mb") {
            (d, 1024 * 1024)
        } else if let Some(d) = text.strip_suffix("kb") {
            (d, 1024)
        } else {
            (text.as_str(), 1)
        };
        digits
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(unit))
            .filter(|&n| n <= 4 * 1024 * 1024 * 1024)
            .ok_or_else(|| {
                format!("{name}={text}: expected a size like 20mb, 512kb or 1000 (at most 4096mb)")
            })
    }

    fn format(&self) -> Result<ErrorFormat, String> {
        match self.params.get("format") {
            None => Ok(self.endpoint_format),
            Some(name) => ErrorFormat::from_name(name)
                .ok_or_else(|| format!("format={name}: expected openai or gemini")),
        }
    }
}

fn respond(canned: Canned) -> Action {
    Action::Respond(canned)
}

fn fault(kind: FaultKind) -> Action {
    Action::Fault(Fault::new(kind))
}

fn reply_kind(kind: ReplyKind) -> Action {
    Action::Reply(Reply::new(kind))
}

fn reply_step(reply: Reply) -> Step {
    Step::once(Action::Reply(reply))
}

fn ok() -> Step {
    reply_step(Reply::echo())
}

fn always(canned: Canned) -> Vec<Step> {
    vec![Step::once(respond(canned))]
}

/// `n` arrivals answered by `action`, then echo completions.
fn then_ok(n: u32, action: Action) -> Vec<Step> {
    if n == 0 {
        return vec![ok()];
    }
    vec![Step::times(n, action), ok()]
}

/// `canned`, then `canned` again for any arrival before `not_before_ms` after the first one, then
/// echo completions.
fn gated(canned: Canned, not_before_ms: u64) -> Vec<Step> {
    let gate = Gate {
        not_before_ms,
        otherwise: Box::new(respond(canned.clone())),
    };
    vec![
        Step::once(respond(canned)),
        Step::once(Action::Gate(gate)),
        ok(),
    ]
}

fn html_page(
    args: &Args<'_>,
    status: u16,
    nginx_title: &str,
    cloudflare_title: &str,
) -> Result<Canned, String> {
    match args.text("page").as_str() {
        "nginx" => Ok(corpus::nginx_html(status, nginx_title)),
        "cloudflare" => Ok(corpus::cloudflare_html(status, cloudflare_title)),
        other => Err(format!("page={other}: expected nginx or cloudflare")),
    }
}

/// `1500` → `"1.5s"`, `1000` → `"1s"`, `250` → `"0.25s"` (Google's Duration JSON form).
fn seconds_text(ms: u64) -> String {
    let whole = ms / 1000;
    let fraction = ms % 1000;
    if fraction == 0 {
        return format!("{whole}s");
    }
    let fraction = format!("{fraction:03}");
    format!("{whole}.{}s", fraction.trim_end_matches('0'))
}

/// `250` → `"250ms"`, `1500` → `"1.5s"`: OpenAI's "try again in" wording.
fn duration_text(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms}ms")
    } else {
        seconds_text(ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_builds_with_its_defaults_in_both_formats() {
        for builtin in BUILTINS {
            for format in [ErrorFormat::OpenAi, ErrorFormat::Gemini] {
                let steps = builtin
                    .steps(&BTreeMap::new(), format)
                    .unwrap_or_else(|e| panic!("{}: {e}", builtin.name));
                assert!(!steps.is_empty(), "{}", builtin.name);
                assert!(!matches!(
                    steps.last().map(|s| &s.action),
                    Some(Action::Gate(_))
                ));
            }
        }
    }

    #[test]
    fn builtin_names_are_unique_snake_case() {
        let mut names: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
        assert!(names
            .iter()
            .all(|n| super::super::file::is_valid_name(n) && !n.contains('-')));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), BUILTINS.len());
    }

    #[test]
    fn unknown_and_malformed_parameters_are_refused_by_name() {
        let overloaded = find("overloaded_then_ok").unwrap_or_else(|| panic!("missing"));
        let params = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
        let error = overloaded
            .steps(&params("m", "3"), ErrorFormat::OpenAi)
            .unwrap_err();
        assert!(
            error.contains("\"m\"") && error.contains("n, format"),
            "{error}"
        );
        let error = overloaded
            .steps(&params("n", "x"), ErrorFormat::OpenAi)
            .unwrap_err();
        assert!(error.contains("n=x"), "{error}");
        let error = overloaded
            .steps(&params("format", "azure"), ErrorFormat::OpenAi)
            .unwrap_err();
        assert!(error.contains("format=azure"), "{error}");
    }

    #[test]
    fn delays_are_written_as_providers_write_them() {
        assert_eq!(seconds_text(1000), "1s");
        assert_eq!(seconds_text(1500), "1.5s");
        assert_eq!(seconds_text(250), "0.25s");
        assert_eq!(duration_text(6), "6ms");
        assert_eq!(duration_text(2500), "2.5s");
    }
}
