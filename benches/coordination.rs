//! Coordination benchmarks (`cargo bench --bench coordination [-- round_trip|fleet]`, part of
//! `make bench-fleet`): minutes, not a test. Every figure is printed from one run.
//!
//! 1. `round_trip`: what sharing costs per attempt: the acquire and finish scripts against a local
//!    `redis-server`, one after the other (p50/p99 of each).
//! 2. `fleet`: 8 processes × 8 threads, 2,000 calls to one mock target limited to 1,200 requests
//!    a minute (enforced per second, 20 a second, as providers quantise their limits), for
//!    llmwire with its state in Redis, llmwire with its state in each process's memory, and the
//!    `openai` Python package (8 processes, default retries; needs `build/venv-python` with
//!    `openai` installed, else skipped with a line saying so). Goodput (completed calls per
//!    second ÷ the limit), 429s the mock sent, failed calls, p50/p99 latency.
//!
//! The worker processes are this benchmark binary again (`coordination worker JOB`).

#[path = "../tests/integration/redis_server.rs"]
mod redis_server;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use llmwire::client::Client;
use llmwire::coordination::RedisStore;
use llmwire::fleet::{Acquire, FleetPolicy, Limits, MemoryStore, Outcome, TargetKey};
use llmwire::fleet::{Effect, TargetStateStore};
use llmwire::mock::{MockOptions, MockServer, QuotaOptions};
use llmwire::retry::RetryBudget;
use redis_server::RedisServer;
use serde_json::{json, Value};

const PROCESSES: usize = 8;
const THREADS: usize = 8;
const CALLS: usize = 2_000;
/// 1,200 a minute, as 20 per 1 s window.
const LIMIT_PER_WINDOW: u32 = 20;
const WINDOW_MS: u64 = 1_000;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn wall_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn round_trip(server: &RedisServer) {
    const SAMPLES: usize = 20_000;
    let config = serde_json::from_value(json!({
        "backend": "redis", "url": server.url(), "namespace": "bench-round-trip",
        "timeout_ms": 1_000,
    }))
    .expect("config");
    let store = RedisStore::new(
        &config,
        &["only"],
        MemoryStore::new(1, Arc::new(RetryBudget::new(500))),
        500,
        60_000,
    )
    .expect("store");
    let target = TargetKey {
        index: 0,
        name: Arc::from("only"),
    };
    let limits = Limits {
        rpm: Some(100_000_000),
        tpm: Some(100_000_000_000),
        max_in_flight: Some(64),
        window_ms: Some(60_000),
    };
    let policy = FleetPolicy::default();
    let healthy = Outcome {
        effect: Some(Effect::Healthy),
        tokens_used: Some(20),
        pace_until_ms: None,
    };
    let (mut acquire, mut finish) = (Vec::new(), Vec::new());
    for round in 0..SAMPLES + 1_000 {
        let started = Instant::now();
        let Acquire::Granted(grant) = store.acquire(&target, wall_ms(), &limits, 30, &policy)
        else {
            panic!("granted");
        };
        let acquired = Instant::now();
        store.finish(&grant, wall_ms(), &healthy, &policy);
        let done = Instant::now();
        if round >= 1_000 {
            acquire.push((acquired - started).as_secs_f64() * 1e6);
            finish.push((done - acquired).as_secs_f64() * 1e6);
        }
    }
    assert!(store.is_up(), "Redis answered every round trip");
    println!("round trip: acquire and finish scripts against a local redis-server, {SAMPLES} sequential pairs (window holding up to 60 s of them)");
    for (name, samples) in [
        ("acquire (reserve)", &mut acquire),
        ("finish (settle)", &mut finish),
    ] {
        samples.sort_by(f64::total_cmp);
        println!(
            "  {name:<18} p50 {:6.1} µs   p99 {:6.1} µs",
            percentile(samples, 0.5),
            percentile(samples, 0.99)
        );
    }
}

/// A worker process: runs its share of calls over `threads` threads and prints its latencies.
fn worker(job: &str) {
    let job: Value = serde_json::from_str(job).expect("a job");
    let client = Client::new(&job["config"].to_string()).expect("config");
    let calls = job["calls"].as_u64().unwrap_or(0);
    let next = AtomicU64::new(0);
    let (ok, failed) = (AtomicU64::new(0), AtomicU64::new(0));
    let latencies = Mutex::new(Vec::new());
    let request = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "How fast is this?"}]});
    std::thread::scope(|scope| {
        for _ in 0..job["threads"].as_u64().unwrap_or(1) {
            scope.spawn(|| {
                while next.fetch_add(1, Ordering::Relaxed) < calls {
                    let started = Instant::now();
                    match client.chat_json(&request, None) {
                        Ok(_) => ok.fetch_add(1, Ordering::Relaxed),
                        Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                    };
                    let ms = started.elapsed().as_secs_f64() * 1e3;
                    latencies.lock().unwrap().push(ms);
                }
            });
        }
    });
    let coordination = client.metrics_json()["coordination"].clone();
    println!(
        "{}",
        json!({"ok": ok.into_inner(), "failed": failed.into_inner(),
               "latencies_ms": latencies.into_inner().unwrap(), "coordination": coordination})
    );
}

/// Runs one side: `PROCESSES` processes made by `command(share)`, each printing one JSON line.
fn fleet_side(name: &str, provider: &MockServer, command: &dyn Fn(usize) -> Command) {
    let before = provider.limit_stats();
    let started = Instant::now();
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            // 2,000 calls split evenly over 8 processes.
            command(CALLS / PROCESSES)
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("a worker process")
        })
        .collect();
    let reports: Vec<Value> = children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().expect("the worker ends");
            let stdout = String::from_utf8_lossy(&output.stdout);
            let line = stdout.lines().last().unwrap_or("{}");
            serde_json::from_str(line).unwrap_or_else(|_| json!({"failed": 0, "error": line}))
        })
        .collect();
    let elapsed = started.elapsed().as_secs_f64();
    let after = provider.limit_stats();
    let delta = |key: &str| after[key].as_u64().unwrap_or(0) - before[key].as_u64().unwrap_or(0);
    let (admitted, limited) = (delta("admitted"), delta("limited"));
    let sum = |key: &str| -> u64 { reports.iter().map(|r| r[key].as_u64().unwrap_or(0)).sum() };
    let (ok, failed) = (sum("ok"), sum("failed"));
    let mut latencies: Vec<f64> = reports
        .iter()
        .flat_map(|r| r["latencies_ms"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v.as_f64())
        .collect();
    latencies.sort_by(f64::total_cmp);
    let fallbacks: u64 = reports
        .iter()
        .map(|r| r["coordination"]["fallbacks"].as_u64().unwrap_or(0))
        .sum();
    let limit_per_s = f64::from(LIMIT_PER_WINDOW) * 1_000.0 / WINDOW_MS as f64;
    println!(
        "  {name:<18} {:>6.1}%   {:>5} of {:>5} ({:>5.2}%)   {:>6}   {:>8.0}   {:>8.0}   {:>6.1}{}",
        ok as f64 / elapsed / limit_per_s * 100.0,
        limited,
        admitted + limited,
        limited as f64 * 100.0 / (admitted + limited).max(1) as f64,
        failed,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        elapsed,
        if fallbacks > 0 {
            format!("   ({fallbacks} operations served locally)")
        } else {
            String::new()
        }
    );
}

fn fleet(server: &RedisServer) {
    let provider = MockServer::start(MockOptions {
        quota: QuotaOptions {
            rpm: Some(u64::from(LIMIT_PER_WINDOW)),
            tpm: None,
            window_ms: Some(WINDOW_MS),
        },
        ..MockOptions::default()
    })
    .expect("mock");
    let url = provider.base_url();
    let exe = std::env::current_exe().expect("this benchmark");
    let llmwire = |coordination: Value| {
        let exe = exe.clone();
        let config = json!({
            "targets": [{"name": "limited", "base_url": url, "api_key": "bench-key",
                         "model": "gpt-4o-mini",
                         "limits": {"rpm": LIMIT_PER_WINDOW, "window_ms": WINDOW_MS}}],
            "validation": "off",
            "coordination": coordination,
        });
        move |share: usize| {
            let mut command = Command::new(&exe);
            let job = json!({"config": config, "calls": share, "threads": THREADS});
            command.args(["worker", &job.to_string()]);
            command
        }
    };
    println!("fleet: {PROCESSES} processes × {THREADS} threads, {CALLS} calls, one target the mock limits to 1,200/min (20 per 1 s window); client limits.rpm the same");
    println!(
        "  {:<18} {:>7}   {:>22}   {:>6}   {:>8}   {:>8}   {:>6}",
        "client", "goodput", "429s from the mock", "failed", "p50 ms", "p99 ms", "secs"
    );
    let namespace = format!("bench-{}", std::process::id());
    fleet_side(
        "llmwire + redis",
        &provider,
        &llmwire(json!({"backend": "redis", "url": server.url(), "namespace": namespace})),
    );
    std::thread::sleep(Duration::from_millis(WINDOW_MS + 100));
    fleet_side(
        "llmwire + memory",
        &provider,
        &llmwire(json!({"backend": "memory"})),
    );
    let python = "build/venv-python/bin/python";
    let has_openai = Command::new(python)
        .args(["-c", "import openai"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if has_openai {
        std::thread::sleep(Duration::from_millis(WINDOW_MS + 100));
        let base_url = provider.base_url();
        fleet_side("openai (Python)", &provider, &move |share: usize| {
            let mut command = Command::new(python);
            command.args([
                "benches/coordination_openai.py",
                &base_url,
                &share.to_string(),
                &THREADS.to_string(),
            ]);
            command
        });
    } else {
        println!("  openai (Python)    skipped: {python} with the openai package not found (python3 -m venv build/venv-python && build/venv-python/bin/pip install openai)");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("worker") {
        worker(args.get(1).map_or("{}", String::as_str));
        return;
    }
    let modes: Vec<&String> = args.iter().filter(|arg| !arg.starts_with("--")).collect();
    let wants = |mode: &str| modes.is_empty() || modes.iter().any(|m| *m == mode);
    let Some(server) = RedisServer::start("bench coordination") else {
        println!("coordination: skipped, redis-server is not installed");
        return;
    };
    if wants("round_trip") {
        round_trip(&server);
    }
    if wants("fleet") {
        fleet(&server);
    }
}
