//! The provider error responses the built-in scenarios send: real bodies from
//! `tests/fixtures/errors.jsonl`, each with its case id (the case's `source` URL is in the corpus).
//!
//! For: the exact bytes a provider sent, so clients are tested against what they will meet. Where
//! a value must vary (a delay, a model name, token counts) the real wording is kept and only the
//! figure is substituted. Bodies not in the corpus say so in their comment.
//!
//! Not for: deciding when they are sent (`builtin.rs`).

use serde_json::{json, Value};

use super::scenario::{Body, Canned};

/// `[{"error": {…}}]`, Gemini's OpenAI-compatibility 400 for a tool schema keyword it does not
/// know. Shape (list wrapper, BadRequest fieldViolations):
/// gemini-compat-400-list-wrapped-unknown-name-google-1 and
/// gemini-code-assist-400-tool-schema-unknown-name-tools-1; message and path verbatim from
/// the public report openswarm-ai/openswarm#24, with `field`
/// substituted for "additionalProperties".
pub fn gemini_unknown_field_400(field: &str) -> Canned {
    let path = "tools[0].function_declarations[1].parameters.properties[0].value.items";
    let message = format!(
        "Invalid JSON payload received. Unknown name \"{field}\" at '{path}': Cannot find field."
    );
    Canned::json(
        400,
        json!([{"error": {
            "code": 400,
            "message": message,
            "status": "INVALID_ARGUMENT",
            "details": [{
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": path, "description": message}]
            }]
        }}]),
    )
}

/// Gemini's 400 INVALID_ARGUMENT for a bad key. Message, reason, domain and metadata from
/// gemini-grpc-400-api-key-expired-text-1 (the same ErrorInfo rendered by gRPC); the JSON layout
/// of ErrorInfo from gemini-403-consumer-suspended-errorinfo-1.
pub fn gemini_api_key_invalid_400() -> Canned {
    Canned::json(
        400,
        json!({"error": {
            "code": 400,
            "message": "API key expired. Please renew the API key.",
            "status": "INVALID_ARGUMENT",
            "details": [{
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"}
            }]
        }}),
    )
}

/// openai-401-invalid-api-key-1, verbatim.
pub fn openai_invalid_api_key_401() -> Canned {
    Canned::text(
        401,
        "application/json",
        r#"{"error":{"message":"Incorrect API key provided: sk-VKMIs***************************************wjh3. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
    )
}

/// The message of both Gemini quota 429s below (per day and per minute).
const GEMINI_QUOTA_MESSAGE: &str = "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.";

/// Google's per-day quota 429: gemini-429-quotafailure-per-minute-and-per-day-freetier-1 (its
/// Python repr converted to JSON; the source is cut inside the Help detail, which is completed
/// from gemini-429-help-only-no-quotafailure-1).
pub fn gemini_daily_quota_429() -> Canned {
    let violation = |metric: &str, quota_id: &str| {
        json!({
            "quotaMetric": format!("generativelanguage.googleapis.com/{metric}"),
            "quotaId": quota_id,
            "quotaDimensions": {"location": "global", "model": "gemini-2.5-flash-preview-image"}
        })
    };
    Canned::json(
        429,
        json!({"error": {
            "code": 429,
            "message": GEMINI_QUOTA_MESSAGE,
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [
                        violation("generate_content_free_tier_input_token_count", "GenerateContentInputTokensPerModelPerMinute-FreeTier"),
                        violation("generate_content_free_tier_requests", "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"),
                        violation("generate_content_free_tier_requests", "GenerateRequestsPerDayPerProjectPerModel-FreeTier")
                    ]
                },
                {
                    "@type": "type.googleapis.com/google.rpc.Help",
                    "links": [{"description": "Learn more about Gemini API quotas", "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]
                }
            ]
        }}),
    )
}

/// openai-429-insufficient-quota-code-null-2023-1, verbatim.
pub fn openai_insufficient_quota_429() -> Canned {
    Canned::text(
        429,
        "application/json",
        "{\n    \"error\": {\n        \"message\": \"You exceeded your current quota, please check your plan and billing details.\",\n        \"type\": \"insufficient_quota\",\n        \"param\": null,\n        \"code\": null\n    }\n}",
    )
}

/// Google's per-minute 429 with a RetryInfo delay. Shape (QuotaFailure + RetryInfo):
/// gemini-429-quotafailure-retryinfo-34.4s-1; the message and the per-minute violation from
/// gemini-429-quotafailure-per-minute-and-per-day-freetier-1; `retry_delay` like "1.5s".
pub fn gemini_retry_info_429(retry_delay: &str) -> Canned {
    Canned::json(
        429,
        json!({"error": {
            "code": 429,
            "message": GEMINI_QUOTA_MESSAGE,
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [{
                        "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                        "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                        "quotaDimensions": {"location": "global", "model": "gemini-2.0-flash"}
                    }]
                },
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}
            ]
        }}),
    )
}

/// OpenAI's tokens-per-minute 429 whose only hint is in the message:
/// openai-429-rate-limit-tpm-type-tokens-2023-1, with `try_again_in` (e.g. "6ms", "1.5s")
/// substituted for "6ms".
pub fn openai_rate_limit_try_again_429(try_again_in: &str) -> Canned {
    Canned::json(
        429,
        json!({"error": {
            "message": format!("Rate limit reached for 10KTPM-200RPM in organization org-OASFC7k1Ff5IzueeLArhQtnT on tokens per min. Limit: 10000 / min. Please try again in {try_again_in}. Contact us through our help center at help.openai.com if you continue to have issues."),
            "type": "tokens",
            "param": null,
            "code": "rate_limit_exceeded"
        }}),
    )
}

/// Anthropic's per-minute 429, which comes with a `retry-after` header:
/// anthropic-429-rate-limit-error-itpm-1, verbatim (the header is added by the scenario).
pub fn anthropic_rate_limit_429() -> Canned {
    Canned::text(
        429,
        "application/json",
        r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit (https://docs.anthropic.com/en/api/rate-limits); see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase."}}"#,
    )
}

/// A 429 with no hint at all: mistral-429-requests-rate-limit-minimal-1, verbatim.
pub fn minimal_rate_limit_429() -> Canned {
    Canned::text(
        429,
        "application/json",
        r#"{"message":"Requests rate limit exceeded"}"#,
    )
}

/// Azure's 429 that asks for a day's wait: azure-429-token-rate-limit-retry-after-86400-1 (Python
/// repr converted to JSON), with `seconds` substituted for 86400.
pub fn azure_retry_after_429(seconds: u64) -> Canned {
    Canned::json(
        429,
        json!({"error": {
            "code": "429",
            "message": format!("Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2023-05-15 have exceeded token rate limit of your current AIServices S0 pricing tier. Please retry after {seconds} seconds. Please contact Azure support service if you would like to further increase the default rate limit.")
        }}),
    )
    .header("retry-after", seconds.to_string())
}

/// gemini-503-overloaded-compact-1, verbatim.
pub fn gemini_overloaded_503() -> Canned {
    Canned::text(
        503,
        "application/json",
        r#"{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}"#,
    )
}

/// OpenAI's overload 503. Not in the corpus: the OpenAI error shape of
/// openai-500-server-error-legacy-1 with the message OpenAI sends when an engine is overloaded.
pub fn openai_overloaded_503() -> Canned {
    Canned::json(
        503,
        json!({"error": {
            "message": "The engine is currently overloaded, please try again later",
            "type": "server_error",
            "param": null,
            "code": null
        }}),
    )
}

/// anthropic-529-overloaded-headers-1: body and `x-should-retry`/`request-id` headers verbatim.
pub fn anthropic_overloaded_529() -> Canned {
    Canned::text(
        529,
        "application/json",
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
    )
    .header("x-should-retry", "true")
    .header("request-id", "req_01RCc7MbLyQNtGKzBTv8VCep")
}

/// nginx's error page for `status`: the template of nginx-413-html-request-entity-too-large-1.
pub fn nginx_html(status: u16, title: &str) -> Canned {
    let page = format!(
        "<html> <head><title>{status} {title}</title></head> <body> <center><h1>{status} {title}</h1></center> <hr><center>nginx</center> </body> </html>"
    );
    Canned::text(status, "text/html", &page).header("server", "nginx")
}

/// A Cloudflare error page: the head of cloudflare-504-html-gateway-timeout-1 (the source is
/// cut after the opening of `cf-error-details`; the rest is closed minimally), with `status` and
/// `title` substituted for "504" and "Gateway time-out".
pub fn cloudflare_html(status: u16, title: &str) -> Canned {
    let page = format!(
        "<!DOCTYPE html>\n\n <html class=\"no-js\" lang=\"en-US\">\n<head>\n\n<title>smithery.ai | {status}: {title}</title>\n<meta charset=\"UTF-8\" />\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\" />\n<meta http-equiv=\"X-UA-Compatible\" content=\"IE=Edge\" />\n<meta name=\"robots\" content=\"noindex, nofollow\" />\n<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\" />\n<link rel=\"stylesheet\" id=\"cf_styles-css\" href=\"/cdn-cgi/styles/main.css\" />\n</head>\n<body>\n<div id=\"cf-wrapper\">\n    <div id=\"cf-error-details\" class=\"p-0\">\n    <h1>{title}</h1> <span>Error code {status}</span>\n    </div>\n</div>\n</body>\n</html>\n"
    );
    Canned::text(status, "text/html; charset=UTF-8", &page)
        .header("server", "cloudflare")
        .header("cf-ray", "8f2a1c0b9d7e4a21-AMS")
}

/// anthropic-500-api-error-1, verbatim (scenarios add `x-should-retry`).
pub fn anthropic_internal_500() -> Canned {
    Canned::text(
        500,
        "application/json",
        r#"{"type":"error","error":{"type":"api_error","message":"Internal server error"},"request_id":"req_011CbGwJbzjfDGN6vNFPYMGA"}"#,
    )
}

/// openai-500-server-error-legacy-1, verbatim.
pub fn openai_server_error_500() -> Canned {
    Canned::text(
        500,
        "application/json",
        "{\n  \"error\": {\n    \"message\": \"The server had an error processing your request. Sorry about that! You can retry your request, or contact us through our help center at help.openai.com if you keep seeing this error. (Please include the request ID e5c949c8ec2c86be225544e5eefcbe4d in your email.)\",\n    \"type\": \"server_error\",\n    \"param\": null,\n    \"code\": null\n  }\n}",
    )
}

/// The Google body inside gemini-500-internal-sdk-wrapped-1 (the SDK's wrapper removed).
pub fn gemini_internal_500() -> Canned {
    Canned::text(
        500,
        "application/json",
        "{\n  \"error\": {\n    \"code\": 500,\n    \"message\": \"An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting\",\n    \"status\": \"INTERNAL\"\n  }\n}\n",
    )
}

/// gemini-404-model-not-found-v1beta-1, with the requested model substituted for `gemini-pro`.
pub fn gemini_model_not_found_404() -> Canned {
    Canned::json(
        404,
        json!({"error": {
            "code": 404,
            "message": "models/{{model}} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.",
            "status": "NOT_FOUND"
        }}),
    )
}

/// OpenAI's unknown-model 404. Not in the corpus: OpenAI's error shape and its usual wording.
pub fn openai_model_not_found_404() -> Canned {
    Canned::json(
        404,
        json!({"error": {
            "message": "The model `{{model}}` does not exist or you do not have access to it.",
            "type": "invalid_request_error",
            "param": null,
            "code": "model_not_found"
        }}),
    )
}

/// openai-400-context-length-exceeded-compact-1 with `limit` and `tokens` substituted.
pub fn openai_context_length_400(limit: u64, tokens: u64) -> Canned {
    Canned::json(
        400,
        json!({"error": {
            "message": format!("This model's maximum context length is {limit} tokens. However, your messages resulted in {tokens} tokens. Please reduce the length of the messages."),
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded"
        }}),
    )
}

/// The Google body inside gemini-400-input-token-count-exceeds-sdk-wrapped-retried-as-5xx-1 with
/// `limit` and `tokens` substituted.
pub fn gemini_context_length_400(limit: u64, tokens: u64) -> Canned {
    Canned::json(
        400,
        json!({"error": {
            "code": 400,
            "message": format!("The input token count ({tokens}) exceeds the maximum number of tokens allowed ({limit})."),
            "status": "INVALID_ARGUMENT"
        }}),
    )
}

/// A 409. The corpus case openai-409-on-overload-title-only-1 has no captured body, so this one
/// is OpenAI-shaped and says that it is simulated.
pub fn conflict_409() -> Canned {
    Canned::json(
        409,
        json!({"error": {
            "message": "Conflict (simulated by llmwire mock; no real 409 body was captured for openai-409-on-overload-title-only-1)",
            "type": "conflict_error",
            "param": null,
            "code": null
        }}),
    )
}

/// anthropic-413-request-too-large-1, verbatim.
pub fn anthropic_request_too_large_413() -> Canned {
    Canned::text(
        413,
        "application/json",
        r#"{"error":{"type":"request_too_large","message":"Request exceeds the maximum size"}}"#,
    )
}

/// The payload of a `data: {"error": …}` event in a 200 stream. OpenAI: the body of
/// openai-500-server-error-legacy-1 (OpenAI and vLLM send object-form error events, per the note
/// of mlx-server-sse-error-string-in-200-stream-1); Gemini: gemini-503-overloaded-compact-1.
pub fn stream_error_event(gemini: bool) -> Value {
    if gemini {
        json!({"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}})
    } else {
        json!({"error": {
            "message": "The server had an error processing your request. Sorry about that! You can retry your request, or contact us through our help center at help.openai.com if you keep seeing this error. (Please include the request ID e5c949c8ec2c86be225544e5eefcbe4d in your email.)",
            "type": "server_error",
            "param": null,
            "code": null
        }})
    }
}

/// The mock's own answer to a request it cannot serve as a provider would (a bad scenario name,
/// an unknown route): OpenAI-shaped, with `type: "llmwire_mock_error"` so it is never mistaken for
/// a simulated provider error.
pub fn mock_error(status: u16, message: &str) -> Canned {
    Canned {
        status,
        headers: vec![("x-llmwire-mock-error".into(), "1".into())],
        body: Body::Json(json!({"error": {
            "message": format!("llmwire mock: {message}"),
            "type": "llmwire_mock_error",
            "param": null,
            "code": null
        }})),
        delay_ms: 0,
    }
}
