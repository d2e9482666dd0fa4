//! Wire behaviour of every built-in scenario, observed with a raw-socket client.

use std::time::{Duration, Instant};

use crate::raw_http::*;
use serde_json::{json, Value};

fn statuses(port: u16, path: &str, body: &Value, count: usize) -> Vec<u16> {
    (0..count)
        .map(|_| ok(post(port, path, body)).status)
        .collect()
}

fn error_message(response: &Response) -> String {
    let body = response.json();
    let error = if body.is_array() {
        &body[0]["error"]
    } else {
        &body["error"]
    };
    error["message"].as_str().unwrap_or_default().to_string()
}

#[test]
fn echo_is_a_valid_completion_of_the_requested_model_with_a_unique_request_id() {
    let server = start();
    let first = ok(post(
        server.port(),
        "/v1/chat/completions",
        &chat_body("hello mock"),
    ));
    assert_eq!(first.status, 200);
    assert_eq!(first.header("content-type"), Some("application/json"));
    let body = first.json();
    assert_eq!(body["object"], "chat.completion");
    assert_eq!(body["model"], "test-model");
    assert!(body["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("chatcmpl-")));
    assert!(body["created"].as_u64().is_some());
    let choice = &body["choices"][0];
    assert_eq!(
        (choice["index"].clone(), choice["finish_reason"].clone()),
        (json!(0), json!("stop"))
    );
    assert_eq!(
        choice["message"],
        json!({"role": "assistant", "content": "hello mock"})
    );
    let usage = &body["usage"];
    let tokens = |k: &str| usage[k].as_u64().unwrap_or_else(|| panic!("usage.{k}"));
    assert_eq!(
        tokens("total_tokens"),
        tokens("prompt_tokens") + tokens("completion_tokens")
    );
    assert!(tokens("completion_tokens") > 0);

    let second = ok(post(
        server.port(),
        "/v1/chat/completions",
        &chat_body("again"),
    ));
    let (id1, id2) = (first.header("x-request-id"), second.header("x-request-id"));
    assert!(
        id1.is_some() && id2.is_some() && id1 != id2,
        "{id1:?} {id2:?}"
    );
}

#[test]
fn echo_streams_chunks_then_usage_then_done() {
    let server = start();
    let mut body = stream_body("one two three");
    body["stream_options"] = json!({"include_usage": true});
    let response = ok(post(server.port(), &chat_path("echo", "stream"), &body));
    assert_eq!(response.status, 200);
    assert!(response
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/event-stream")));
    let data = response.sse_data();
    assert_eq!(data.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<Value> = data[..data.len() - 1]
        .iter()
        .map(|d| serde_json::from_str(d).unwrap_or_else(|e| panic!("{e}: {d}")))
        .collect();
    assert!(chunks
        .iter()
        .all(|c| c["object"] == "chat.completion.chunk" && c["model"] == "test-model"));
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "one two three");
    let usage_chunk = chunks.last().unwrap_or_else(|| panic!("no chunks"));
    assert_eq!(usage_chunk["choices"], json!([]));
    assert!(usage_chunk["usage"]["total_tokens"].as_u64().is_some());
}

#[test]
fn tool_call_calls_the_chosen_tool_with_its_required_arguments() {
    let server = start();
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "weather?"}],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {
            "type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"]}}}]});
    let response = ok(post(
        server.port(),
        &chat_path("tool_call:parallel=2", "t"),
        &body,
    ));
    let message = &response.json()["choices"][0]["message"];
    let calls = message["tool_calls"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(calls.len(), 2);
    for call in &calls {
        assert_eq!(call["type"], "function");
        assert_eq!(call["function"]["name"], "get_weather");
        let arguments: Value =
            serde_json::from_str(call["function"]["arguments"].as_str().unwrap_or(""))
                .unwrap_or_default();
        assert_eq!(arguments, json!({"city": "mock"}));
    }
    assert_eq!(response.json()["choices"][0]["finish_reason"], "tool_calls");

    let mut streamed = body.clone();
    streamed["stream"] = json!(true);
    let data = ok(post(
        server.port(),
        &chat_path("tool_call", "t2"),
        &streamed,
    ))
    .sse_data();
    assert!(data
        .iter()
        .any(|d| d.contains("\"tool_calls\"") && d.contains("get_weather")));
    assert!(data
        .iter()
        .any(|d| d.contains("\"finish_reason\":\"tool_calls\"")));
}

#[test]
fn gemini_unknown_field_400_is_list_wrapped_with_field_violations() {
    let server = start();
    let response = ok(post(
        server.port(),
        &gemini_path("gemini_unknown_field_400", "g"),
        &chat_body("x"),
    ));
    assert_eq!(response.status, 400);
    let body = response.json();
    let error = &body[0]["error"];
    assert_eq!(error["status"], "INVALID_ARGUMENT");
    assert_eq!(error["code"], 400);
    assert_eq!(
        error["message"],
        "Invalid JSON payload received. Unknown name \"additionalProperties\" at 'tools[0].function_declarations[1].parameters.properties[0].value.items': Cannot find field."
    );
    assert_eq!(
        error["details"][0]["@type"],
        "type.googleapis.com/google.rpc.BadRequest"
    );
    assert!(error["details"][0]["fieldViolations"][0]["field"]
        .as_str()
        .is_some());
    let custom = ok(post(
        server.port(),
        &chat_path("gemini_unknown_field_400:field=$schema", "g"),
        &chat_body("x"),
    ));
    assert!(error_message(&custom).contains("Unknown name \"$schema\""));
}

#[test]
fn invalid_api_key_follows_the_endpoint_format() {
    let server = start();
    let gemini = ok(post(
        server.port(),
        &gemini_path("invalid_api_key", "k"),
        &chat_body("x"),
    ));
    assert_eq!(gemini.status, 400);
    assert_eq!(
        gemini.json()["error"]["details"][0]["reason"],
        "API_KEY_INVALID"
    );
    let openai = ok(post(
        server.port(),
        &chat_path("invalid_api_key", "k"),
        &chat_body("x"),
    ));
    assert_eq!(openai.status, 401);
    assert_eq!(openai.json()["error"]["code"], "invalid_api_key");
    let forced = ok(post(
        server.port(),
        &chat_path("invalid_api_key:format=gemini", "k"),
        &chat_body("x"),
    ));
    assert_eq!(forced.status, 400);
}

#[test]
fn quota_exhausted_is_a_per_day_quota_failure_or_insufficient_quota() {
    let server = start();
    let gemini = ok(post(
        server.port(),
        &gemini_path("quota_exhausted", "q"),
        &chat_body("x"),
    ));
    assert_eq!(gemini.status, 429);
    let violations = gemini.json()["error"]["details"][0]["violations"].clone();
    assert!(violations.as_array().is_some_and(|v| v
        .iter()
        .any(|v| v["quotaId"].as_str().is_some_and(|q| q.contains("PerDay")))));
    let openai = ok(post(
        server.port(),
        &chat_path("quota_exhausted", "q"),
        &chat_body("x"),
    ));
    assert_eq!(openai.status, 429);
    assert_eq!(openai.json()["error"]["type"], "insufficient_quota");
    assert_eq!(
        statuses(
            server.port(),
            &chat_path("quota_exhausted", "q"),
            &chat_body("x"),
            2
        ),
        vec![429, 429]
    );
}

#[test]
fn rate_limited_then_ok_sends_no_hint() {
    let server = start();
    let response = ok(post(
        server.port(),
        &chat_path("rate_limited_then_ok:n=2", "r"),
        &chat_body("x"),
    ));
    assert_eq!(response.status, 429);
    assert!(
        response.header("retry-after").is_none() && response.header("retry-after-ms").is_none()
    );
    assert_eq!(
        statuses(
            server.port(),
            &chat_path("rate_limited_then_ok:n=2", "r"),
            &chat_body("x"),
            2
        ),
        vec![429, 200]
    );
}

#[test]
fn retry_info_gate_repeats_the_429_to_early_arrivals() {
    let server = start();
    let path = gemini_path("retry_info_then_ok:ms=60000", "early");
    let first = ok(post(server.port(), &path, &chat_body("x")));
    assert_eq!(first.status, 429);
    assert_eq!(first.json()["error"]["details"][1]["retryDelay"], "60s");
    // Arrivals within the minute get the same 429 and do not advance the scenario.
    assert_eq!(
        statuses(server.port(), &path, &chat_body("x"), 3),
        vec![429, 429, 429]
    );

    let openai = ok(post(
        server.port(),
        &chat_path("retry_info_then_ok:ms=300", "openai"),
        &chat_body("x"),
    ));
    assert!(
        error_message(&openai).contains("Please try again in 300ms."),
        "{}",
        openai.text()
    );
}

#[test]
fn retry_info_gate_opens_once_the_delay_has_passed() {
    let server = start();
    let path = gemini_path("retry_info_then_ok:ms=200", "late");
    let first = ok(post(server.port(), &path, &chat_body("x")));
    assert_eq!(first.json()["error"]["details"][1]["retryDelay"], "0.2s");
    std::thread::sleep(Duration::from_millis(250));
    assert_eq!(
        statuses(server.port(), &path, &chat_body("x"), 2),
        vec![200, 200]
    );
}

#[test]
fn retry_after_headers_carry_seconds_dates_and_milliseconds() {
    let server = start();
    let seconds = ok(post(
        server.port(),
        &chat_path("retry_after_then_ok:s=30", "s"),
        &chat_body("x"),
    ));
    assert_eq!(
        (seconds.status, seconds.header("retry-after")),
        (429, Some("30"))
    );
    assert_eq!(
        ok(post(
            server.port(),
            &chat_path("retry_after_then_ok:s=30", "s"),
            &chat_body("x")
        ))
        .status,
        429
    );

    let date = ok(post(
        server.port(),
        &chat_path("retry_after_date_then_ok:s=30", "d"),
        &chat_body("x"),
    ));
    let value = date.header("retry-after").unwrap_or_default();
    assert!(value.ends_with(" GMT") && value.len() == 29, "{value}");

    let path = chat_path("retry_after_ms_then_ok:ms=200", "ms");
    let millis = ok(post(server.port(), &path, &chat_body("x")));
    assert_eq!(
        (millis.status, millis.header("retry-after-ms")),
        (429, Some("200"))
    );
    std::thread::sleep(Duration::from_millis(250));
    assert_eq!(ok(post(server.port(), &path, &chat_body("x"))).status, 200);
}

#[test]
fn retry_after_too_long_asks_for_a_day_every_time() {
    let server = start();
    for _ in 0..2 {
        let response = ok(post(
            server.port(),
            &chat_path("retry_after_too_long", "long"),
            &chat_body("x"),
        ));
        assert_eq!(
            (response.status, response.header("retry-after")),
            (429, Some("86400"))
        );
        assert!(error_message(&response).contains("Please retry after 86400 seconds"));
    }
}

#[test]
fn overloaded_then_ok_sends_n_503s_in_the_endpoint_format() {
    let server = start();
    let path = gemini_path("overloaded_then_ok", "o");
    let first = ok(post(server.port(), &path, &chat_body("x")));
    assert_eq!(first.json()["error"]["status"], "UNAVAILABLE");
    assert_eq!(
        statuses(server.port(), &path, &chat_body("x"), 4),
        vec![503, 503, 200, 200]
    );
    let openai = ok(post(
        server.port(),
        &chat_path("overloaded_then_ok:n=1", "o"),
        &chat_body("x"),
    ));
    assert_eq!(
        (openai.status, openai.json()["error"]["type"].clone()),
        (503, json!("server_error"))
    );
}

#[test]
fn anthropic_529_says_retry() {
    let server = start();
    let path = chat_path("anthropic_overloaded_529_then_ok", "a");
    let response = ok(post(server.port(), &path, &chat_body("x")));
    assert_eq!(
        (response.status, response.header("x-should-retry")),
        (529, Some("true"))
    );
    assert_eq!(response.json()["error"]["type"], "overloaded_error");
    assert_eq!(ok(post(server.port(), &path, &chat_body("x"))).status, 200);
}

#[test]
fn html_gateway_pages_are_not_json() {
    let server = start();
    let nginx = ok(post(
        server.port(),
        &chat_path("bad_gateway_html_then_ok", "h"),
        &chat_body("x"),
    ));
    assert_eq!(nginx.status, 502);
    assert!(nginx
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/html")));
    assert!(nginx.text().contains("<center>nginx</center>"));
    assert!(serde_json::from_slice::<Value>(&nginx.body).is_err());
    assert_eq!(
        ok(post(
            server.port(),
            &chat_path("bad_gateway_html_then_ok", "h"),
            &chat_body("x")
        ))
        .status,
        200
    );
    let cloudflare = ok(post(
        server.port(),
        &chat_path("bad_gateway_html_then_ok:page=cloudflare", "h"),
        &chat_body("x"),
    ));
    assert!(cloudflare.text().contains("502: Bad gateway"));
    let timeout = ok(post(
        server.port(),
        &chat_path("gateway_timeout_html_then_ok", "h"),
        &chat_body("x"),
    ));
    assert_eq!(timeout.status, 504);
}

#[test]
fn server_errors_always_and_with_a_no_retry_hint() {
    let server = start();
    for _ in 0..2 {
        let response = ok(post(
            server.port(),
            &chat_path("server_error_no_retry", "e"),
            &chat_body("x"),
        ));
        assert_eq!(
            (response.status, response.header("x-should-retry")),
            (500, Some("false"))
        );
    }
    let gemini = ok(post(
        server.port(),
        &gemini_path("always_500", "e"),
        &chat_body("x"),
    ));
    assert_eq!(
        (gemini.status, gemini.json()["error"]["status"].clone()),
        (500, json!("INTERNAL"))
    );
    let openai = ok(post(
        server.port(),
        &chat_path("always_500", "e"),
        &chat_body("x"),
    ));
    assert_eq!(openai.json()["error"]["type"], "server_error");
    assert_eq!(
        statuses(
            server.port(),
            &chat_path("always_500", "e"),
            &chat_body("x"),
            3
        ),
        vec![500; 3]
    );
}

#[test]
fn reset_before_headers_is_a_connection_reset_then_ok() {
    let server = start();
    let path = chat_path("reset_before_headers_then_ok", "rst");
    assert_eq!(
        post(server.port(), &path, &chat_body("x")).map(|r| r.status),
        Err(WireError::Reset)
    );
    assert_eq!(ok(post(server.port(), &path, &chat_body("x"))).status, 200);
}

#[test]
fn reset_mid_body_cuts_a_200_short_then_ok() {
    let server = start();
    let path = chat_path("reset_mid_body_then_ok", "mid");
    match post(server.port(), &path, &chat_body("x")) {
        Err(WireError::Reset) => {}
        Err(WireError::EndedEarly {
            head: true,
            status: Some(200),
            ..
        }) => {}
        other => panic!("expected a reset mid-body, got {other:?}"),
    }
    assert_eq!(ok(post(server.port(), &path, &chat_body("x"))).status, 200);
}

#[test]
fn truncated_chunked_ends_inside_a_chunk_then_ok() {
    let server = start();
    let path = chat_path("truncated_chunked_then_ok:n=2", "chunk");
    for _ in 0..2 {
        match post(server.port(), &path, &chat_body("x")) {
            Err(WireError::EndedEarly {
                head: true,
                status: Some(200),
                body_bytes,
            }) => assert!(body_bytes > 0),
            other => panic!("expected a truncated chunked body, got {other:?}"),
        }
    }
    assert_eq!(ok(post(server.port(), &path, &chat_body("x"))).status, 200);
}

#[test]
fn close_without_response_ends_the_connection_before_any_byte() {
    let server = start();
    let path = chat_path("close_without_response_then_ok", "fin");
    assert_eq!(
        post(server.port(), &path, &chat_body("x")).map(|r| r.status),
        Err(WireError::EndedEarly {
            head: false,
            status: None,
            body_bytes: 0
        })
    );
    assert_eq!(ok(post(server.port(), &path, &chat_body("x"))).status, 200);
}

#[test]
fn slow_headers_are_not_answered_before_the_delay() {
    let server = start();
    let response = ok(post(
        server.port(),
        &chat_path("slow_headers:delay_ms=300", "slow"),
        &chat_body("x"),
    ));
    assert_eq!(response.status, 200);
    assert!(
        response.head_after >= Duration::from_millis(300),
        "{:?}",
        response.head_after
    );
}

#[test]
fn slow_body_arrives_in_pieces_but_complete() {
    let server = start();
    let started = Instant::now();
    let response = ok(post(
        server.port(),
        &chat_path("slow_body:pieces=3,interval_ms=100", "sb"),
        &chat_body("slow"),
    ));
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(response.json()["choices"][0]["message"]["content"], "slow");
}

#[test]
fn huge_body_is_a_valid_completion_of_the_requested_size() {
    let server = start();
    let response = ok(post(
        server.port(),
        &chat_path("huge_body:size=2mb", "big"),
        &chat_body("x"),
    ));
    assert_eq!(response.body.len(), 2 * 1024 * 1024);
    let content_len = response.json()["choices"][0]["message"]["content"]
        .as_str()
        .map_or(0, str::len);
    assert!(content_len > 2_000_000);
    let streamed = ok(post(
        server.port(),
        &chat_path("huge_body:size=200kb", "big"),
        &stream_body("x"),
    ));
    assert!(streamed.body.len() > 200 * 1024);
    assert_eq!(
        streamed.sse_data().last().map(String::as_str),
        Some("[DONE]")
    );
}

#[test]
fn malformed_200s_then_ok() {
    let server = start();
    let port = server.port();
    let empty_choices = ok(post(
        port,
        &chat_path("empty_choices_then_ok", "m"),
        &chat_body("x"),
    ));
    assert_eq!(
        (
            empty_choices.status,
            empty_choices.json()["choices"].clone()
        ),
        (200, json!([]))
    );
    let empty_content = ok(post(
        port,
        &chat_path("empty_content_then_ok", "m"),
        &chat_body("x"),
    ));
    assert_eq!(
        empty_content.json()["choices"][0]["message"]["content"],
        Value::Null
    );
    let empty_body = ok(post(
        port,
        &chat_path("empty_body_then_ok", "m"),
        &chat_body("x"),
    ));
    assert_eq!((empty_body.status, empty_body.body.len()), (200, 0));
    let invalid = ok(post(
        port,
        &chat_path("invalid_json_then_ok", "m"),
        &chat_body("x"),
    ));
    assert_eq!(
        (invalid.status, invalid.header("content-type")),
        (200, Some("application/json"))
    );
    assert!(serde_json::from_slice::<Value>(&invalid.body).is_err());
    for scenario in [
        "empty_choices_then_ok",
        "empty_content_then_ok",
        "empty_body_then_ok",
        "invalid_json_then_ok",
    ] {
        let after = ok(post(port, &chat_path(scenario, "m"), &chat_body("fine")));
        assert_eq!(
            after.json()["choices"][0]["message"]["content"],
            "fine",
            "{scenario}"
        );
    }
}

#[test]
fn stream_error_event_follows_the_chunks_in_either_shape() {
    let server = start();
    let path = gemini_path("stream_error_after_chunks:chunks=2", "se");
    let data = ok(post(server.port(), &path, &stream_body("a b c d"))).sse_data();
    assert_eq!(data.len(), 3, "{data:?}");
    let event: Value = serde_json::from_str(&data[2]).unwrap_or_default();
    assert_eq!(event["error"]["status"], "UNAVAILABLE");
    assert!(!data.contains(&"[DONE]".to_string()));
    // n=1: the next stream is whole.
    let whole = ok(post(server.port(), &path, &stream_body("a b"))).sse_data();
    assert_eq!(whole.last().map(String::as_str), Some("[DONE]"));

    let openai = ok(post(
        server.port(),
        &chat_path("stream_error_after_chunks:chunks=1", "se"),
        &stream_body("a b"),
    ))
    .sse_data();
    let event: Value = serde_json::from_str(&openai[1]).unwrap_or_default();
    assert_eq!(event["error"]["type"], "server_error");
}

#[test]
fn stream_stall_goes_silent_after_the_first_chunks() {
    let server = start();
    let started = Instant::now();
    let response = ok(post(
        server.port(),
        &chat_path("stream_stall:chunks=2,stall_ms=300", "stall"),
        &stream_body("a b c"),
    ));
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        response.sse_data().last().map(String::as_str),
        Some("[DONE]")
    );

    // A client with a short idle timeout sees the stall as a timeout after the first chunks.
    let mut connection = Connection::open(server.port());
    let body = stream_body("a b c").to_string();
    connection
        .send(
            "POST",
            &chat_path("stream_stall:stall_ms=60000", "stall2"),
            &[],
            body.as_bytes(),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
    connection
        .stream()
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        connection.read_response().map(|r| r.status),
        Err(WireError::Timeout)
    );
    // Dropping the server with the stalled stream open must not hang (see mock_server.rs too).
}

#[test]
fn stream_end_without_done_ends_cleanly_but_without_the_marker() {
    let server = start();
    let data = ok(post(
        server.port(),
        &chat_path("stream_end_without_done", "nd"),
        &stream_body("a b"),
    ))
    .sse_data();
    assert!(!data.is_empty());
    assert!(!data.contains(&"[DONE]".to_string()));
    assert!(data
        .iter()
        .any(|d| d.contains("\"finish_reason\":\"stop\"")));
    // A non-streaming request gets the plain reply.
    assert_eq!(
        ok(post(
            server.port(),
            &chat_path("stream_end_without_done:n=5", "nd2"),
            &chat_body("a")
        ))
        .status,
        200
    );
}

#[test]
fn model_not_found_names_the_requested_model() {
    let server = start();
    let gemini = ok(post(
        server.port(),
        &gemini_path("model_not_found_404", "nf"),
        &chat_body("x"),
    ));
    assert_eq!(gemini.status, 404);
    assert!(
        error_message(&gemini).starts_with("models/test-model is not found for API version v1beta")
    );
    let openai = ok(post(
        server.port(),
        &chat_path("model_not_found_404", "nf"),
        &chat_body("x"),
    ));
    assert!(error_message(&openai).contains("`test-model` does not exist"));
    assert_eq!(openai.json()["error"]["code"], "model_not_found");
}

#[test]
fn context_length_exceeded_carries_the_token_figures() {
    let server = start();
    let openai = ok(post(
        server.port(),
        &chat_path("context_length_exceeded", "cl"),
        &chat_body("x"),
    ));
    assert_eq!(openai.status, 400);
    assert!(error_message(&openai).starts_with(
        "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens"
    ));
    assert_eq!(openai.json()["error"]["code"], "context_length_exceeded");
    let gemini = ok(post(
        server.port(),
        &gemini_path("context_length_exceeded:limit=1048576,tokens=1091639", "cl"),
        &chat_body("x"),
    ));
    assert_eq!(
        error_message(&gemini),
        "The input token count (1091639) exceeds the maximum number of tokens allowed (1048576)."
    );
}

#[test]
fn conflict_and_request_too_large() {
    let server = start();
    assert_eq!(
        statuses(
            server.port(),
            &chat_path("conflict_409_then_ok", "c"),
            &chat_body("x"),
            2
        ),
        vec![409, 200]
    );
    let json_413 = ok(post(
        server.port(),
        &chat_path("request_too_large_413", "c"),
        &chat_body("x"),
    ));
    assert_eq!(
        (json_413.status, json_413.json()["error"]["type"].clone()),
        (413, json!("request_too_large"))
    );
    let nginx = ok(post(
        server.port(),
        &chat_path("request_too_large_413:page=nginx", "c"),
        &chat_body("x"),
    ));
    assert!(nginx.text().contains("413 Request Entity Too Large"));
}

#[test]
fn headers_select_scenarios_on_the_azure_path() {
    let server = start();
    let headers = [
        ("x-llmwire-scenario", "overloaded_then_ok:n=1"),
        ("x-llmwire-session", "azure-1"),
        ("api-key", "secret"),
    ];
    let path = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-02-01";
    let first = ok(post_with(server.port(), path, &headers, &chat_body("x")));
    assert_eq!(first.status, 503);
    assert_eq!(
        ok(post_with(server.port(), path, &headers, &chat_body("x"))).status,
        200
    );
}

#[test]
fn bad_scenario_specs_are_answered_by_the_mock_naming_the_problem() {
    let server = start();
    let unknown = ok(post(
        server.port(),
        &chat_path("no_such_scenario", "b"),
        &chat_body("x"),
    ));
    assert_eq!(
        (unknown.status, unknown.header("x-llmwire-mock-error")),
        (400, Some("1"))
    );
    assert_eq!(unknown.json()["error"]["type"], "llmwire_mock_error");
    assert!(error_message(&unknown).contains("no_such_scenario"));
    let bad_param = ok(post(
        server.port(),
        &chat_path("overloaded_then_ok:count=3", "b"),
        &chat_body("x"),
    ));
    assert!(
        error_message(&bad_param).contains("\"count\""),
        "{}",
        bad_param.text()
    );
    let bad_value = ok(post(
        server.port(),
        &chat_path("slow_headers:delay_ms=soon", "b"),
        &chat_body("x"),
    ));
    assert!(error_message(&bad_value).contains("delay_ms=soon"));
}

#[test]
fn every_builtin_scenario_answers_on_both_endpoints_and_both_modes() {
    let server = start();
    let quick = |name: &str| match name {
        "slow_headers" => "slow_headers:delay_ms=1".to_string(),
        "slow_body" => "slow_body:interval_ms=1".to_string(),
        "huge_body" => "huge_body:size=1kb".to_string(),
        "stream_stall" => "stream_stall:stall_ms=1".to_string(),
        "stream_keepalive_only" => "stream_keepalive_only:stall_ms=1".to_string(),
        "trickle_body" => "trickle_body:interval_ms=1".to_string(),
        other => other.to_string(),
    };
    let faults = [
        "reset_before_headers_then_ok",
        "reset_mid_body_then_ok",
        "truncated_chunked_then_ok",
        "close_without_response_then_ok",
    ];
    for (name, _, _) in llmwire::mock::builtin_scenarios() {
        for (mode, body) in [
            ("plain", chat_body("sweep")),
            ("stream", stream_body("sweep")),
        ] {
            for path in [
                chat_path(&quick(name), mode),
                gemini_path(&quick(name), &format!("{mode}-gemini")),
            ] {
                match post(server.port(), &path, &body) {
                    Ok(response) => {
                        assert!((200..600).contains(&response.status), "{path}");
                        assert!(response.header("x-request-id").is_some(), "{path}");
                        assert!(
                            response.header("x-llmwire-mock-error").is_none(),
                            "{path}: {}",
                            response.text()
                        );
                    }
                    Err(error) => assert!(faults.contains(&name), "{path}: {error:?}"),
                }
            }
        }
    }
}

#[test]
fn stall_stream_fault_goes_silent_then_cuts_the_stream() {
    let document = r#"{"scenarios": {"cut_after_silence": {"steps": [
        {"fault": "stall_stream", "chunks": 1, "stall_ms": 200},
        {"reply": "echo"}
    ]}}}"#;
    let server = start_with(llmwire::mock::MockOptions {
        scenario_documents: vec![document.to_string()],
        ..llmwire::mock::MockOptions::default()
    });
    let started = Instant::now();
    match post(
        server.port(),
        &chat_path("cut_after_silence", "s"),
        &stream_body("a b"),
    ) {
        Err(WireError::EndedEarly {
            head: true,
            status: Some(200),
            body_bytes,
        }) => assert!(body_bytes > 0),
        other => panic!("expected a stream cut after its first chunk, got {other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(
        ok(post(
            server.port(),
            &chat_path("cut_after_silence", "s"),
            &stream_body("a b")
        ))
        .status,
        200
    );
}

#[test]
fn absurd_delays_neither_panic_nor_block_shutdown() {
    let server = start();
    let mut connection = Connection::open(server.port());
    let body = chat_body("x").to_string();
    connection
        .send(
            "POST",
            &chat_path("slow_headers:delay_ms=18446744073709551615", "absurd"),
            &[],
            body.as_bytes(),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
    let huge_chunk = "POST /v1/chat/completions HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\nffffffffffffffff\r\n";
    let mut chunked = Connection::open(server.port());
    chunked
        .send_raw(huge_chunk.as_bytes())
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(chunked.read_response().map(|r| r.status), Ok(413));
    // The server is still up, and stops at once despite the endless delay under way.
    assert_eq!(ok(get(server.port(), "/_mock/health")).status, 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.requests("absurd")["requests"]
        .as_array()
        .map_or(0, Vec::len)
        == 0
    {
        assert!(Instant::now() < deadline, "the slow request never arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
    let started = Instant::now();
    server.shutdown();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(connection.is_closed_by_server(Duration::from_secs(5)));
}
