//! The server around the scenarios: HTTP handling and its limits, sessions under concurrency,
//! the request log, scenario files, the connection cap, shutdown, and the CLI entry.

use std::path::PathBuf;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use crate::raw_http::*;
use llmwire::mock::{Limits, MockOptions};
use serde_json::{json, Value};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/scenarios")
        .join(name)
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("llmwire-mock-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).unwrap_or_else(|e| panic!("{e}"));
    path
}

fn start_error(options: MockOptions) -> String {
    match llmwire::mock::MockServer::start(options) {
        Ok(_) => panic!("expected the start to fail"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn health_models_and_base_urls() {
    let server = start();
    assert_eq!(
        server.base_url(),
        format!("http://127.0.0.1:{}/v1", server.port())
    );
    assert_eq!(
        server.scenario_base_url("overloaded_then_ok:n=3", "test 42"),
        format!(
            "http://127.0.0.1:{}/s/overloaded_then_ok:n=3/test%2042/v1",
            server.port()
        )
    );
    assert_eq!(
        server.gemini_base_url("echo", "g"),
        format!("http://127.0.0.1:{}/s/echo/g/v1beta/openai", server.port())
    );
    let health = ok(get(server.port(), "/_mock/health"));
    assert_eq!(
        (health.status, health.json()["status"].clone()),
        (200, json!("ok"))
    );
    let models = ok(get(server.port(), "/v1/models"));
    assert_eq!(models.json()["data"][0]["id"], "mock-model");
    let gemini_models = ok(get(server.port(), "/s/echo/m/v1beta/openai/models"));
    assert_eq!(gemini_models.status, 200);
    let scenarios = ok(get(server.port(), "/_mock/scenarios")).json();
    assert!(scenarios["scenarios"]
        .as_array()
        .is_some_and(|list| list.len() >= 30));
}

#[test]
fn keep_alive_serves_many_requests_and_connection_close_ends_it() {
    let server = start();
    let mut connection = Connection::open(server.port());
    let body = chat_body("kept").to_string();
    for _ in 0..5 {
        connection
            .send("POST", "/v1/chat/completions", &[], body.as_bytes())
            .unwrap_or_else(|e| panic!("{e:?}"));
        let response = connection
            .read_response()
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(response.status, 200);
        assert!(response.header("connection").is_none());
    }
    connection
        .send(
            "POST",
            "/v1/chat/completions",
            &[("connection", "close")],
            body.as_bytes(),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
    let last = connection
        .read_response()
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(last.header("connection"), Some("close"));
    assert!(connection.is_closed_by_server(Duration::from_secs(5)));
}

#[test]
fn fast_mode_answers_every_request_with_one_usable_completion() {
    let server = start_with(MockOptions {
        fast: true,
        ..MockOptions::default()
    });
    let mut connection = Connection::open(server.port());
    let body = chat_body("anything").to_string();
    // Any path and scenario: fast mode does not route.
    for path in [
        "/v1/chat/completions",
        "/s/overloaded/s1/v1/chat/completions",
    ] {
        connection
            .send("POST", path, &[], body.as_bytes())
            .unwrap_or_else(|e| panic!("{e:?}"));
        let response = connection
            .read_response()
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(response.status, 200);
        assert_eq!(response.json()["choices"][0]["message"]["content"], "pong");
        assert!(llmwire::classify::plainly_usable(&response.text()));
    }
    // Not even the mock's own endpoints: every request gets the completion.
    let other = ok(get(server.port(), "/_mock/requests?session=default"));
    assert_eq!(other.json()["choices"][0]["message"]["content"], "pong");
}

#[test]
fn http_1_0_closes_after_the_response() {
    let server = start();
    let mut connection = Connection::open(server.port());
    connection
        .send_raw(b"GET /_mock/health HTTP/1.0\r\n\r\n")
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(connection.read_response().map(|r| r.status), Ok(200));
    assert!(connection.is_closed_by_server(Duration::from_secs(5)));
}

#[test]
fn chunked_request_bodies_and_expect_continue_are_read() {
    let server = start();
    let body = chat_body("chunked hello").to_string();
    let (a, b) = body.split_at(10);
    let mut connection = Connection::open(server.port());
    let request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n{:x};ext=1\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\ntrailer: t\r\n\r\n",
        a.len(),
        b.len()
    );
    connection
        .send_raw(request.as_bytes())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let response = connection
        .read_response()
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        response.json()["choices"][0]["message"]["content"],
        "chunked hello"
    );

    let head = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    connection
        .send_raw(head.as_bytes())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let interim = connection.read_response_head_only();
    assert_eq!(interim, 100);
    connection
        .send_raw(body.as_bytes())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let response = connection
        .read_response()
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        response.json()["choices"][0]["message"]["content"],
        "chunked hello"
    );
}

trait InterimStatus {
    fn read_response_head_only(&mut self) -> u16;
}

impl InterimStatus for Connection {
    /// Reads `HTTP/1.1 100 Continue\r\n\r\n` and returns its status.
    fn read_response_head_only(&mut self) -> u16 {
        use std::io::Read;
        let mut bytes = [0u8; 25];
        self.stream()
            .read_exact(&mut bytes)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&bytes, b"HTTP/1.1 100 Continue\r\n\r\n");
        100
    }
}

#[test]
fn oversized_bodies_are_refused_with_413_and_a_close() {
    let server = start();
    let mut connection = Connection::open(server.port());
    connection
        .send_raw(
            b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: 40000000\r\n\r\n",
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
    let response = connection
        .read_response()
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        (response.status, response.header("connection")),
        (413, Some("close"))
    );
    assert_eq!(response.json()["error"]["type"], "llmwire_mock_error");
    assert!(connection.is_closed_by_server(Duration::from_secs(5)));

    let small = start_with(MockOptions {
        limits: Limits {
            max_body_bytes: 1000,
            ..Limits::default()
        },
        ..MockOptions::default()
    });
    let mut connection = Connection::open(small.port());
    let chunk = "x".repeat(600);
    let request = format!("POST /v1/chat/completions HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n258\r\n{chunk}\r\n258\r\n{chunk}\r\n0\r\n\r\n");
    connection
        .send_raw(request.as_bytes())
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(connection.read_response().map(|r| r.status), Ok(413));
}

#[test]
fn malformed_requests_get_400_and_a_close() {
    let server = start();
    for raw in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET /v1/models?key=SECRET HTTP/1.1 extra\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nauthorization : Bearer SECRET\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nBearer SECRET\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nno colon here\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nx: a\r\n folded\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 12x\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabcdef\r\n0\r\n\r\n",
    ] {
        let mut connection = Connection::open(server.port());
        connection.send_raw(raw).unwrap_or_else(|e| panic!("{e:?}"));
        let response = connection.read_response().unwrap_or_else(|e| panic!("{e:?} for {raw:?}"));
        assert_eq!(response.status, 400, "{:?}: {}", String::from_utf8_lossy(raw), response.text());
        assert!(response.header("x-request-id").is_some());
        assert!(!response.text().contains("SECRET"), "{}", response.text());
        assert!(connection.is_closed_by_server(Duration::from_secs(5)));
    }
    let mut connection = Connection::open(server.port());
    connection
        .send_raw(b"GET / HTTP/2.0\r\n\r\n")
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(connection.read_response().map(|r| r.status), Ok(505));
}

#[test]
fn oversized_heads_get_431() {
    let server = start();
    let mut connection = Connection::open(server.port());
    let huge = format!(
        "GET /v1/models HTTP/1.1\r\nx-big: {}\r\n\r\n",
        "a".repeat(70 * 1024)
    );
    let _ = connection.send_raw(huge.as_bytes());
    assert_eq!(connection.read_response().map(|r| r.status), Ok(431));
    let mut connection = Connection::open(server.port());
    let many: String = (0..200).map(|i| format!("x-h{i}: v\r\n")).collect();
    connection
        .send_raw(format!("GET /v1/models HTTP/1.1\r\n{many}\r\n").as_bytes())
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(connection.read_response().map(|r| r.status), Ok(431));
}

#[test]
fn slow_clients_get_408_and_idle_connections_are_closed() {
    let limits = Limits {
        header_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let server = start_with(MockOptions {
        limits,
        ..MockOptions::default()
    });
    let mut slowloris = Connection::open(server.port());
    slowloris
        .send_raw(b"POST /v1/chat/completions HTTP/1.1\r\nx-one: ")
        .unwrap_or_else(|e| panic!("{e:?}"));
    let response = slowloris
        .read_response()
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(response.status, 408);
    assert!(response.head_after >= Duration::from_millis(300));

    let mut idle = Connection::open(server.port());
    assert!(idle.is_closed_by_server(Duration::from_secs(10)));
}

#[test]
fn concurrent_sessions_never_see_each_others_progress() {
    let server = start();
    let port = server.port();
    let barrier = Arc::new(Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                let path = chat_path("overloaded_then_ok:n=2", &format!("session-{i}"));
                (0..4)
                    .map(|_| ok(post(port, &path, &chat_body("x"))).status)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for thread in threads {
        let statuses = thread
            .join()
            .unwrap_or_else(|_| panic!("client thread panicked"));
        assert_eq!(statuses, vec![503, 503, 200, 200]);
    }
}

#[test]
fn sixty_four_clients_at_once_all_get_their_own_echo() {
    let server = start();
    let port = server.port();
    let barrier = Arc::new(Barrier::new(64));
    let threads: Vec<_> = (0..64)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let mut connection = Connection::open(port);
                barrier.wait();
                for round in 0..5 {
                    let text = format!("client {i} round {round}");
                    let body = chat_body(&text).to_string();
                    connection
                        .send("POST", "/v1/chat/completions", &[], body.as_bytes())
                        .unwrap_or_else(|e| panic!("{e:?}"));
                    let response = connection
                        .read_response()
                        .unwrap_or_else(|e| panic!("{e:?}"));
                    assert_eq!(
                        response.json()["choices"][0]["message"]["content"],
                        text.as_str()
                    );
                }
            })
        })
        .collect();
    for thread in threads {
        thread
            .join()
            .unwrap_or_else(|_| panic!("client thread panicked"));
    }
}

#[test]
fn the_request_log_redacts_secrets_and_keeps_parsed_bodies() {
    let server = start();
    let port = server.port();
    let headers = [
        ("authorization", "Bearer sk-live-SECRET-1"),
        ("x-goog-api-key", "AIza-SECRET-2"),
        ("api-key", "SECRET-3"),
        ("x-custom", "visible"),
    ];
    ok(post_with(
        port,
        &chat_path("overloaded_then_ok", "logged"),
        &headers,
        &chat_body("first"),
    ));
    ok(post_with(
        port,
        "/s/echo/logged/v1/chat/completions?key=SECRET-4",
        &[],
        &chat_body("second"),
    ));
    ok(post(
        port,
        &chat_path("echo", "someone-else"),
        &chat_body("other"),
    ));

    let log = ok(get(port, "/_mock/requests?session=logged"));
    assert!(!log.text().contains("SECRET"), "{}", log.text());
    let log = log.json();
    let requests = log["requests"].as_array().cloned().unwrap_or_default();
    assert_eq!(requests.len(), 2);
    let first = &requests[0];
    assert_eq!(
        (first["seq"].clone(), first["method"].clone()),
        (json!(1), json!("POST"))
    );
    assert_eq!(first["scenario"], "overloaded_then_ok");
    assert_eq!(
        first["path"],
        "/s/overloaded_then_ok/logged/v1/chat/completions"
    );
    assert_eq!(first["headers"]["authorization"], "Bearer ***");
    assert_eq!(first["headers"]["x-goog-api-key"], "***");
    assert_eq!(first["headers"]["api-key"], "***");
    assert_eq!(first["headers"]["x-custom"], "visible");
    assert_eq!(first["body"]["messages"][0]["content"], "first");
    assert_eq!(first["arrival_ms"], 0);
    assert!(requests[1]["arrival_ms"].as_u64() >= first["arrival_ms"].as_u64());
    assert_eq!(
        requests[1]["path"],
        "/s/echo/logged/v1/chat/completions?key=***"
    );

    assert_eq!(server.requests("logged"), log);
    let empty = ok(get(port, "/_mock/requests?session=never-seen")).json();
    assert_eq!(empty["requests"], json!([]));
    assert_eq!(ok(get(port, "/_mock/requests")).status, 400);
}

#[test]
fn scenario_files_load_and_play_their_steps() {
    let options = MockOptions {
        scenario_files: vec![example("flaky_gateway.json"), example("rate_limits.json")],
        ..MockOptions::default()
    };
    let server = start_with(options);
    let port = server.port();
    let path = chat_path("flaky_gateway", "f");
    for _ in 0..2 {
        let response = ok(post(port, &path, &chat_body("x")));
        assert_eq!(
            (response.status, response.header("content-type")),
            (502, Some("text/html"))
        );
    }
    assert_eq!(
        post(port, &path, &chat_body("x")).map(|r| r.status),
        Err(WireError::Reset)
    );
    assert_eq!(ok(post(port, &path, &chat_body("x"))).status, 200);

    let data = ok(post(
        port,
        &chat_path("stream_cut_by_error_string", "f"),
        &stream_body("a b c"),
    ))
    .sse_data();
    assert_eq!(data.len(), 2, "{data:?}");
    assert_eq!(
        serde_json::from_str::<Value>(&data[1]).unwrap_or_default(),
        json!({"error": "thinking_budget is not supported with speculative decoding in the server."})
    );

    let path = chat_path("half_a_body", "f");
    assert!(post(port, &path, &chat_body("x")).is_err());
    assert_eq!(
        ok(post(port, &path, &chat_body("x"))).json()["choices"][0]["message"]["content"],
        "x"
    );
    assert_eq!(
        ok(post(port, &path, &chat_body("x"))).json()["choices"][0]["message"]["content"],
        "all good from test-model"
    );

    let path = chat_path("hint_honoured", "f");
    let first = ok(post(port, &path, &chat_body("x")));
    assert_eq!(
        (first.status, first.header("retry-after")),
        (429, Some("1"))
    );
    let retry_after = ok(post(
        port,
        &chat_path("retry_after_date", "f"),
        &chat_body("x"),
    ));
    assert!(retry_after
        .header("retry-after")
        .is_some_and(|d| d.ends_with(" GMT")));
    let listed = ok(get(port, "/_mock/scenarios")).text();
    assert!(listed.contains("flaky_gateway") && listed.contains("daily_quota_forever"));
}

#[test]
fn scenario_file_errors_name_the_file_the_place_and_the_key() {
    let bad = temp_file(
        "bad.json",
        r#"{"scenarios": {"typo": {"steps": [{"status": 500}, {"reply": "echo", "stauts": 1}]}}}"#,
    );
    let error = start_error(MockOptions {
        scenario_files: vec![bad.clone()],
        ..MockOptions::default()
    });
    assert!(error.contains(&bad.display().to_string()), "{error}");
    assert!(
        error.contains("scenarios.typo.steps[1]") && error.contains("\"stauts\""),
        "{error}"
    );

    let missing = PathBuf::from("/nonexistent/scenarios.json");
    let error = start_error(MockOptions {
        scenario_files: vec![missing],
        ..MockOptions::default()
    });
    assert!(
        error.contains("/nonexistent/scenarios.json") && error.contains("cannot read"),
        "{error}"
    );

    let builtin_name = r#"{"scenarios": {"echo": {"steps": [{"status": 200}]}}}"#.to_string();
    let error = start_error(MockOptions {
        scenario_documents: vec![builtin_name],
        ..MockOptions::default()
    });
    assert!(error.contains("built-in"), "{error}");

    let twice = r#"{"scenarios": {"mine": {"steps": [{"status": 200}]}}}"#.to_string();
    let error = start_error(MockOptions {
        scenario_documents: vec![twice.clone(), twice],
        ..MockOptions::default()
    });
    assert!(error.contains("defined twice"), "{error}");
    let _ = std::fs::remove_file(bad);
}

#[test]
fn inline_scenario_documents_play_and_take_no_parameters() {
    let document = r#"{"scenarios": {"teapot_once": {"steps": [{"status": 418, "body": "short and stout"}, {"reply": "echo"}]}}}"#;
    let server = start_with(MockOptions {
        scenario_documents: vec![document.to_string()],
        ..MockOptions::default()
    });
    let first = ok(post(
        server.port(),
        &chat_path("teapot_once", "t"),
        &chat_body("x"),
    ));
    assert_eq!(
        (first.status, first.text().as_str()),
        (418, "short and stout")
    );
    assert_eq!(
        first.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let with_params = ok(post(
        server.port(),
        &chat_path("teapot_once:n=1", "t"),
        &chat_body("x"),
    ));
    assert_eq!(with_params.status, 400);
    assert!(with_params.text().contains("takes no parameters"));
}

#[test]
fn connections_over_the_cap_are_turned_away_with_503() {
    let limits = Limits {
        max_connections: 2,
        ..Limits::default()
    };
    let server = start_with(MockOptions {
        limits,
        ..MockOptions::default()
    });
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut connection = Connection::open(server.port());
        connection
            .send("GET", "/_mock/health", &[], b"")
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(connection.read_response().map(|r| r.status), Ok(200));
        held.push(connection);
    }
    let turned_away = ok(get(server.port(), "/_mock/health"));
    assert_eq!(
        (
            turned_away.status,
            turned_away.header("x-llmwire-mock-error")
        ),
        (503, Some("1"))
    );
    drop(held);
}

#[test]
fn unknown_routes_wrong_methods_and_unparseable_chat_bodies() {
    let server = start();
    let unknown = ok(get(server.port(), "/v2/whatever?key=SECRET-5"));
    assert!(!unknown.text().contains("SECRET"), "{}", unknown.text());
    assert_eq!(
        (unknown.status, unknown.json()["error"]["type"].clone()),
        (404, json!("llmwire_mock_error"))
    );
    assert_eq!(ok(get(server.port(), "/v1/chat/completions")).status, 405);
    let mut connection = Connection::open(server.port());
    connection
        .send("POST", "/v1/chat/completions", &[], b"{not json")
        .unwrap_or_else(|e| panic!("{e:?}"));
    let response = connection
        .read_response()
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["error"]["type"], "invalid_request_error");
    // A fault still happens whatever the body: faults never read it.
    let mut connection = Connection::open(server.port());
    connection
        .send(
            "POST",
            &chat_path("reset_before_headers_then_ok", "nb"),
            &[],
            b"{not json",
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        connection.read_response().map(|r| r.status),
        Err(WireError::Reset)
    );
}

#[test]
fn shutdown_is_prompt_with_stalled_streams_slow_headers_and_idle_connections() {
    let server = start();
    let port = server.port();
    let mut stalled = Connection::open(port);
    stalled
        .send(
            "POST",
            &chat_path("stream_stall:chunks=1,stall_ms=600000", "stop"),
            &[],
            stream_body("a b").to_string().as_bytes(),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
    let mut slow = Connection::open(port);
    slow.send(
        "POST",
        &chat_path("slow_headers:delay_ms=600000", "stop"),
        &[],
        chat_body("a").to_string().as_bytes(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let mut idle = Connection::open(port);
    idle.send("GET", "/_mock/health", &[], b"")
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(idle.read_response().map(|r| r.status), Ok(200));
    // Make sure the stalled stream is under way before stopping.
    let mut first_byte = [0u8; 1];
    std::io::Read::read_exact(stalled.stream(), &mut first_byte).unwrap_or_else(|e| panic!("{e}"));
    // The slow answer has been accepted once the request log shows it.
    let deadline = Instant::now() + Duration::from_secs(10);
    while ok(get(port, "/_mock/requests?session=stop")).json()["requests"]
        .as_array()
        .map_or(0, Vec::len)
        < 2
    {
        assert!(Instant::now() < deadline, "requests never logged");
        std::thread::sleep(Duration::from_millis(10));
    }

    let started = Instant::now();
    server.shutdown();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "shutdown took {took:?}");
    for connection in [&mut stalled, &mut slow, &mut idle] {
        assert!(connection.is_closed_by_server(Duration::from_secs(5)));
    }
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn dropping_the_server_stops_it() {
    let port = {
        let server = start();
        ok(get(server.port(), "/_mock/health"));
        server.port()
    };
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn cli_check_validates_files_and_usage_errors_exit_2() {
    // `llmwire mock` with these arguments; its exit code.
    let run_cli = |list: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_llmwire"))
            .arg("mock")
            .args(list)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("the llmwire binary runs")
            .code()
            .expect("it exits with a code")
    };
    let good = example("flaky_gateway.json").display().to_string();
    assert_eq!(run_cli(&["--check", &good]), 0);
    let bad = temp_file(
        "cli-bad.json",
        r#"{"scenarios": {"x": {"steps": [{"fault": "meltdown"}]}}}"#,
    );
    assert_eq!(run_cli(&["--check", &bad.display().to_string()]), 1);
    assert_eq!(run_cli(&["--bogus"]), 2);
    assert_eq!(run_cli(&["--port", "not-a-port"]), 2);
    assert_eq!(run_cli(&["--host", "256.0.0.1"]), 1);
    let _ = std::fs::remove_file(bad);
}

#[test]
fn garbage_from_clients_never_panics_a_server_thread_or_stops_the_server() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static SERVER_THREAD_PANICKED: AtomicBool = AtomicBool::new(false);
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("llmwire-mock"))
        {
            SERVER_THREAD_PANICKED.store(true, Ordering::SeqCst);
        }
        default_hook(info);
    }));

    let limits = Limits {
        header_timeout: Duration::from_millis(200),
        body_timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let server = start_with(MockOptions {
        limits,
        ..MockOptions::default()
    });
    let prefixes: [&[u8]; 6] = [
        b"",
        b"POST /v1/chat/completions HTTP/1.1\r\n",
        b"POST /s/overloaded_then_ok:n=1/fuzz/v1/chat/completions HTTP/1.1\r\ncontent-length: 10\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n",
        b"GET /_mock/requests?session=%ZZ HTTP/1.1\r\n\r\n",
        b"POST /s/tool_call/fuzz/v1/chat/completions HTTP/1.1\r\ncontent-length: 40\r\n\r\n{\"tools\":[{\"function\":{\"parameters\":",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..240 {
        let mut bytes = prefixes[round % prefixes.len()].to_vec();
        let noise_len = (next() % 300) as usize;
        let alphabet = b"\r\n :;/?=%&,0123456789abcdefxyzGETPOST{}[]\"\\\x00\xff";
        bytes.extend((0..noise_len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]));
        let mut connection = Connection::open(server.port());
        let _ = connection.send_raw(&bytes);
        let _ = connection.stream().shutdown(std::net::Shutdown::Write);
        assert!(
            connection.is_closed_by_server(Duration::from_secs(10)),
            "round {round} left open"
        );
    }
    assert_eq!(ok(get(server.port(), "/_mock/health")).status, 200);
    assert!(
        !SERVER_THREAD_PANICKED.load(Ordering::SeqCst),
        "a server thread panicked"
    );
}
