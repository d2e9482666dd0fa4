//! The deadline and the cancel, phase by phase: the real client against hostile loopback servers
//! (built here) and the bundled simulated provider.
//!
//! Every test asserts the elapsed time against the limit with a margin that holds on a loaded
//! machine ([`MARGIN`]); the real figures are printed (`-- --nocapture`, or
//! `scripts/measure-deadlines.sh`, which runs this file in release mode and tabulates them).

// The error object is the library's public error type; its size is a deliberate trade-off (see lib.rs).
#![allow(clippy::result_large_err)]

use crate::session;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use llmwire::client::{CancelToken, ChunkControl, Client};
use llmwire::mock::{MockOptions, MockServer};
use llmwire::taxonomy::{ErrorClass, StopReason};
use llmwire::ErrorObject;
use serde_json::{json, Value};

/// The documented bound is 50 ms; tests allow this much so that they hold under load.
const MARGIN: Duration = Duration::from_millis(400);
/// The deadline the deadline tests set.
const DEADLINE_MS: u64 = 500;
/// When the cancel tests cancel.
const CANCEL_AFTER: Duration = Duration::from_millis(300);
/// How long a hostile server holds a connection it stalls (well past every limit used here).
const HOLD: Duration = Duration::from_secs(30);

fn mock() -> &'static MockServer {
    static SERVER: OnceLock<MockServer> = OnceLock::new();
    SERVER.get_or_init(|| MockServer::start(MockOptions::default()).expect("the mock starts"))
}

fn client(base_url: &str, timeouts: Value) -> Client {
    let config = json!({
        "provider": "openai",
        "base_url": base_url,
        "api_key": "sk-test-not-a-real-key-1234567890",
        "model": "gpt-4o-mini",
        "retry": {"initial_backoff_ms": 2, "max_backoff_ms": 10, "jitter": "none"},
        "validation": "off",
        "timeouts": timeouts,
    });
    Client::new(&config.to_string()).expect("the config is valid")
}

fn mock_client(scenario: &str, timeouts: Value) -> Client {
    let session = session(scenario.split(':').next().unwrap_or(scenario));
    client(&mock().scenario_base_url(scenario, &session), timeouts)
}

fn hello(stream: bool) -> Value {
    json!({ "messages": [{ "role": "user", "content": "hello there" }], "stream": stream })
}

/// A loopback server that runs `behave` on every connection it accepts (each on its own thread)
/// and counts the connections.
struct Hostile {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

impl Hostile {
    fn start(behave: fn(TcpStream, usize)) -> Hostile {
        Hostile::start_with(behave, false)
    }

    /// With `small_window`, the accepted connections get a tiny receive buffer, so that a client
    /// sending to a server that does not read blocks after a few megabytes at most.
    fn start_with(behave: fn(TcpStream, usize), small_window: bool) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        if small_window {
            use std::os::fd::AsRawFd;
            let size: libc::c_int = 4096;
            // SAFETY: a valid socket and a pointer to an int of the length given, for the call.
            let set = unsafe {
                libc::setsockopt(
                    listener.as_raw_fd(),
                    libc::SOL_SOCKET,
                    libc::SO_RCVBUF,
                    (&size as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
            assert_eq!(set, 0, "setsockopt(SO_RCVBUF)");
        }
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&accepted);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                thread::spawn(move || behave(stream, n));
            }
        });
        Hostile { addr, accepted }
    }

    fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}/v1", self.addr)
    }
}

/// Reads one request (head and `content-length` body); false if the peer went away first.
fn read_request(stream: &mut TcpStream) -> bool {
    let mut seen = Vec::new();
    let mut buffer = [0_u8; 64 * 1024];
    loop {
        if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(0);
            if seen.len() >= end + 4 + length {
                return true;
            }
        }
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return false,
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
        }
    }
}

fn hold(stream: TcpStream) {
    thread::sleep(HOLD);
    drop(stream);
}

const COMPLETION: &str = r#"{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}"#;

fn accept_and_never_answer(mut stream: TcpStream, _: usize) {
    read_request(&mut stream);
    hold(stream);
}

fn accept_and_never_read(stream: TcpStream, _: usize) {
    hold(stream);
}

fn head_then_stall(mut stream: TcpStream, _: usize) {
    if read_request(&mut stream) {
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
        let _ = stream.write_all(head.as_bytes());
    }
    hold(stream);
}

/// The first connection trickles its body a byte every 50 ms (a read that keeps making
/// progress); later ones answer at once.
fn trickle_first(mut stream: TcpStream, n: usize) {
    while read_request(&mut stream) {
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            COMPLETION.len()
        );
        if stream.write_all(head.as_bytes()).is_err() {
            return;
        }
        if n > 0 {
            if stream.write_all(COMPLETION.as_bytes()).is_err() {
                return;
            }
            continue;
        }
        for byte in COMPLETION.as_bytes() {
            thread::sleep(Duration::from_millis(50));
            if stream.write_all(&[*byte]).is_err() {
                return;
            }
        }
    }
}

/// What a call did, measured.
struct Ran {
    result: Result<Value, ErrorObject>,
    elapsed: Duration,
}

fn run(client: &Client, request: &Value, cancel: Option<(&CancelToken, Duration)>) -> Ran {
    let started = Instant::now();
    let result = thread::scope(|scope| {
        if let Some((token, after)) = cancel {
            scope.spawn(move || {
                thread::sleep(after);
                token.cancel();
            });
        }
        match cancel {
            Some((token, _)) => client.chat(request, Some(token)),
            None => client.chat(request, None),
        }
    });
    Ran {
        result,
        elapsed: started.elapsed(),
    }
}

fn failure(ran: &Ran) -> &ErrorObject {
    match &ran.result {
        Ok(value) => panic!("expected a failure, got {value}"),
        Err(error) => error,
    }
}

/// Prints how long after `limit` (a deadline, or a cancel) a call returned.
fn report(what: &str, label: &str, limit: Duration, ran: &Ran) {
    println!(
        "measure {what:<8} {label:<28} at {:>5} ms: returned after {:>8.1} ms, {:>6.1} ms late",
        limit.as_millis(),
        ran.elapsed.as_secs_f64() * 1e3,
        (ran.elapsed.as_secs_f64() - limit.as_secs_f64()) * 1e3
    );
}

/// Asserts a call cut by a deadline of `limit`, in `phase`, and prints the overshoot.
fn assert_deadline_at(label: &str, ran: &Ran, phase: &str, limit: Duration) {
    let error = failure(ran);
    let json = error.to_json();
    report("deadline", label, limit, ran);
    assert!(ran.elapsed < limit + MARGIN, "{:?}: {json}", ran.elapsed);
    assert_eq!(error.class(), ErrorClass::Timeout, "{json}");
    assert_eq!(error.stop_reason, Some(StopReason::Deadline), "{json}");
    let last = error.attempts.last().expect("an attempt is recorded");
    assert_eq!(last.fault, Some("deadline"), "{json}");
    assert_eq!(last.phase, Some(phase), "{json}");
    assert!(error.classification.message.contains("deadline"), "{json}");
}

/// [`assert_deadline_at`] for [`DEADLINE_MS`], which the call must not end before.
fn assert_deadline(label: &str, ran: &Ran, phase: &str) {
    let limit = Duration::from_millis(DEADLINE_MS);
    assert!(
        ran.elapsed >= limit - Duration::from_millis(5),
        "{:?}",
        ran.elapsed
    );
    assert_deadline_at(label, ran, phase, limit);
}

/// Asserts a call stopped by a cancel at `after`, and prints how long it took to stop.
fn assert_cancelled_at(label: &str, ran: &Ran, phase: Option<&str>, after: Duration) {
    let error = failure(ran);
    let json = error.to_json();
    report("cancel", label, after, ran);
    assert!(ran.elapsed >= after, "{json}");
    assert!(ran.elapsed < after + MARGIN, "{:?}: {json}", ran.elapsed);
    assert_eq!(error.class(), ErrorClass::Cancelled, "{json}");
    assert_eq!(error.stop_reason, Some(StopReason::Cancelled), "{json}");
    if let Some(phase) = phase {
        let last = error
            .attempts
            .last()
            .expect("the interrupted attempt is recorded");
        assert_eq!(last.fault, Some("cancelled"), "{json}");
        assert_eq!(last.phase, Some(phase), "{json}");
    }
}

fn assert_cancelled(label: &str, ran: &Ran, phase: Option<&str>) {
    assert_cancelled_at(label, ran, phase, CANCEL_AFTER);
}

fn deadline() -> Value {
    json!({ "deadline_ms": DEADLINE_MS })
}

/// A loopback port whose accept queue is full, so that a connect to it hangs (the SYN is dropped)
/// until its timeout: found by connecting without ever accepting until a connect times out.
fn black_hole() -> (SocketAddr, Vec<TcpStream>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    for _ in 0..4096 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            Ok(stream) => held.push(stream),
            Err(_) => {
                // The listener must stay open: leak it with the queue it fills.
                std::mem::forget(listener);
                return (addr, held);
            }
        }
    }
    panic!("the accept queue of a loopback listener never filled");
}

// ---- The deadline, phase by phase ------------------------------------------------------------

#[test]
fn deadline_cuts_a_connect_to_a_black_hole() {
    let (addr, _held) = black_hole();
    let client = client(&format!("http://{addr}/v1"), deadline());
    let ran = run(&client, &hello(false), None);
    assert_deadline("connect (black hole)", &ran, "connect");
}

#[test]
fn deadline_cuts_a_tls_handshake_that_never_answers() {
    let server = Hostile::start(accept_and_never_answer);
    let client = client(&server.url("https"), deadline());
    let ran = run(&client, &hello(false), None);
    assert_deadline("tls handshake", &ran, "tls");
}

/// A request larger than the loopback send buffer (4 MiB at most) and the receive window of a
/// server that never reads, so that sending it blocks.
fn oversized() -> Value {
    json!({ "messages": [{ "role": "user", "content": "x".repeat(6 * 1024 * 1024) }] })
}

/// Preparing [`oversized`] (serialising 6 MiB) takes a while in a debug build on a loaded machine,
/// and counts against the deadline: these tests give it room.
const SEND_LIMIT_MS: u64 = 3000;

#[test]
fn deadline_cuts_sending_to_a_server_that_never_reads() {
    let server = Hostile::start_with(accept_and_never_read, true);
    let client = client(&server.url("http"), json!({ "deadline_ms": SEND_LIMIT_MS }));
    let ran = run(&client, &oversized(), None);
    let limit = Duration::from_millis(SEND_LIMIT_MS);
    assert_deadline_at("send (never read)", &ran, "send", limit);
}

#[test]
fn deadline_cuts_a_server_that_accepts_and_never_answers() {
    let server = Hostile::start(accept_and_never_answer);
    let client = client(&server.url("http"), deadline());
    let ran = run(&client, &hello(false), None);
    assert_deadline("head (never answers)", &ran, "head");
}

#[test]
fn deadline_cuts_slow_headers_from_the_mock() {
    let client = mock_client("slow_headers:delay_ms=5000", deadline());
    let ran = run(&client, &hello(false), None);
    assert_deadline("head (mock slow_headers)", &ran, "head");
}

#[test]
fn deadline_cuts_a_head_then_a_stalled_body() {
    let server = Hostile::start(head_then_stall);
    let client = client(&server.url("http"), deadline());
    let ran = run(&client, &hello(false), None);
    assert_deadline("body (head then stall)", &ran, "body");
}

#[test]
fn deadline_cuts_a_body_trickled_one_byte_a_second() {
    let client = mock_client("trickle_body:interval_ms=1000", deadline());
    let ran = run(&client, &hello(false), None);
    assert_deadline("body (1 byte/s)", &ran, "body");
}

#[test]
fn deadline_cuts_a_stream_that_stalls_after_two_chunks() {
    let client = mock_client("stream_stall:chunks=2,stall_ms=60000", deadline());
    let ran = run(&client, &hello(true), None);
    assert_deadline("stream (stall after 2)", &ran, "stream");
}

#[test]
fn deadline_cuts_a_stream_of_keep_alives_before_its_first_chunk() {
    let client = mock_client("stream_keepalive_only:keepalive_ms=50", deadline());
    let ran = run(&client, &hello(true), None);
    assert_deadline("first chunk (keep-alives)", &ran, "first_chunk");
}

#[test]
fn deadline_cuts_the_backoff_between_attempts() {
    // Overloaded answers at once; the backoff is long, so the deadline falls in a wait. No sleep
    // crosses it: the call stops when the next attempt could not start in time.
    let config = json!({
        "provider": "openai",
        "base_url": mock().scenario_base_url("overloaded_then_ok:n=100", &session("backoff")),
        "api_key": "sk-test-not-a-real-key-1234567890",
        "model": "m",
        "validation": "off",
        "retry": {"initial_backoff_ms": 200, "max_backoff_ms": 200, "jitter": "none", "max_attempts": 100},
        "timeouts": deadline(),
    });
    let client = Client::new(&config.to_string()).unwrap();
    let ran = run(&client, &hello(false), None);
    let error = failure(&ran);
    assert_eq!(
        error.stop_reason,
        Some(StopReason::Deadline),
        "{}",
        error.to_json()
    );
    assert!(ran.elapsed < Duration::from_millis(DEADLINE_MS) + MARGIN);
}

#[test]
fn a_deadline_that_is_not_reached_changes_nothing() {
    let client = mock_client("slow_headers:delay_ms=50", deadline());
    let ran = run(&client, &hello(false), None);
    let response = ran
        .result
        .expect("the call succeeds well before its deadline");
    assert_eq!(response["llmwire"]["attempts"][0]["http_status"], 200);
}

// ---- Stream timers ---------------------------------------------------------------------------

fn stream_client(scenario: &str) -> Client {
    let session = session("timers");
    let config = json!({
        "provider": "openai",
        "base_url": mock().scenario_base_url(scenario, &session),
        "api_key": "sk-test-not-a-real-key-1234567890",
        "model": "m",
        "validation": "off",
        "retry": {"max_attempts": 1},
        "timeouts": {"first_chunk_ms": 300, "stream_idle_ms": 300},
    });
    Client::new(&config.to_string()).unwrap()
}

#[test]
fn keep_alives_do_not_hold_a_stream_past_first_chunk_ms() {
    let client = stream_client("stream_keepalive_only:keepalive_ms=50");
    let ran = run(&client, &hello(true), None);
    let error = failure(&ran);
    let json = error.to_json();
    assert_eq!(error.class(), ErrorClass::Timeout, "{json}");
    let last = error.attempts.last().unwrap();
    assert_eq!(last.fault, Some("first_chunk_timeout"), "{json}");
    assert_eq!(last.phase, Some("first_chunk"), "{json}");
    assert!(json.contains("first_chunk_ms (300 ms)"), "{json}");
    assert!(
        ran.elapsed < Duration::from_millis(300) + MARGIN,
        "{:?}",
        ran.elapsed
    );
}

#[test]
fn keep_alives_after_a_chunk_do_not_reset_the_idle_timer() {
    let client = stream_client("stream_keepalive_only:chunks=1,keepalive_ms=50");
    let ran = run(&client, &hello(true), None);
    let error = failure(&ran);
    let json = error.to_json();
    let last = error.attempts.last().unwrap();
    assert_eq!(last.fault, Some("stream_idle_timeout"), "{json}");
    assert_eq!(last.phase, Some("stream"), "{json}");
    assert!(json.contains("stream_idle_ms (300 ms)"), "{json}");
    assert!(
        ran.elapsed < Duration::from_millis(300) + MARGIN,
        "{:?}",
        ran.elapsed
    );
}

#[test]
fn a_stream_that_stalls_after_its_first_chunk_hits_the_idle_timer() {
    let client = stream_client("stream_stall:chunks=1,stall_ms=60000");
    let ran = run(&client, &hello(true), None);
    let error = failure(&ran);
    let last = error.attempts.last().unwrap();
    assert_eq!(
        last.fault,
        Some("stream_idle_timeout"),
        "{}",
        error.to_json()
    );
}

#[test]
fn data_events_closer_than_the_idle_limit_keep_a_stream_alive() {
    // 20 chunks 100 ms apart: 2 s in all, each gap well inside the 300 ms idle limit.
    let client = stream_client("echo:chunk_delay_ms=100");
    let request = json!({
        "messages": [{"role": "user", "content": "a b c d e f g h i j k l m n o p q r s t"}],
        "stream": true
    });
    let ran = run(&client, &request, None);
    ran.result
        .expect("a stream with steady data events completes");
}

// ---- Cancellation, phase by phase ------------------------------------------------------------

#[test]
fn cancel_interrupts_a_connect_to_a_black_hole() {
    let (addr, _held) = black_hole();
    let client = client(&format!("http://{addr}/v1"), json!({}));
    let token = CancelToken::new();
    let ran = run(&client, &hello(false), Some((&token, CANCEL_AFTER)));
    assert_cancelled("connect (black hole)", &ran, Some("connect"));
}

#[test]
fn cancel_interrupts_a_tls_handshake() {
    let server = Hostile::start(accept_and_never_answer);
    let client = client(&server.url("https"), json!({}));
    let token = CancelToken::new();
    let ran = run(&client, &hello(false), Some((&token, CANCEL_AFTER)));
    assert_cancelled("tls handshake", &ran, Some("tls"));
}

#[test]
fn cancel_interrupts_sending_to_a_server_that_never_reads() {
    let server = Hostile::start_with(accept_and_never_read, true);
    let client = client(&server.url("http"), json!({}));
    let token = CancelToken::new();
    // Cancelled once the connection is open (the 6 MiB body is prepared by then, however long
    // that took on a loaded machine) and the send has had time to fill the socket's buffers.
    let started = Instant::now();
    let (result, cancelled_at) = thread::scope(|scope| {
        let canceller = scope.spawn(|| {
            let give_up = Instant::now() + Duration::from_secs(60);
            while server.accepted.load(Ordering::SeqCst) == 0 && Instant::now() < give_up {
                thread::sleep(Duration::from_millis(5));
            }
            thread::sleep(CANCEL_AFTER);
            token.cancel();
            started.elapsed()
        });
        let result = client.chat(&oversized(), Some(&token));
        (result, canceller.join().expect("the canceller"))
    });
    let ran = Ran {
        result,
        elapsed: started.elapsed(),
    };
    assert_cancelled_at("send (never read)", &ran, Some("send"), cancelled_at);
}

#[test]
fn cancel_interrupts_the_wait_for_the_head() {
    let server = Hostile::start(accept_and_never_answer);
    let client = client(&server.url("http"), json!({}));
    let token = CancelToken::new();
    let ran = run(&client, &hello(false), Some((&token, CANCEL_AFTER)));
    assert_cancelled("head (never answers)", &ran, Some("head"));
}

#[test]
fn cancel_interrupts_a_stalled_body() {
    let server = Hostile::start(head_then_stall);
    let client = client(&server.url("http"), json!({}));
    let token = CancelToken::new();
    let ran = run(&client, &hello(false), Some((&token, CANCEL_AFTER)));
    assert_cancelled("body (head then stall)", &ran, Some("body"));
}

#[test]
fn cancel_interrupts_a_stalled_stream() {
    let client = mock_client("stream_stall:chunks=2,stall_ms=60000", json!({}));
    let token = CancelToken::new();
    let ran = run(&client, &hello(true), Some((&token, CANCEL_AFTER)));
    assert_cancelled("stream (stall after 2)", &ran, Some("stream"));
}

#[test]
fn cancel_interrupts_a_stream_of_keep_alives() {
    let client = mock_client("stream_keepalive_only:keepalive_ms=20", json!({}));
    let token = CancelToken::new();
    let ran = run(&client, &hello(true), Some((&token, CANCEL_AFTER)));
    assert_cancelled("first chunk (keep-alives)", &ran, Some("first_chunk"));
}

#[test]
fn cancel_interrupts_a_backoff() {
    let config = json!({
        "provider": "openai",
        "base_url": mock().scenario_base_url("overloaded_then_ok:n=100", &session("cb")),
        "api_key": "sk-test-not-a-real-key-1234567890",
        "model": "m",
        "validation": "off",
        "retry": {"initial_backoff_ms": 60000, "max_backoff_ms": 60000, "jitter": "none"},
    });
    let client = Client::new(&config.to_string()).unwrap();
    let token = CancelToken::new();
    let ran = run(&client, &hello(false), Some((&token, CANCEL_AFTER)));
    assert_cancelled("backoff", &ran, None);
}

#[test]
fn a_cancelled_read_that_makes_progress_stops_is_not_a_success_and_is_not_reused() {
    let server = Hostile::start(trickle_first);
    let client = client(&server.url("http"), json!({}));
    let token = CancelToken::new();
    let ran = run(&client, &hello(false), Some((&token, CANCEL_AFTER)));
    assert_cancelled("body (trickle, progressing)", &ran, Some("body"));
    let metrics = client.metrics_json();
    assert_eq!(metrics["successes"], 0, "{metrics}");
    assert_eq!(metrics["failures_by_class"]["cancelled"], 1, "{metrics}");
    // The next call must not get the interrupted connection back from the pool.
    let again = run(&client, &hello(false), None);
    again.result.expect("a fresh connection answers");
    assert_eq!(server.accepted.load(Ordering::SeqCst), 2);
}

#[test]
fn a_cancelled_stream_never_delivers_another_chunk() {
    let client = mock_client("stream_stall:chunks=2,stall_ms=60000", json!({}));
    let token = CancelToken::new();
    let delivered = AtomicUsize::new(0);
    let started = Instant::now();
    let result = thread::scope(|scope| {
        scope.spawn(|| {
            thread::sleep(CANCEL_AFTER);
            token.cancel();
        });
        client.chat_stream(
            &hello(true),
            &mut |_| {
                delivered.fetch_add(1, Ordering::SeqCst);
                ChunkControl::Continue
            },
            Some(&token),
        )
    });
    let error = result.expect_err("cancelled");
    assert_eq!(error.class(), ErrorClass::Cancelled);
    assert_eq!(delivered.load(Ordering::SeqCst), 2);
    assert!(started.elapsed() < CANCEL_AFTER + MARGIN);
}

// ---- Transport faults named for what they are ------------------------------------------------

fn single_attempt(base_url: &str) -> Client {
    let config = json!({
        "provider": "openai",
        "base_url": base_url,
        "api_key": "sk-test-not-a-real-key-1234567890",
        "model": "m",
        "validation": "off",
        "retry": {"max_attempts": 1},
        "timeouts": {"connect_ms": 2000, "attempt_ms": 3000},
    });
    Client::new(&config.to_string()).unwrap()
}

fn fault_of(client: &Client) -> (ErrorObject, &'static str, &'static str) {
    let error = client
        .chat(&hello(false), None)
        .expect_err("the call fails");
    let last = error.attempts.last().unwrap().clone();
    (error, last.fault.unwrap_or("-"), last.phase.unwrap_or("-"))
}

#[test]
fn a_name_that_does_not_resolve_is_a_dns_fault() {
    let client = single_attempt("http://no-such-host.invalid/v1");
    let (error, fault, phase) = fault_of(&client);
    let json = error.to_json();
    assert_eq!((fault, phase), ("dns", "dns"), "{json}");
    assert_eq!(error.class(), ErrorClass::Network, "{json}");
    assert!(
        error.classification.message.contains("DNS lookup failed ("),
        "{json}"
    );
    assert!(!json.contains("reset"), "{json}");
}

#[test]
fn a_closed_port_is_connection_refused() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let client = single_attempt(&format!("http://{port}/v1"));
    let (error, fault, phase) = fault_of(&client);
    assert_eq!(
        (fault, phase),
        ("connection_refused", "connect"),
        "{}",
        error.to_json()
    );
    assert!(error
        .classification
        .message
        .contains("connection refused ("));
}

#[test]
fn a_reset_before_the_head_is_connection_reset() {
    let client = single_attempt(
        &mock().scenario_base_url("reset_before_headers_then_ok:n=5", &session("rst")),
    );
    let (error, fault, phase) = fault_of(&client);
    assert_eq!(
        (fault, phase),
        ("connection_reset", "head"),
        "{}",
        error.to_json()
    );
}

#[test]
fn a_body_cut_short_is_truncated() {
    let client = single_attempt(
        &mock().scenario_base_url("truncated_chunked_then_ok:n=5", &session("trunc")),
    );
    let (error, fault, phase) = fault_of(&client);
    assert_eq!((fault, phase), ("truncated", "body"), "{}", error.to_json());
}

#[test]
fn a_tls_failure_is_named_tls() {
    // A plain-HTTP server spoken to with https: the handshake reads an HTTP answer.
    let client = single_attempt(&mock().base_url().replace("http://", "https://"));
    let (error, fault, phase) = fault_of(&client);
    assert_eq!((fault, phase), ("tls", "tls"), "{}", error.to_json());
    assert_eq!(error.class(), ErrorClass::Network);
}

#[test]
fn an_attempt_timeout_names_its_phase() {
    let server = Hostile::start(head_then_stall);
    let config = json!({
        "provider": "openai", "base_url": server.url("http"), "api_key": "sk-x-1234", "model": "m",
        "validation": "off", "retry": {"max_attempts": 1}, "timeouts": {"attempt_ms": 300},
    });
    let client = Client::new(&config.to_string()).unwrap();
    let (error, fault, phase) = fault_of(&client);
    let json = error.to_json();
    assert_eq!((fault, phase), ("attempt_timeout", "body"), "{json}");
    assert_eq!(error.class(), ErrorClass::Timeout);
    assert!(
        error.classification.message.contains("attempt_ms 300 ms"),
        "{json}"
    );
    assert_ne!(error.stop_reason, Some(StopReason::Deadline), "{json}");
}

#[test]
fn a_connect_timeout_is_named_connect_timeout() {
    let (addr, _held) = black_hole();
    let config = json!({
        "provider": "openai", "base_url": format!("http://{addr}/v1"), "api_key": "sk-x-1234",
        "model": "m", "validation": "off", "retry": {"max_attempts": 1},
        "timeouts": {"connect_ms": 300},
    });
    let client = Client::new(&config.to_string()).unwrap();
    let (error, fault, phase) = fault_of(&client);
    assert_eq!(
        (fault, phase),
        ("connect_timeout", "connect"),
        "{}",
        error.to_json()
    );
}

// ---- The command line ------------------------------------------------------------------------

#[test]
fn cli_timeout_ms_cuts_slow_headers() {
    let url = mock().scenario_base_url("slow_headers:delay_ms=3000", &session("cli"));
    let started = Instant::now();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_llmwire"))
        .args([
            "chat",
            "--provider",
            "openai",
            "--base-url",
            &url,
            "--api-key",
            "sk-test-1234",
        ])
        .args(["--model", "m", "--timeout-ms", "1000", "hi"])
        .output()
        .expect("llmwire runs");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("deadline"), "{stderr}");
    assert!(
        elapsed < Duration::from_millis(1000) + MARGIN,
        "{elapsed:?}"
    );
}
