//! Fleet benchmarks (`cargo bench --bench fleet [-- overhead|outage|limits]`, or `make
//! bench-fleet`): minutes, not a test. Every figure is printed from one run.
//!
//! 1. `overhead`: per-call cost of a plain client, a one-target `targets` list, and a one-target
//!    list with limits, against `llmwire mock --fast` in this process (alternating rounds, medians).
//! 2. `outage`: two targets; the primary fails (503s, then refused connections) for 20 s in the
//!    middle of a 60 s run at a steady rate from 16 threads. Success rate, calls that reached the
//!    primary while its breaker was open, and how soon calls returned to it after it recovered.
//! 3. `limits`: 16 threads against one target the mock limits to 1,200 requests per minute
//!    (enforced per second, 20 a second, as providers quantise their limits), with the client's
//!    `limits.rpm` set the same, with pacing from the provider's headers only, and with a plain
//!    client (retries on 429s): failed calls, the share of requests answered 429, goodput.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use llmwire::client::Client;
use llmwire::mock::{MockOptions, MockServer, Outage, OutageMode, QuotaOptions};
use serde_json::{json, Value};

fn request() -> Value {
    json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "How fast is this?"}]})
}

fn client(config: &Value) -> Client {
    Client::new(&config.to_string()).expect("bench config")
}

fn target(name: &str, base_url: &str) -> Value {
    json!({"name": name, "base_url": base_url, "api_key": "bench-key", "model": "gpt-4o-mini"})
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn overhead() {
    const ROUNDS: usize = 21;
    const CALLS: usize = 400;
    let server = MockServer::start(MockOptions {
        fast: true,
        ..MockOptions::default()
    })
    .expect("mock");
    let url = server.base_url();
    let plain = client(&json!({"base_url": url, "api_key": "bench-key", "validation": "off"}));
    let one = client(&json!({"targets": [target("only", &url)], "validation": "off"}));
    let mut limited_target = target("only", &url);
    limited_target["limits"] =
        json!({"rpm": 100_000_000, "tpm": 100_000_000_000_u64, "max_in_flight": 64});
    let limited = client(&json!({"targets": [limited_target], "validation": "off"}));
    let sides: [(&str, &Client); 3] = [
        ("plain config", &plain),
        ("one-target list", &one),
        ("one target + limits", &limited),
    ];
    let request = request();
    let mut samples = vec![Vec::new(); sides.len()];
    for (_, client) in &sides {
        for _ in 0..200 {
            client.chat_json(&request, None).expect("warm-up");
        }
    }
    for round in 0..ROUNDS {
        for offset in 0..sides.len() {
            let side = (round + offset) % sides.len();
            let started = Instant::now();
            for _ in 0..CALLS {
                std::hint::black_box(sides[side].1.chat_json(&request, None).expect("call"));
            }
            samples[side].push(started.elapsed().as_secs_f64() * 1e6 / CALLS as f64);
        }
    }
    println!(
        "overhead: sequential calls against mock --fast ({ROUNDS} rounds of {CALLS}; medians)"
    );
    let base = median(&mut samples[0].clone());
    for (index, (name, _)) in sides.iter().enumerate() {
        let per_call = median(&mut samples[index]);
        println!(
            "  {name:<22} {per_call:8.1} µs/call  ({:+.1}% vs plain)",
            (per_call / base - 1.0) * 100.0
        );
    }
}

/// When something happened, from the start of the run.
type Timeline = Arc<Mutex<Vec<(Duration, Value)>>>;

fn outage() {
    const THREADS: usize = 16;
    const RUN: Duration = Duration::from_secs(60);
    const PERIOD: Duration = Duration::from_millis(100);
    const OUTAGE_START_MS: u64 = 20_000;
    const OUTAGE_MS: u64 = 20_000;
    const COOLDOWN_MS: u64 = 5_000;
    let primary = MockServer::start(MockOptions {
        outage: Some(Outage {
            start_ms: OUTAGE_START_MS,
            duration_ms: OUTAGE_MS,
            mode: OutageMode::UnavailableThenRefuse,
        }),
        ..MockOptions::default()
    })
    .expect("mock");
    let backup = MockServer::start(MockOptions::default()).expect("mock");
    let started = Instant::now();
    let client = Arc::new(client(&json!({
        "targets": [target("primary", &primary.base_url()), target("backup", &backup.base_url())],
        "validation": "off",
        "fleet": {"breaker": {"failures": 5, "window_ms": 10_000, "cooldown_ms": COOLDOWN_MS}},
    })));
    let timeline: Timeline = Arc::default();
    {
        let timeline = Arc::clone(&timeline);
        client.set_event_hook(Some(Arc::new(move |json: &str| {
            let event: Value = serde_json::from_str(json).unwrap_or_default();
            if event["event"] != "attempt" || event["target"] == "primary" {
                timeline.lock().unwrap().push((started.elapsed(), event));
            }
        })));
    }
    let (succeeded, failed) = (AtomicU64::new(0), AtomicU64::new(0));
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let (client, succeeded, failed) = (&client, &succeeded, &failed);
            scope.spawn(move || {
                let request = request();
                // Threads start spread over one period, for a steady rate.
                let mut next = started + PERIOD * thread as u32 / THREADS as u32;
                while next < started + RUN {
                    if let Some(wait) = next.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    match client.chat_json(&request, None) {
                        Ok(_) => succeeded.fetch_add(1, Ordering::Relaxed),
                        Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                    };
                    next += PERIOD;
                }
            });
        }
    });
    let (ok, bad) = (succeeded.into_inner(), failed.into_inner());
    let events = timeline.lock().unwrap();
    let transitions: Vec<(Duration, String)> = events
        .iter()
        .filter(|(_, e)| e["event"] == "target" && e["target"] == "primary")
        .map(|(at, e)| (*at, e["transition"].as_str().unwrap_or("").to_owned()))
        .collect();
    // Attempts on the primary while its breaker was open (between an open and the next half-open)
    // and probes (half-open attempts).
    let mut open = false;
    let mut while_open = 0;
    let mut first_open: Option<Duration> = None;
    let mut probes = 0;
    for (at, event) in events.iter() {
        match (event["event"].as_str(), event["transition"].as_str()) {
            (Some("target"), Some("breaker_open")) => {
                open = true;
                first_open.get_or_insert(*at);
            }
            (Some("target"), Some("breaker_half_open")) => {
                open = false;
                probes += 1;
            }
            (Some("target"), Some("breaker_closed")) => open = false,
            (Some("attempt"), _) if open => while_open += 1,
            _ => {}
        }
    }
    let recovered_at = Duration::from_millis(OUTAGE_START_MS + OUTAGE_MS);
    let back = events
        .iter()
        .find(|(at, e)| *at >= recovered_at && e["event"] == "attempt" && e["outcome"] == "success")
        .map(|(at, _)| *at - recovered_at);
    let stats = primary.limit_stats();
    println!("outage: 2 targets, 16 threads, one call per thread every {PERIOD:?}, {RUN:?}; primary down 20 s from 20 s (503s, then refused connections); breaker 5 failures / 10 s, cooldown {COOLDOWN_MS} ms");
    println!(
        "  calls {}  succeeded {ok}  failed {bad}  success {:.3}%",
        ok + bad,
        ok as f64 * 100.0 / (ok + bad).max(1) as f64
    );
    println!(
        "  primary during the outage: {} 503s answered, {} connections refused",
        stats["outage_answers"], stats["outage_refusals"]
    );
    println!(
        "  breaker first opened at {:?}; attempts on the primary while open: {while_open}; probes: {probes}",
        first_open.unwrap_or_default()
    );
    println!(
        "  primary transitions: {}",
        transitions
            .iter()
            .map(|(at, t)| format!("{t}@{:.1}s", at.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    match back {
        Some(delay) => println!("  first success on the primary {delay:?} after it recovered (cooldown {COOLDOWN_MS} ms)"),
        None => println!("  the primary never answered again"),
    }
}

fn limits_run(name: &str, config: impl Fn(&str) -> Value) {
    const THREADS: usize = 16;
    const CALLS: usize = 1_200;
    let server = MockServer::start(MockOptions {
        quota: QuotaOptions {
            rpm: Some(20),
            tpm: None,
            window_ms: Some(1_000),
        },
        ..MockOptions::default()
    })
    .expect("mock");
    let client = Arc::new(client(&config(&server.base_url())));
    let next = AtomicU64::new(0);
    let (succeeded, failed) = (AtomicU64::new(0), AtomicU64::new(0));
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            let (client, next, succeeded, failed) = (&client, &next, &succeeded, &failed);
            scope.spawn(move || {
                let request = request();
                while next.fetch_add(1, Ordering::Relaxed) < CALLS as u64 {
                    match client.chat_json(&request, None) {
                        Ok(_) => succeeded.fetch_add(1, Ordering::Relaxed),
                        Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                    };
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let stats = server.limit_stats();
    let (admitted, limited) = (
        stats["admitted"].as_u64().unwrap_or(0),
        stats["limited"].as_u64().unwrap_or(0),
    );
    let ok = succeeded.into_inner();
    println!(
        "  {name:<34} failed {:>4}  429s {:>5} of {:>5} requests ({:5.2}%)  goodput {:5.1}% of the limit  ({:.1} s)",
        failed.into_inner(),
        limited,
        admitted + limited,
        limited as f64 * 100.0 / (admitted + limited).max(1) as f64,
        ok as f64 / elapsed.as_secs_f64() / 20.0 * 100.0,
        elapsed.as_secs_f64()
    );
}

fn limits() {
    println!("limits: 16 threads, 1,200 calls, one target limited by the mock to 1,200/min (20 per 1 s window)");
    limits_run("client limits.rpm = the mock's", |url| {
        let mut one = target("limited", url);
        one["limits"] = json!({"rpm": 20, "window_ms": 1000});
        json!({"targets": [one], "validation": "off"})
    });
    limits_run(
        "no client limits, provider pacing",
        |url| json!({"targets": [target("limited", url)], "validation": "off"}),
    );
    limits_run(
        "plain client (retries 429s)",
        |url| json!({"base_url": url, "api_key": "bench-key", "validation": "off"}),
    );
}

fn main() {
    let modes: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let wants = |mode: &str| modes.is_empty() || modes.iter().any(|m| m == mode);
    if wants("overhead") {
        overhead();
    }
    if wants("limits") {
        limits();
    }
    if wants("outage") {
        outage();
    }
}
