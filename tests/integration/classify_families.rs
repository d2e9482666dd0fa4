//! Body families beyond the corpus sample: each provider's usual wordings and shapes (written after
//! the providers' documented error formats) classify to the right class, hint and fields.

use std::time::{Duration, SystemTime};

use llmwire::classify::{classify, Classification, ClassifyInput};
use llmwire::provider::Provider;
use llmwire::ErrorClass;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000)
}

fn run(status: u16, headers: &[(&str, &str)], body: &str) -> Classification {
    classify(&ClassifyInput::response(status, headers, body), now())
}

#[track_caller]
fn expect(status: u16, body: &str, class: ErrorClass) -> Classification {
    let c = run(status, &[], body);
    assert_eq!(c.class, class, "status {status}, body {body}\n -> {c:?}");
    assert!(!c.message.trim().is_empty());
    c
}

#[test]
fn openai_rate_windows_quotas_and_oversized_requests_are_told_apart() {
    let c = expect(
        429,
        r#"{"error":{"message":"Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again in 2.5s. Visit https://platform.openai.com/account/rate-limits to learn more.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}"#,
        ErrorClass::RateLimited,
    );
    assert_eq!(c.retry_after_ms, Some(2500));
    assert_eq!(c.provider, Some(Provider::OpenAI));
    expect(
        429,
        r#"{"error":{"message":"Request too large for gpt-4 in organization org-x on tokens per min (TPM): Limit 10000, Requested 13337. The input or output tokens must be reduced in order to run successfully. Visit https://platform.openai.com/account/rate-limits to learn more.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}"#,
        ErrorClass::RequestTooLarge,
    );
    let c = expect(
        429,
        r#"{"error":{"message":"Rate limit reached for gpt-3.5-turbo in organization org-x on requests per day (RPD): Limit 200, Used 200, Requested 1. Please try again in 7m12s.","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#,
        ErrorClass::QuotaExhausted,
    );
    assert_eq!(c.retry_after_ms, Some(432_000));
    expect(
        429,
        r#"{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#,
        ErrorClass::QuotaExhausted,
    );
    expect(
        400,
        r#"{"error":{"message":"Billing hard limit has been reached","type":"invalid_request_error","param":null,"code":"billing_hard_limit_reached"}}"#,
        ErrorClass::QuotaExhausted,
    );
}

#[test]
fn openai_status_families_and_codes() {
    expect(
        404,
        r#"{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#,
        ErrorClass::NotFound,
    );
    expect(
        403,
        r#"{"error":{"code":"unsupported_country_region_territory","message":"Country, region, or territory not supported","param":null,"type":"request_forbidden"}}"#,
        ErrorClass::PermissionDenied,
    );
    expect(
        401,
        r#"{"error":{"message":"You didn't provide an API key.","type":"invalid_request_error","param":null,"code":null}}"#,
        ErrorClass::Authentication,
    );
    expect(
        503,
        r#"{"error":{"message":"The engine is currently overloaded, please try again later","type":"server_error","param":null,"code":null}}"#,
        ErrorClass::Overloaded,
    );
    expect(
        500,
        r#"{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}"#,
        ErrorClass::ServerError,
    );
    expect(
        400,
        r#"{"error":{"message":"Your input exceeds the context window of this model. Please adjust your input and try again.","type":"invalid_request_error","param":"input","code":"context_length_exceeded"}}"#,
        ErrorClass::ContextLengthExceeded,
    );
    expect(
        400,
        r#"{"error":{"message":"Invalid 'messages[1].content': string too long. Expected a string with maximum length 1048576, but got a string with length 2000000 instead.","type":"invalid_request_error","param":"messages[1].content","code":"string_above_max_length"}}"#,
        ErrorClass::InvalidRequest,
    );
}

#[test]
fn anthropic_error_types_and_wordings() {
    expect(
        400,
        r#"{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."}}"#,
        ErrorClass::QuotaExhausted,
    );
    let c = expect(
        401,
        r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
        ErrorClass::Authentication,
    );
    assert_eq!(c.provider, Some(Provider::Anthropic));
    assert_eq!(c.error_type.as_deref(), Some("authentication_error"));
    expect(
        403,
        r#"{"type":"error","error":{"type":"permission_error","message":"Your API key does not have permission to use the specified resource."}}"#,
        ErrorClass::PermissionDenied,
    );
    expect(
        404,
        r#"{"type":"error","error":{"type":"not_found_error","message":"model: claude-9"}}"#,
        ErrorClass::NotFound,
    );
    expect(
        400,
        r#"{"type":"error","error":{"type":"invalid_request_error","message":"input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000, decrease input length or `max_tokens` and try again"}}"#,
        ErrorClass::ContextLengthExceeded,
    );
    expect(
        413,
        r#"{"type":"error","error":{"type":"request_too_large","message":"Request exceeds the maximum allowed number of bytes."}}"#,
        ErrorClass::RequestTooLarge,
    );
    let c = run(
        429,
        &[
            ("retry-after", "30"),
            ("anthropic-ratelimit-tokens-reset", "2025-06-15T15:07:00Z"),
            ("request-id", "req_abc123"),
        ],
        r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#,
    );
    assert_eq!(c.class, ErrorClass::RateLimited);
    assert_eq!(c.retry_after_ms, Some(30_000));
    assert_eq!(c.request_id.as_deref(), Some("req_abc123"));
}

#[test]
fn anthropic_overload_inside_a_200_stream_is_overloaded() {
    let stream = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"content\":[]}}\n\n\
                  event: ping\ndata: {\"type\": \"ping\"}\n\n\
                  event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n";
    let c = expect(200, stream, ErrorClass::Overloaded);
    assert!(c.retryable);
    assert_eq!(c.message, "Overloaded");
    assert_eq!(c.provider, Some(Provider::Anthropic));
}

#[test]
fn gemini_details_decide_auth_quota_and_rate() {
    let key = r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}}]}}"#;
    let c = expect(400, key, ErrorClass::Authentication);
    assert_eq!(c.provider_code.as_deref(), Some("API_KEY_INVALID"));
    assert!(!c.retryable);
    expect(400, &format!("[{key}]"), ErrorClass::Authentication);

    let per_minute = r#"{"error":{"code":429,"message":"Quota exceeded for quota metric 'Generate Content API requests per minute' and limit 'GenerateContent request limit per minute for a region' of service 'generativelanguage.googleapis.com' for consumer 'project_number:1'.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"googleapis.com","metadata":{"quota_limit":"GenerateContentRequestsPerMinutePerProjectPerRegion","quota_limit_value":"60"}},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"12.5s"}]}}"#;
    let c = expect(429, per_minute, ErrorClass::RateLimited);
    assert_eq!(c.retry_after_ms, Some(12_500));
    assert_eq!(
        c.hint_source.map(|h| format!("{h:?}")),
        Some("RetryInfo".into())
    );
    assert_eq!(
        c.quota_id.as_deref(),
        Some("GenerateContentRequestsPerMinutePerProjectPerRegion")
    );

    let zero = r#"{"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier","quotaValue":"0"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"20s"}]}}"#;
    let c = expect(429, zero, ErrorClass::QuotaExhausted);
    assert_eq!(
        c.retry_after_ms,
        Some(20_000),
        "the delay is still reported"
    );
    assert!(!c.retryable);
}

#[test]
fn gemini_statuses_and_wordings() {
    expect(
        503,
        r#"{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}"#,
        ErrorClass::Overloaded,
    );
    expect(
        504,
        r#"{"error":{"code":504,"message":"The request timed out. Please try again.","status":"DEADLINE_EXCEEDED"}}"#,
        ErrorClass::Timeout,
    );
    expect(
        400,
        r#"{"error":{"code":400,"message":"Gemini API free tier is not available in your country. Please enable billing on your project in Google AI Studio.","status":"FAILED_PRECONDITION"}}"#,
        ErrorClass::PermissionDenied,
    );
    expect(
        400,
        r#"{"error":{"code":400,"message":"Request payload size exceeds the limit: 20971520 bytes.","status":"INVALID_ARGUMENT"}}"#,
        ErrorClass::RequestTooLarge,
    );
    expect(
        400,
        r#"{"error":{"code":400,"message":"* GenerateContentRequest.generation_config.max_output_tokens: max_output_tokens must be less than or equal to 65536","status":"INVALID_ARGUMENT"}}"#,
        ErrorClass::InvalidRequest,
    );
    expect(
        429,
        "429 Resource has been exhausted (e.g. check quota).",
        ErrorClass::RateLimited,
    );
}

#[test]
fn openrouter_wrappers_are_read_through() {
    let c = expect(
        402,
        r#"{"error":{"message":"This request requires more credits, or fewer max_tokens. You requested up to 4096 tokens, but can only afford 1234.","code":402}}"#,
        ErrorClass::QuotaExhausted,
    );
    assert!(!c.retryable);
    let c = run(
        402,
        &[("retry-after", "3")],
        r#"{"error":{"message":"Too many requests in flight for your credit balance","code":402,"metadata":{"limit_source":"openrouter_in_flight_budget"}}}"#,
    );
    assert_eq!(c.class, ErrorClass::RateLimited);
    assert_eq!(c.retry_after_ms, Some(3000));
    expect(
        403,
        r#"{"error":{"code":403,"message":"gpt-4 requires moderation on OpenAI. Your input was flagged for \"harassment\". No credits were charged.","metadata":{"reasons":["harassment"],"flagged_input":"...","provider_name":"OpenAI","model_slug":"openai/gpt-4"}}}"#,
        ErrorClass::ContentFiltered,
    );
    let upstream = r#"{"error":{"message":"Provider returned error","code":429,"metadata":{"raw":"{\"error\":{\"code\":429,\"message\":\"Resource exhausted\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"7s\"}]}}","provider_name":"Google AI Studio"}}}"#;
    let c = expect(429, upstream, ErrorClass::RateLimited);
    assert_eq!(c.retry_after_ms, Some(7000));
    assert_eq!(c.provider, Some(Provider::OpenRouter));
    assert_eq!(c.provider_status.as_deref(), Some("RESOURCE_EXHAUSTED"));
    expect(
        400,
        r#"{"error":{"message":"openai/gpt-5x is not a valid model ID","code":400}}"#,
        ErrorClass::NotFound,
    );
    expect(
        502,
        r#"{"error":{"message":"Provider returned error","code":502,"metadata":{"raw":"upstream connect error","provider_name":"Together"}}}"#,
        ErrorClass::ServerError,
    );
}

#[test]
fn azure_families() {
    let c = run(
        429,
        &[("retry-after", "6"), ("x-ms-region", "East US")],
        r#"{"error":{"code":"429","message":"Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-02-01 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 6 seconds."}}"#,
    );
    assert_eq!(c.class, ErrorClass::RateLimited);
    assert_eq!(c.retry_after_ms, Some(6000));
    assert_eq!(c.provider, Some(Provider::Azure));
    let c = run(
        429,
        &[("retry-after", "86400"), ("apim-request-id", "abc")],
        r#"{"error":{"code":"429","message":"Requests to the ChatCompletions_Create Operation have exceeded token rate limit of your current pricing tier."}}"#,
    );
    assert_eq!(
        c.class,
        ErrorClass::QuotaExhausted,
        "a day-long 429 is a quota"
    );
    assert_eq!(c.retry_after_ms, Some(86_400_000));
    assert_eq!(c.request_id.as_deref(), Some("abc"));
    expect(
        404,
        r#"{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."}}"#,
        ErrorClass::NotFound,
    );
    expect(
        401,
        r#"{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint."}}"#,
        ErrorClass::Authentication,
    );
}

#[test]
fn groq_deepseek_mistral_xai_wordings() {
    let c = expect(
        429,
        r#"{"error":{"message":"Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_x` service tier `on_demand` on tokens per day (TPD): Limit 100000, Used 99876, Requested 1234. Please try again in 1m46.6s. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing","type":"tokens","code":"rate_limit_exceeded"}}"#,
        ErrorClass::QuotaExhausted,
    );
    assert_eq!(c.retry_after_ms, Some(106_600));
    assert_eq!(c.provider, Some(Provider::Groq));
    expect(
        498,
        r#"{"error":{"message":"Flex tier capacity exceeded. This model is running at capacity.","type":"capacity_exceeded","code":"capacity_exceeded"}}"#,
        ErrorClass::Overloaded,
    );
    expect(
        402,
        r#"{"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}}"#,
        ErrorClass::QuotaExhausted,
    );
    expect(
        400,
        r#"{"error":{"message":"This model's maximum context length is 65536 tokens. However, you requested 70000 tokens (66000 in the messages, 4000 in the completion). Please reduce the length of the messages or completion.","type":"invalid_request_error","param":null,"code":"invalid_request_error"}}"#,
        ErrorClass::ContextLengthExceeded,
    );
    let c = expect(
        422,
        r#"{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","max_completion_tokens"],"msg":"Extra inputs are not permitted","input":100}]},"type":"invalid_request_error","param":null,"code":null}"#,
        ErrorClass::InvalidRequest,
    );
    assert_eq!(c.param.as_deref(), Some("max_completion_tokens"));
    assert_eq!(
        c.message,
        "body.max_completion_tokens: Extra inputs are not permitted"
    );
    assert_eq!(c.provider, Some(Provider::Mistral));
    expect(
        400,
        r#"{"object":"error","message":"Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length","type":"invalid_request_prompt","param":null,"code":"3051"}"#,
        ErrorClass::ContextLengthExceeded,
    );
    expect(
        400,
        r#"{"code":"Client specified an invalid argument","error":"This model's maximum prompt length is 131072 but the request contains 150000 tokens."}"#,
        ErrorClass::ContextLengthExceeded,
    );
    expect(
        403,
        r#"{"code":"The caller does not have permission to execute the specified operation","error":"Your newly created team doesn't have any credits or licenses yet. You can purchase credits on https://console.x.ai."}"#,
        ErrorClass::QuotaExhausted,
    );
}

#[test]
fn self_hosted_servers() {
    let c = expect(
        404,
        r#"{"object":"error","message":"The model `foo` does not exist.","type":"NotFoundError","param":null,"code":404}"#,
        ErrorClass::NotFound,
    );
    assert_eq!(c.provider, Some(Provider::Vllm));
    expect(
        400,
        r#"{"object":"error","message":"'max_tokens' or 'max_completion_tokens' is too large: 5000. This model's maximum context length is 4096 tokens and your request has 100 input tokens (5000 > 4096 - 100).","type":"BadRequestError","param":null,"code":400}"#,
        ErrorClass::ContextLengthExceeded,
    );
    let c = expect(
        404,
        r#"{"error":"model 'llama3' not found, try pulling it first"}"#,
        ErrorClass::NotFound,
    );
    assert_eq!(c.provider, Some(Provider::Ollama));
    expect(
        500,
        r#"{"error":"llama runner process has terminated: exit status 2"}"#,
        ErrorClass::ServerError,
    );
    expect(
        400,
        r#"{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":4096}}"#,
        ErrorClass::ContextLengthExceeded,
    );
    expect(
        422,
        r#"{"error":"Input validation error: `inputs` tokens + `max_new_tokens` must be <= 8192. Given: 8000 `inputs` tokens and 1024 `max_new_tokens`","error_type":"validation"}"#,
        ErrorClass::ContextLengthExceeded,
    );
    expect(
        429,
        r#"{"error":"Model is overloaded","error_type":"overloaded"}"#,
        ErrorClass::Overloaded,
    );
    expect(
        400,
        r#"{"message":"too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 5000. Try using a shorter prompt."}"#,
        ErrorClass::ContextLengthExceeded,
    );
    expect(404, r#"{"detail":"Not Found"}"#, ErrorClass::NotFound);
    let c = expect(
        422,
        r#"{"detail":[{"loc":["body","messages",0,"role"],"msg":"field required","type":"value_error.missing"}]}"#,
        ErrorClass::InvalidRequest,
    );
    assert_eq!(c.message, "body.messages.0.role: field required");
}

#[test]
fn proxies_pages_and_sdk_renderings() {
    let c = expect(
        502,
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>",
        ErrorClass::ServerError,
    );
    assert_eq!(c.message, "502 Bad Gateway");
    expect(
        503,
        "upstream connect error or disconnect/reset before headers. reset reason: connection failure",
        ErrorClass::ServerError,
    );
    expect(504, "upstream request timeout", ErrorClass::Timeout);
    expect(524, "<!DOCTYPE html><html><head><title>example.com | 524: A timeout occurred</title></head></html>", ErrorClass::Timeout);
    expect(429, "Too Many Requests", ErrorClass::RateLimited);
    let c = expect(
        429,
        r#"{"error":{"message":"litellm.RateLimitError: AzureException RateLimitError - Requests to the ChatCompletions_Create Operation have exceeded call rate limit. Please retry after 20 seconds.","type":"throttling_error","param":null,"code":"429"}}"#,
        ErrorClass::RateLimited,
    );
    assert_eq!(c.retry_after_ms, Some(20_000));
    expect(
        400,
        r#"{"error":{"message":"litellm.ContextWindowExceededError: litellm.BadRequestError: ContextWindowExceededError: OpenAIException - This model's maximum context length is 8192 tokens.","type":null,"param":null,"code":"400"}}"#,
        ErrorClass::ContextLengthExceeded,
    );
    let c = expect(
        429,
        "Error code: 429 - {'error': {'message': 'Rate limit reached for gpt-4o. Please try again in 20s.', 'type': 'tokens', 'param': None, 'code': 'rate_limit_exceeded'}}",
        ErrorClass::RateLimited,
    );
    assert_eq!(c.retry_after_ms, Some(20_000));
    assert_eq!(
        c.message,
        "Rate limit reached for gpt-4o. Please try again in 20s."
    );
    let c = expect(400, "Error code: 400", ErrorClass::InvalidRequest);
    assert!(!c.message.starts_with("Error code"), "{}", c.message);
    expect(
        503,
        "503 The model is overloaded. Please try again later.",
        ErrorClass::Overloaded,
    );
}

#[test]
fn success_bodies_are_judged_for_usability() {
    let c = expect(
        200,
        "data: {\"error\":{\"message\":\"The server had an error while processing your request. Sorry about that!\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n",
        ErrorClass::ServerError,
    );
    assert!(c.retryable);
    expect(
        200,
        ": keep-alive\n\n: keep-alive\n\n",
        ErrorClass::MalformedResponse,
    );
    expect(
        200,
        r#"{"choices":[{"index":0,"message":{"role":"assistant","content":""},"finish_reason":"content_filter"}]}"#,
        ErrorClass::ContentFiltered,
    );
    expect(
        200,
        r#"{"id":"x","choices":[]}"#,
        ErrorClass::MalformedResponse,
    );
    expect(
        200,
        "<html><title>Login</title></html>",
        ErrorClass::MalformedResponse,
    );
    expect(
        200,
        r#"{"candidates":[],"promptFeedback":{"blockReason":"SAFETY"}}"#,
        ErrorClass::ContentFiltered,
    );
    let azure_stream =
        "data: {\"choices\":[],\"prompt_filter_results\":[{\"prompt_index\":0}]}\n\n\
                        data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"},\"index\":0}]}\n\n\
                        data: [DONE]\n\n";
    let c = run(200, &[], azure_stream);
    assert!(
        !c.retryable,
        "a usable completion is not a failure to retry"
    );
    assert!(c.message.contains("usable completion"), "{}", c.message);
}

#[test]
fn retired_models_and_daily_free_tiers() {
    expect(
        400,
        r#"{"error":{"message":"The model `llama3-70b-8192` has been decommissioned and is no longer supported.","type":"invalid_request_error","code":"model_decommissioned"}}"#,
        ErrorClass::NotFound,
    );
    expect(
        400,
        r#"{"error":{"message":"Model Not Exist","type":"invalid_request_error"}}"#,
        ErrorClass::NotFound,
    );
    expect(
        429,
        r#"{"error":{"message":"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day","code":429}}"#,
        ErrorClass::QuotaExhausted,
    );
}

#[test]
fn gateway_and_responses_style_shapes() {
    let c = expect(
        429,
        r#"{"statusCode": 429, "message": "Rate limit is exceeded. Try again in 59 seconds."}"#,
        ErrorClass::RateLimited,
    );
    assert_eq!(c.retry_after_ms, Some(59_000));
    let c = expect(
        200,
        "event: error\ndata: {\"type\":\"error\",\"code\":\"rate_limit_exceeded\",\"message\":\"Rate limit reached\",\"param\":null}\n\n",
        ErrorClass::RateLimited,
    );
    assert_eq!(c.provider_code.as_deref(), Some("rate_limit_exceeded"));
    expect(
        400,
        r#"{"type":"error","error":{"type":"invalid_request_error","message":"Output blocked by content filtering policy"}}"#,
        ErrorClass::ContentFiltered,
    );
    expect(
        403,
        r#"{"error":{"code":403,"message":"Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.","status":"PERMISSION_DENIED"}}"#,
        ErrorClass::Authentication,
    );
    expect(
        400,
        r#"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for claude-sonnet"}}"#,
        ErrorClass::InvalidRequest,
    );
}

#[test]
fn busy_and_queue_wordings_are_overload() {
    expect(
        503,
        r#"{"message":"We're experiencing high traffic right now! Please try again soon.","type":"too_many_requests_error","code":"queue_exceeded"}"#,
        ErrorClass::Overloaded,
    );
    expect(
        429,
        r#"{"detail":{"status":"system_busy","message":"The system is too busy, please retry."}}"#,
        ErrorClass::Overloaded,
    );
    expect(
        429,
        r#"{"error":{"message":"Concurrency limit reached for requests","code":"too_many_concurrent_requests"}}"#,
        ErrorClass::RateLimited,
    );
}

#[test]
fn an_error_inside_a_streamed_choice_is_read() {
    let stream = "data: {\"id\":\"g1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n\
                  data: {\"id\":\"g1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\",\"error\":{\"code\":502,\"message\":\"Provider disconnected\"}}]}\n\n";
    let c = expect(200, stream, ErrorClass::ServerError);
    assert_eq!(c.message, "Provider disconnected");
}
