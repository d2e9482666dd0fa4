//! Hostile and odd answers, from a purpose-built loopback server: every response here is bytes the
//! test chose, so the client is seen handling what no well-behaved provider sends — an echoed key
//! in every field, a stream of nothing but comments, a body nested ten thousand deep, a zero
//! `Retry-After`, a redirect, a gzip body nobody asked for.
//!
//! Each test asserts the class, the attempt count and what the error says.

#![allow(clippy::result_large_err)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use llmwire::client::Client;
use llmwire::taxonomy::{ErrorClass, StopReason};
use llmwire::ErrorObject;
use serde_json::{json, Value};

/// A loopback server answering request `n` with `answers[min(n, last)]`, then closing.
struct Hostile {
    port: u16,
    requests: Arc<AtomicUsize>,
    /// The request lines and heads received, in order.
    heads: Arc<Mutex<Vec<String>>>,
}

impl Hostile {
    fn serve(answers: Vec<Vec<u8>>) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicUsize::new(0));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let (count, seen) = (Arc::clone(&requests), Arc::clone(&heads));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let n = count.fetch_add(1, Ordering::SeqCst);
                let answer = answers[n.min(answers.len() - 1)].clone();
                let seen = Arc::clone(&seen);
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream);
                    let mut head = String::new();
                    let mut length = 0;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if let Some(value) =
                            line.to_ascii_lowercase().strip_prefix("content-length:")
                        {
                            length = value.trim().parse().unwrap_or(0);
                        }
                        head.push_str(&line);
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut body = vec![0; length];
                    let _ = reader.read_exact(&mut body);
                    seen.lock().unwrap().push(head);
                    let mut stream = reader.into_inner();
                    let _ = stream.write_all(&answer);
                    let _ = stream.flush();
                });
            }
        });
        Hostile {
            port,
            requests,
            heads,
        }
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// A complete HTTP/1.1 response with a content length.
fn http(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nconnection: close\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

const COMPLETION: &str = r#"{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"fine"},"finish_reason":"stop"}]}"#;

fn client(base_url: &str, extra: Value) -> Client {
    let mut config = json!({
        "base_url": base_url,
        "api_key": "sk-hostile-test-key-0123456789",
        "model": "m",
        "validation": "off",
        "retry": {"initial_backoff_ms": 1, "max_backoff_ms": 5, "jitter": "none"},
    });
    for (key, value) in extra.as_object().cloned().unwrap_or_default() {
        config[key] = value;
    }
    Client::new(&config.to_string()).unwrap_or_else(|e| panic!("{}", e.to_json()))
}

fn hello() -> Value {
    json!({"messages": [{"role": "user", "content": "hi"}]})
}

fn fails(client: &Client) -> ErrorObject {
    match client.chat(&hello(), None) {
        Ok(answer) => panic!("expected a failure, got {answer}"),
        Err(error) => error,
    }
}

// ---- secrets ---------------------------------------------------------------------------------

/// Keys of odd shapes: regex metacharacters, quotes and backslashes, a long one, an ordinary word
/// that the server's own words contain (a key that is not ASCII cannot be sent at all: see below).
const ODD_KEYS: [&str; 4] = [
    "sk-a.b*c+(d)?[e]$^|{2}",
    r#"k"ey\with/slash"#,
    "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "limit",
];

/// A 429 whose every field echoes `key`, with the key also straddling the 4 KiB message cap.
fn echoing_body(key: &str) -> Vec<u8> {
    // The message is cut at 4096 bytes: put the key across that line.
    let pad = "x".repeat(4096 - 10);
    json!({"error": {
        "message": format!("{pad} {key} and again {key}"),
        "type": format!("type-{key}"),
        "code": format!("code-{key}"),
        "param": format!("param-{key}"),
        "status": format!("RESOURCE_EXHAUSTED-{key}"),
        "details": [{"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                     "violations": [{"quotaId": format!("quota-{key}")}]}],
    }})
    .to_string()
    .into_bytes()
}

fn assert_no_piece_of(key: &str, text: &str) {
    assert!(!text.contains(key), "the key {key:?} leaked: {text}");
    // Nothing of the key at a cut either: no 8-character run of it survives.
    let chars: Vec<char> = key.chars().collect();
    if chars.len() > 8 {
        for window in chars.windows(8) {
            let piece: String = window.iter().collect();
            assert!(
                !text.contains(&piece),
                "part {piece:?} of {key:?} leaked: {text}"
            );
        }
    }
}

#[test]
fn a_key_echoed_in_every_field_and_across_the_message_cap_is_redacted_in_errors_and_events() {
    for key in ODD_KEYS {
        let body = echoing_body(key);
        let server = Hostile::serve(vec![http(
            "429 Too Many Requests",
            &[
                ("content-type", "application/json"),
                ("x-request-id", &format!("req-{key}")),
            ],
            &body,
        )]);
        let client = client(
            &server.base_url(),
            json!({"api_key": key, "provider": "gemini", "retry": {"max_attempts": 2, "initial_backoff_ms": 1, "max_backoff_ms": 1}}),
        );
        let events = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = Arc::clone(&events);
        client.set_event_hook(Some(Arc::new(move |event: &str| {
            sink.lock().unwrap().push(event.to_owned())
        })));
        let error = fails(&client);
        let json = error.to_json();
        assert!(json.contains("[REDACTED]"), "{json}");
        assert_eq!(error.attempts.len(), 2, "{json}");
        let c = &error.classification;
        let mut said = vec![c.message.clone(), error.summary.clone()];
        said.extend(
            [
                &c.provider_status,
                &c.provider_code,
                &c.error_type,
                &c.param,
                &c.request_id,
                &c.quota_id,
            ]
            .into_iter()
            .flatten()
            .cloned(),
        );
        let events = events.lock().unwrap().clone();
        assert_eq!(events.len(), 2, "{events:?}");
        for event in &events {
            let event: Value = serde_json::from_str(event).unwrap();
            said.push(event["message"].as_str().unwrap_or_default().to_owned());
        }
        // Everything the server's answer could put in words: no piece of the key is left.
        assert_no_piece_of(key, &said.join("\n"));
        assert_eq!(
            c.provider_code.as_deref(),
            Some("code-[REDACTED]"),
            "{json}"
        );
        assert_eq!(c.quota_id.as_deref(), Some("quota-[REDACTED]"), "{json}");
    }
}

#[test]
fn a_key_no_header_can_carry_is_refused_at_creation_without_showing_it() {
    for key in ["clé-ünï-☃-键-0042", "sk-line\nbreak-1234"] {
        let config = json!({"base_url": "http://127.0.0.1:9/v1", "api_key": key});
        let error = Client::new(&config.to_string()).err().expect("refused");
        assert_eq!(
            error.class(),
            ErrorClass::InvalidConfig,
            "{}",
            error.to_json()
        );
        assert!(!error.to_json().contains("ünï"), "{}", error.to_json());
    }
}

#[test]
fn sensitive_header_values_are_redacted_by_name_or_when_listed() {
    let echoed = "echo: Bearer hdr-token-value-1 tenant-secret-2 plain-value-3";
    let server = Hostile::serve(vec![http(
        "400 Bad Request",
        &[("content-type", "application/json")],
        json!({"error": {"message": echoed, "type": "tenant-secret-2"}})
            .to_string()
            .as_bytes(),
    )]);
    let client = client(
        &server.base_url(),
        json!({
            "headers": {"X-Auth-Token": "Bearer hdr-token-value-1", "x-tenant": "tenant-secret-2", "x-plain": "plain-value-3"},
            "sensitive_headers": ["X-Tenant"],
        }),
    );
    let json = fails(&client).to_json();
    assert!(!json.contains("hdr-token-value-1"), "{json}");
    assert!(!json.contains("tenant-secret-2"), "{json}");
    assert!(
        json.contains("plain-value-3"),
        "an ordinary header is not a secret: {json}"
    );
    assert_eq!(server.requests(), 1);
}

#[test]
fn an_unusable_proxy_url_is_reported_without_its_password() {
    let config = json!({"proxy": "gopher://bob:hunter2-secret@proxy.example:3128", "api_key": "k"});
    let error = Client::new(&config.to_string()).err().expect("rejected");
    assert_eq!(error.class(), ErrorClass::InvalidConfig);
    let json = error.to_json();
    assert!(!json.contains("hunter2-secret"), "{json}");
    assert!(
        json.contains("proxy.example"),
        "the proxy is still named: {json}"
    );
}

// ---- odd answers -----------------------------------------------------------------------------

#[test]
fn a_stream_over_the_size_cap_made_of_comments_is_response_too_large_and_not_retried() {
    let comments = ": keep-alive\n\n".repeat(2_000); // 28 kB, over a 4 kB cap
    let server = Hostile::serve(vec![http(
        "200 OK",
        &[("content-type", "text/event-stream")],
        comments.as_bytes(),
    )]);
    let client = client(&server.base_url(), json!({"max_response_bytes": 4096}));
    let request = json!({"messages": [{"role": "user", "content": "hi"}], "stream": true});
    let error = client.chat(&request, None).unwrap_err();
    assert_eq!(
        error.class(),
        ErrorClass::ResponseTooLarge,
        "{}",
        error.to_json()
    );
    assert_eq!(error.attempts.len(), 1, "{}", error.to_json());
    assert_eq!(server.requests(), 1);
    assert!(
        error.classification.message.contains("4096"),
        "{}",
        error.to_json()
    );
}

#[test]
fn a_deeply_nested_2xx_is_malformed_with_its_attempts_and_counted_as_a_failure() {
    let depth = 10_000;
    let body = format!(
        r#"{{"id":"c1","object":"chat.completion","choices":[{{"index":0,"message":{{"role":"assistant","content":"hi","x":{}{}}},"finish_reason":"stop"}}]}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let server = Hostile::serve(vec![http(
        "200 OK",
        &[("content-type", "application/json")],
        body.as_bytes(),
    )]);
    let client = client(&server.base_url(), json!({}));
    for text in [false, true] {
        let error = if text {
            client.chat_json(&hello(), None).unwrap_err()
        } else {
            client.chat(&hello(), None).unwrap_err()
        };
        assert_eq!(
            error.class(),
            ErrorClass::MalformedResponse,
            "{}",
            error.to_json()
        );
        assert_eq!(error.attempts.len(), 2, "retried once: {}", error.to_json());
        assert!(
            error.classification.message.contains("nest"),
            "{}",
            error.to_json()
        );
    }
    let metrics = client.metrics_json();
    assert_eq!(metrics["successes"], 0, "{metrics}");
    assert_eq!(
        metrics["failures_by_class"]["malformed_response"], 2,
        "{metrics}"
    );
}

#[test]
fn a_completion_nested_within_the_limit_is_still_answered() {
    let body = format!(
        r#"{{"choices":[{{"message":{{"role":"assistant","content":"hi","x":{}{}}},"finish_reason":"stop"}}]}}"#,
        "[".repeat(100),
        "]".repeat(100)
    );
    let server = Hostile::serve(vec![http("200 OK", &[], body.as_bytes())]);
    let answer = client(&server.base_url(), json!({}))
        .chat_json(&hello(), None)
        .unwrap();
    assert!(answer.contains("\"llmwire\""));
}

#[test]
fn a_zero_or_past_retry_after_waits_the_delay_floor() {
    for retry_after in ["0", "Wed, 21 Oct 2015 07:28:00 GMT"] {
        let server = Hostile::serve(vec![http(
            "429 Too Many Requests",
            &[("retry-after", retry_after)],
            b"{\"error\":{\"message\":\"slow down\"}}",
        )]);
        let client = client(
            &server.base_url(),
            json!({"retry": {"max_attempts": 3, "initial_backoff_ms": 40, "max_backoff_ms": 40, "jitter": "none"}}),
        );
        let started = std::time::Instant::now();
        let error = fails(&client);
        assert_eq!(error.class(), ErrorClass::RateLimited);
        assert_eq!(error.attempts.len(), 3);
        for attempt in &error.attempts[..2] {
            assert_eq!(attempt.delay_ms, 40, "{}", error.to_json());
        }
        assert!(
            started.elapsed().as_millis() >= 80,
            "the floor is really waited"
        );
    }
}

#[test]
fn a_redirect_is_reported_with_its_status_and_target_and_never_followed() {
    let server = Hostile::serve(vec![http(
        "301 Moved Permanently",
        &[("location", "https://elsewhere.example/v2/chat/completions")],
        b"",
    )]);
    let error = fails(&client(&server.base_url(), json!({})));
    let json = error.to_json();
    assert_eq!(error.classification.http_status, Some(301), "{json}");
    assert!(
        error
            .classification
            .message
            .contains("https://elsewhere.example/v2/chat/completions"),
        "{json}"
    );
    assert!(error.summary.contains("elsewhere.example"), "{json}");
    assert_eq!(error.attempts.len(), 1, "a redirect is not retried: {json}");
    assert_eq!(server.requests(), 1, "never followed");
}

#[test]
fn a_gzip_body_is_reported_as_such_never_as_mojibake() {
    // A gzip member (the bytes of `{"error":{"message":"boom"}}`, compressed): binary after the header.
    let gzip: Vec<u8> = vec![
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56, 0x4a, 0x2d, 0x2a,
        0xca, 0x2f, 0x52, 0xb2, 0xaa, 0x56, 0xca, 0x4d, 0x2d, 0x2e, 0x4e, 0x4c, 0x4f, 0x55, 0xb2,
        0x52, 0x4a, 0xca, 0xcf, 0xcf, 0x55, 0xaa, 0xad, 0x05, 0x00, 0x28, 0x56, 0xfd, 0x8b, 0x1c,
        0x00, 0x00, 0x00,
    ];
    for status in ["500 Internal Server Error", "200 OK"] {
        let server = Hostile::serve(vec![http(
            status,
            &[
                ("content-type", "application/json"),
                ("content-encoding", "gzip"),
            ],
            &gzip,
        )]);
        let error = fails(&client(
            &server.base_url(),
            json!({"retry": {"max_attempts": 1}}),
        ));
        let message = &error.classification.message;
        assert!(
            message.contains("content-encoding") && message.contains("gzip"),
            "{}",
            error.to_json()
        );
        assert!(!message.contains('\u{FFFD}'), "no mojibake: {message}");
    }
}

#[test]
fn a_base_url_query_is_kept_after_the_chat_path_and_a_fragment_is_refused() {
    let server = Hostile::serve(vec![http("200 OK", &[], COMPLETION.as_bytes())]);
    let base_url = format!(
        "http://127.0.0.1:{}/openai/deployments/d?api-version=2024-10-21",
        server.port
    );
    client(&base_url, json!({})).chat(&hello(), None).unwrap();
    let head = server.heads.lock().unwrap()[0].clone();
    assert!(
        head.starts_with(
            "POST /openai/deployments/d/chat/completions?api-version=2024-10-21 HTTP/1.1"
        ),
        "{head}"
    );
    let config =
        json!({"base_url": format!("http://127.0.0.1:{}/v1#frag", server.port), "api_key": "k"});
    let error = Client::new(&config.to_string())
        .err()
        .expect("a fragment is refused");
    assert_eq!(error.class(), ErrorClass::InvalidConfig);
    assert!(
        error.classification.message.contains("#fragment"),
        "{}",
        error.to_json()
    );
    assert_eq!(error.stop_reason, None::<StopReason>);
}

#[test]
fn the_cli_json_error_never_shows_an_echoed_key() {
    let key = "sk-cli.hostile*key+(0123456789)";
    let server = Hostile::serve(vec![http(
        "400 Bad Request",
        &[("content-type", "application/json")],
        &echoing_body(key),
    )]);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_llmwire"))
        .args(["chat", "--json", "--provider", "gemini", "--base-url"])
        .arg(server.base_url())
        .args(["--api-key", key, "--model", "m", "hi"])
        .output()
        .expect("the CLI runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("[REDACTED]"), "{stdout}{stderr}");
    assert_no_piece_of(key, &stdout);
    assert_no_piece_of(key, &stderr);
}

#[test]
fn a_key_cut_by_the_stream_decoders_text_limit_does_not_survive_in_part() {
    // A "stream" that is plain text (a proxy's page), the key straddling the 4 KiB kept of it.
    let key = "sk-stream-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let text = format!("{} {key} more text after it\n", "y".repeat(4096 - 12));
    let server = Hostile::serve(vec![http(
        "200 OK",
        &[("content-type", "text/event-stream")],
        text.as_bytes(),
    )]);
    let client = client(
        &server.base_url(),
        json!({"api_key": key, "retry": {"max_attempts": 1}}),
    );
    let request = json!({"messages": [{"role": "user", "content": "hi"}], "stream": true});
    let error = client.chat(&request, None).unwrap_err();
    let json = error.to_json();
    assert_no_piece_of(key, &json);
}

#[test]
fn a_completion_with_invalid_utf8_is_answered_with_replacement_characters() {
    // Bytes that are not UTF-8 inside the content (a byte-level model cut mid-character): the call
    // was answered, so it is not failed, as a stream's text is not.
    let body = b"{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"caf\xc3 \xff ok\"},\"finish_reason\":\"stop\"}]}";
    let server = Hostile::serve(vec![http(
        "200 OK",
        &[("content-type", "application/json")],
        body,
    )]);
    let client = client(&server.base_url(), json!({"retry": {"max_attempts": 1}}));
    let answer = client
        .chat(&hello(), None)
        .unwrap_or_else(|e| panic!("{}", e.to_json()));
    assert_eq!(
        answer["choices"][0]["message"]["content"],
        "caf\u{FFFD} \u{FFFD} ok"
    );
    assert_eq!(server.requests(), 1);
}

#[test]
fn a_head_past_the_size_limit_or_not_http_is_named_for_what_it_is() {
    // A 200 KB header, then a line that is no HTTP status: the answer arrived, unreadable. Its
    // message says so (and carries the transport's words), not "connection reset".
    let mut huge = b"HTTP/1.1 200 OK\r\nx-padding: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 200_000));
    huge.extend(b"\r\ncontent-length: 2\r\n\r\n{}");
    for (answer, words) in [
        (huge, "response header is too big"),
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n".to_vec(), ""),
    ] {
        let server = Hostile::serve(vec![answer]);
        let client = client(&server.base_url(), json!({"retry": {"max_attempts": 1}}));
        let error = fails(&client);
        let json: Value = serde_json::from_str(&error.to_json()).unwrap();
        assert_eq!(error.class(), ErrorClass::Network, "{json}");
        assert_eq!(json["attempts"][0]["fault"], "truncated", "{json}");
        let message = json["message"].as_str().unwrap();
        assert!(message.contains("cut off or malformed"), "{message}");
        assert!(message.contains(words), "{message}");
        assert!(!message.contains("reset"), "{message}");
    }
}

// ---- a whole answer to a stream request ------------------------------------------------------

/// Streams `hello()` and returns the chunks delivered and the result.
fn stream_of(client: &Client) -> (Vec<Value>, Result<Value, ErrorObject>) {
    let mut chunks = Vec::new();
    let mut on_chunk = |chunk: &Value| {
        chunks.push(chunk.clone());
        llmwire::client::ChunkControl::Continue
    };
    let result = client.chat_stream(&hello(), &mut on_chunk, None);
    (chunks, result)
}

#[test]
fn a_stream_request_answered_with_a_whole_completion_gets_it_as_one_chunk() {
    // Servers that ignore `stream: true`, or a proxy that buffers the stream. The content is
    // longer than the 4 KB of a non-stream body kept for an error message.
    let content = "word ".repeat(2_000);
    let body = json!({
        "id": "c1", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2000, "total_tokens": 2001},
    });
    let server = Hostile::serve(vec![http(
        "200 OK",
        &[("content-type", "application/json")],
        format!("\n{body}").as_bytes(),
    )]);
    let client = client(&server.base_url(), json!({"retry": {"max_attempts": 1}}));
    let (chunks, result) = stream_of(&client);
    let completion = result.unwrap_or_else(|e| panic!("{}", e.to_json()));
    assert_eq!(chunks.len(), 1, "{chunks:?}");
    assert_eq!(chunks[0]["object"], "chat.completion.chunk");
    assert_eq!(
        chunks[0]["choices"][0]["delta"]["content"],
        content.as_str()
    );
    assert_eq!(chunks[0]["usage"]["total_tokens"], 2001);
    assert_eq!(
        completion["choices"][0]["message"]["content"],
        content.as_str()
    );
    assert_eq!(server.requests(), 1);
}

#[test]
fn a_stream_request_answered_with_a_json_error_and_a_2xx_is_classified_and_retried() {
    let overloaded = http(
        "200 OK",
        &[("content-type", "application/json")],
        br#"{"error":{"message":"The model is overloaded. Please try again later.","code":503,"status":"UNAVAILABLE"}}"#,
    );
    let events = http(
        "200 OK",
        &[("content-type", "text/event-stream")],
        b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
    );
    let server = Hostile::serve(vec![overloaded, events]);
    let client = client(&server.base_url(), json!({"retry": {"max_attempts": 2}}));
    let (chunks, result) = stream_of(&client);
    let completion = result.unwrap_or_else(|e| panic!("{}", e.to_json()));
    assert_eq!(completion["choices"][0]["message"]["content"], "ok");
    assert_eq!(chunks.len(), 1);
    let attempts = completion["llmwire"]["attempts"].as_array().unwrap();
    assert_eq!(attempts[0]["class"], "overloaded", "{attempts:?}");
    assert_eq!(server.requests(), 2);
}

// ---- answers without content -----------------------------------------------------------------

#[test]
fn an_output_limit_spent_before_any_content_is_not_retried_and_says_to_raise_max_tokens() {
    // A reasoning model given too small a max_tokens: the same request ends the same way.
    let body = br#"{"choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":"length"}],"usage":{"prompt_tokens":9,"completion_tokens":300,"total_tokens":309,"completion_tokens_details":{"reasoning_tokens":300}}}"#;
    let server = Hostile::serve(vec![http(
        "200 OK",
        &[("content-type", "application/json")],
        body,
    )]);
    let error = fails(&client(&server.base_url(), json!({})));
    assert_eq!(error.class(), ErrorClass::MalformedResponse);
    assert!(!error.classification.retryable);
    let message = &error.classification.message;
    assert!(
        message.contains("300 output tokens, 300 of them reasoning")
            && message.contains("raise max_tokens"),
        "{message}"
    );
    assert_eq!(server.requests(), 1, "not retried");
}

#[test]
fn a_stream_that_ends_without_content_is_never_a_success_and_is_sent_again() {
    let empty = http(
        "200 OK",
        &[("content-type", "text/event-stream")],
        b"data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n\
data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
    );
    let events = http(
        "200 OK",
        &[("content-type", "text/event-stream")],
        b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
    );
    // Always empty: malformed_response, once retried (its chunks gave the caller nothing).
    let server = Hostile::serve(vec![empty.clone()]);
    let (chunks, result) = stream_of(&client(&server.base_url(), json!({})));
    let error = result.expect_err("an empty stream is not a completion");
    assert_eq!(error.class(), ErrorClass::MalformedResponse);
    assert!(
        error.classification.message.contains("empty content"),
        "{}",
        error.to_json()
    );
    assert_eq!((chunks.len(), server.requests()), (4, 2));
    // Empty, then content: the second attempt answers.
    let server = Hostile::serve(vec![empty, events]);
    let (chunks, result) = stream_of(&client(&server.base_url(), json!({})));
    let completion = result.unwrap_or_else(|e| panic!("{}", e.to_json()));
    assert_eq!(completion["choices"][0]["message"]["content"], "ok");
    assert_eq!((chunks.len(), server.requests()), (3, 2));
}
