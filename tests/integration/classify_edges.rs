//! Edges: odd bytes, huge bodies, wrappers inside wrappers, empty bodies, transport faults, and
//! every server class reachable from some response.

use std::time::SystemTime;

use llmwire::classify::{
    classify, completion_is_usable, usable_completion, Classification, ClassifyInput,
    TransportFault,
};
use llmwire::provider::Provider;
use llmwire::ErrorClass;

fn run(status: u16, body: impl Into<Vec<u8>>) -> Classification {
    classify(
        &ClassifyInput::response(status, &[], body),
        SystemTime::UNIX_EPOCH,
    )
}

#[test]
fn non_utf8_bytes_are_read_lossily() {
    let mut body = br#"{"error":{"message":"bad byte "#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(
        br#" here","type":"invalid_request_error","code":"context_length_exceeded"}}"#,
    );
    let c = run(400, body);
    assert_eq!(c.class, ErrorClass::ContextLengthExceeded);
    assert!(c.message.starts_with("bad byte \u{FFFD}"), "{}", c.message);

    let c = run(502, vec![0xc3, 0x28, 0xa0, 0xa1, b' ', b'x']);
    assert_eq!(c.class, ErrorClass::ServerError);
    assert!(!c.message.is_empty());
}

#[test]
fn ten_megabyte_bodies_classify_correctly() {
    const SIZE: usize = 10 * 1024 * 1024;
    let padding = "x".repeat(SIZE);

    let body = format!(
        r#"{{"error":{{"message":"This model's maximum context length is 8192 tokens. {padding}","type":"invalid_request_error","code":"context_length_exceeded"}}}}"#
    );
    let c = run(400, body);
    assert_eq!(c.class, ErrorClass::ContextLengthExceeded);
    assert!(c.message.len() < 8 * 1024, "the message is capped");

    let completion =
        format!(r#"{{"choices":[{{"message":{{"role":"assistant","content":"{padding}"}}}}]}}"#);
    assert!(completion_is_usable(completion.as_bytes()).is_ok());

    let truncated = format!(
        r#"{{"error":{{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED","details":"{padding}"#
    );
    let c = run(429, truncated);
    assert_eq!(c.class, ErrorClass::RateLimited);
    assert_eq!(c.message, "Resource exhausted");

    let mut stream = String::with_capacity(SIZE + 200);
    while stream.len() < SIZE {
        stream.push_str("data: {\"choices\":[{\"delta\":{\"content\":\"token \"}}]}\n\n");
    }
    stream.push_str(
        "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}\n\n",
    );
    let c = run(200, stream);
    assert_eq!(
        c.class,
        ErrorClass::ServerError,
        "the error event at the end is found"
    );

    let c = run(
        503,
        format!("<html><head><title>503 Service Temporarily Unavailable</title></head>{padding}"),
    );
    assert_eq!(c.class, ErrorClass::ServerError);
    assert_eq!(c.message, "503 Service Temporarily Unavailable");

    let c = run(500, format!("{{{padding}"));
    assert_eq!(c.class, ErrorClass::ServerError);

    let deep = "[".repeat(SIZE);
    let c = run(400, deep);
    assert_eq!(c.class, ErrorClass::InvalidRequest);
}

#[test]
fn list_wrapped_google_errors_are_unwrapped() {
    let body = r#"[{"error":{"code":404,"message":"models/gemini-9 is not found for API version v1beta.","status":"NOT_FOUND"}}]"#;
    let c = run(404, body);
    assert_eq!(c.class, ErrorClass::NotFound);
    assert_eq!(c.provider_status.as_deref(), Some("NOT_FOUND"));
    assert_eq!(c.provider, Some(Provider::Gemini));
    assert_eq!(
        c.message,
        "models/gemini-9 is not found for API version v1beta."
    );
}

#[test]
fn openrouter_raw_is_read_through_two_wrappers() {
    // OpenRouter → an SDK that put the Google body, as JSON text, in its message.
    let google = r#"{"error":{"code":400,"message":"The input token count (1091639) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}"#;
    let sdk =
        serde_json::json!({"error": {"message": google, "code": 400, "status": "Bad Request"}})
            .to_string();
    let body = serde_json::json!({"error": {"message": "Provider returned error", "code": 400,
        "metadata": {"raw": sdk, "provider_name": "Google"}}})
    .to_string();
    let c = run(400, body);
    assert_eq!(c.class, ErrorClass::ContextLengthExceeded);
    assert_eq!(c.provider, Some(Provider::OpenRouter));
    assert_eq!(c.provider_status.as_deref(), Some("INVALID_ARGUMENT"));
    assert!(
        c.message.starts_with("The input token count"),
        "{}",
        c.message
    );
}

#[test]
fn empty_bodies_are_classified_by_status_and_say_so() {
    for (status, class) in [
        (400, ErrorClass::InvalidRequest),
        (401, ErrorClass::Authentication),
        (402, ErrorClass::QuotaExhausted),
        (403, ErrorClass::PermissionDenied),
        (404, ErrorClass::NotFound),
        (408, ErrorClass::Timeout),
        (409, ErrorClass::Conflict),
        (413, ErrorClass::RequestTooLarge),
        (422, ErrorClass::InvalidRequest),
        (429, ErrorClass::RateLimited),
        (500, ErrorClass::ServerError),
        (502, ErrorClass::ServerError),
        (503, ErrorClass::ServerError),
        (504, ErrorClass::Timeout),
        (529, ErrorClass::Overloaded),
        (200, ErrorClass::MalformedResponse),
    ] {
        for body in ["", "  \r\n\n  "] {
            let c = run(status, body);
            assert_eq!(c.class, class, "{status}");
            assert_eq!(c.message, format!("HTTP {status} with an empty body"));
            assert_eq!(c.retryable, class.retryable_by_default());
        }
    }
}

#[test]
fn every_server_class_is_reachable() {
    let reach = [
        (ErrorClass::RateLimited, run(429, "")),
        (ErrorClass::QuotaExhausted, run(402, "")),
        (ErrorClass::Overloaded, run(529, "")),
        (ErrorClass::ServerError, run(500, "")),
        (ErrorClass::Timeout, run(504, "")),
        (ErrorClass::InvalidRequest, run(400, "")),
        (
            ErrorClass::ContextLengthExceeded,
            run(400, r#"{"error":{"code":"context_length_exceeded"}}"#),
        ),
        (ErrorClass::Authentication, run(401, "")),
        (ErrorClass::PermissionDenied, run(403, "")),
        (ErrorClass::NotFound, run(404, "")),
        (
            ErrorClass::ContentFiltered,
            run(
                400,
                r#"{"error":{"code":"content_filter","message":"filtered"}}"#,
            ),
        ),
        (ErrorClass::RequestTooLarge, run(413, "")),
        (ErrorClass::Conflict, run(409, "")),
        (ErrorClass::MalformedResponse, run(200, "{}")),
    ];
    for (class, c) in reach {
        assert_eq!(c.class, class);
    }
    let network = classify(
        &ClassifyInput {
            transport: Some(TransportFault::Dns),
            ..ClassifyInput::default()
        },
        SystemTime::UNIX_EPOCH,
    );
    assert_eq!(network.class, ErrorClass::Network);
}

#[test]
fn transport_faults_map_to_network_or_timeout() {
    for (fault, class) in [
        ("connection_refused", ErrorClass::Network),
        ("connection_reset", ErrorClass::Network),
        ("connection_closed", ErrorClass::Network),
        ("dns", ErrorClass::Network),
        ("tls", ErrorClass::Network),
        ("truncated", ErrorClass::Network),
        ("timeout", ErrorClass::Timeout),
    ] {
        let input = ClassifyInput::from_json(&format!(r#"{{"transport":"{fault}"}}"#)).unwrap();
        let c = classify(&input, SystemTime::UNIX_EPOCH);
        assert_eq!(c.class, class, "{fault}");
        assert!(c.retryable);
        assert!(c.message.starts_with("transport fault: "), "{}", c.message);
        assert_eq!(c.retry_after_ms, None);
    }
}

#[test]
fn classification_json_has_exactly_the_design_keys() {
    let c = run(
        429,
        r#"{"error":{"message":"slow down","code":"rate_limit_exceeded"}}"#,
    );
    let json = serde_json::to_value(&c).unwrap();
    let mut keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "class",
            "error_type",
            "hint_source",
            "http_status",
            "message",
            "param",
            "provider",
            "provider_code",
            "provider_status",
            "quota_id",
            "request_id",
            "retry_after_ms",
            "retryable"
        ]
    );
    assert_eq!(json["class"], "rate_limited");
    assert_eq!(json["provider"], "generic");
}

#[test]
fn a_named_provider_is_reported_and_auto_detects_otherwise() {
    let body = r#"{"error":{"message":"slow down","type":"tokens","param":null,"code":"rate_limit_exceeded"}}"#;
    let named = ClassifyInput::from_json(
        &serde_json::json!({"provider": "groq", "status": 429, "body": body}).to_string(),
    )
    .unwrap();
    assert_eq!(
        classify(&named, SystemTime::UNIX_EPOCH).provider,
        Some(Provider::Groq)
    );
    let auto = ClassifyInput::from_json(
        &serde_json::json!({"provider": "auto", "status": 429, "body": body}).to_string(),
    )
    .unwrap();
    assert_eq!(
        classify(&auto, SystemTime::UNIX_EPOCH).provider,
        Some(Provider::OpenAI)
    );
}

#[test]
fn usable_and_unusable_completions() {
    assert!(completion_is_usable(br#"{"choices":[{"message":{"content":"hi"}}]}"#).is_ok());
    assert!(completion_is_usable(
        b"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0}]}}]}\n\ndata: [DONE]\n\n"
    )
    .is_ok());
    for (body, why) in [
        (&b""[..], "empty"),
        (b"   \n\n", "empty"),
        (b"not json", "not JSON"),
        (br#"{"choices":[]}"#, "no choices"),
        (
            br#"{"choices":[{"message":{"content":null},"finish_reason":"stop"}]}"#,
            "empty content",
        ),
        (br#"{"error":{"message":"boom"}}"#, "an error"),
        (br#"{"object":"list"}"#, "not a chat completion"),
    ] {
        let err = completion_is_usable(body).unwrap_err();
        assert!(err.contains(why), "{err} should mention {why}");
    }
}

#[test]
fn a_response_without_status_or_fault_is_read_from_its_text() {
    let input = ClassifyInput {
        body: br#"{"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED"}}"#.to_vec(),
        ..ClassifyInput::default()
    };
    assert_eq!(
        classify(&input, SystemTime::UNIX_EPOCH).class,
        ErrorClass::RateLimited
    );
    let c = classify(&ClassifyInput::default(), SystemTime::UNIX_EPOCH);
    assert_eq!(c.class, ErrorClass::Network);
    assert!(!c.message.is_empty());
}

#[test]
fn usable_completion_returns_the_parsed_body_once() {
    let body = br#"{"id":"c1","choices":[{"message":{"content":null,"tool_calls":[{"id":"t"}]}}]}"#;
    assert_eq!(usable_completion(body).unwrap()["id"], "c1");
    assert!(
        usable_completion(b"data: {}\n\n").is_err(),
        "streams go through the assembler"
    );
    assert!(usable_completion(br#"{"error":{"message":"x"}}"#)
        .unwrap_err()
        .contains("error"));
}

#[test]
fn error_text_passed_on_from_a_200_stream_is_read_for_its_words() {
    assert_eq!(
        run(200, "Rate limit exceeded").class,
        ErrorClass::RateLimited
    );
    assert_eq!(
        run(200, "The model is overloaded").class,
        ErrorClass::Overloaded
    );
    assert_eq!(
        run(200, "garbage that says nothing").class,
        ErrorClass::MalformedResponse
    );
    let c = run(200, "event: error\ndata: \n\n");
    assert_eq!(
        c.class,
        ErrorClass::ServerError,
        "an explicit error event with no data"
    );
    assert!(c.retryable);
    let c = run(200, "event: error\ndata: quota: you are out of credits\n\n");
    assert_eq!(c.class, ErrorClass::QuotaExhausted);
}

#[test]
fn an_error_without_words_says_what_it_carries() {
    let c = run(
        429,
        r#"{"error":{"code":429,"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"39s"}]}}"#,
    );
    assert_eq!(c.message, "HTTP 429: an error without a message (429)");
    assert_eq!(c.retry_after_ms, Some(39_000));
    let c = run(500, r#"{"error":{}}"#);
    assert_eq!(c.message, "HTTP 500: an error without a message");
}
