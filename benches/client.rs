//! Client overhead against the bundled simulated provider on loopback (`cargo bench --bench client`).
//!
//! 1. Sequential calls through one `Client` vs a bare ureq loop sending the same request to the
//!    same endpoint over one keep-alive connection: the per-call ratio (target ≤ 1.10×).
//! 2. 16 threads sharing one `Client` vs 16 threads with a bare ureq agent each: the throughput
//!    ratio (target ≥ 0.9×).
//! 3. Peak RSS across 100,000 calls through one client, sampled every 10,000 (target: flat).
//! 4. `fast`: the Rust API against `llmwire mock --fast`, the figure the binding benchmarks
//!    compare with.
//!
//! The mock runs in this process. Sequential modes pin the process to one CPU (see
//! [`pin_to_one_cpu`]); each mode runs in its own process.

use std::hint::black_box;
use std::time::Instant;

mod common;

use common::{median, micros_per_call};
use llmwire::client::Client;
use llmwire::mock::{MockOptions, MockServer};
use serde_json::{json, Value};

const WARMUP: usize = 300;
const SEQUENTIAL_CALLS: usize = 6_000;
const THREADS: usize = 16;
const CALLS_PER_THREAD: usize = 500;
const RSS_CALLS: usize = 100_000;
const ROUNDS: usize = 30;

fn request() -> Value {
    json!({ "model": "gpt-4o-mini", "messages": [{ "role": "user", "content": "How fast is this?" }] })
}

fn client(base_url: &str, validation: &str) -> Client {
    let config = json!({ "base_url": base_url, "api_key": "bench-key", "validation": validation });
    Client::new(&config.to_string()).expect("bench config")
}

/// What a caller without llmwire minimally does: serialise the request, send it, read the bytes.
fn bare_call(agent: &ureq::Agent, url: &str, request: &Value) -> Vec<u8> {
    let body = serde_json::to_vec(request).expect("request serialises");
    let mut response = agent
        .post(url)
        .header("content-type", "application/json")
        .header("authorization", "Bearer bench-key")
        .send(&body[..])
        .expect("bare ureq call");
    response.body_mut().read_to_vec().expect("bare body")
}

/// As [`bare_call`], and the answer parsed into a `Value`.
fn bare_parsed_call(agent: &ureq::Agent, url: &str, request: &Value) -> Value {
    serde_json::from_slice(&bare_call(agent, url, request)).expect("a JSON answer")
}

/// One side of the sequential comparison: a name and one call.
type Side<'a> = (&'static str, Box<dyn Fn() + 'a>);

fn sequential(base_url: &str) {
    let url = format!("{base_url}/chat/completions");
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let strict = client(base_url, "strict");
    let off = client(base_url, "off");
    let request = request();
    let sides: Vec<Side> = vec![
        (
            "bare ureq: serialise, send, read the bytes",
            Box::new(|| drop(black_box(bare_call(&agent, &url, &request)))),
        ),
        (
            "llmwire chat_json, validation strict",
            Box::new(|| drop(black_box(strict.chat_json(&request, None).unwrap()))),
        ),
        (
            "llmwire chat_json, validation off",
            Box::new(|| drop(black_box(off.chat_json(&request, None).unwrap()))),
        ),
        (
            "bare ureq + parse the answer to a Value",
            Box::new(|| drop(black_box(bare_parsed_call(&agent, &url, &request)))),
        ),
        (
            "llmwire chat (a Value), validation strict",
            Box::new(|| drop(black_box(strict.chat(&request, None).unwrap()))),
        ),
    ];
    for (_, call) in &sides {
        for _ in 0..WARMUP {
            call();
        }
    }
    // Many short rounds, the sides in a different order each round, so that drift in machine load
    // hits every side alike; each ratio is taken within a round, and the median round counts.
    let calls = SEQUENTIAL_CALLS / ROUNDS;
    let mut rounds: Vec<Vec<f64>> = Vec::new();
    for round in 0..ROUNDS {
        let mut times = vec![0.0; sides.len()];
        for k in 0..sides.len() {
            let index = (round + k) % sides.len();
            let start = Instant::now();
            for _ in 0..calls {
                (sides[index].1)();
            }
            times[index] = micros_per_call(start.elapsed(), calls);
        }
        rounds.push(times);
    }
    let ratio =
        |side: usize, base: usize| median(rounds.iter().map(|r| r[side] / r[base]).collect());
    println!(
        "sequential calls over one keep-alive connection ({ROUNDS} rounds of {calls} calls per side; medians)"
    );
    for (index, (name, _)) in sides.iter().enumerate() {
        let us = median(rounds.iter().map(|r| r[index]).collect());
        let versus = match index {
            1 | 2 => format!("ratio {:.3}× the bare loop", ratio(index, 0)),
            4 => format!("ratio {:.3}× bare + parse", ratio(4, 3)),
            _ => String::new(),
        };
        println!("  {name:44} {us:7.1} µs/call  {versus}");
    }
    println!("  target: ≤ 1.10× for llmwire over the bare loop");
}

/// Calls per second of `THREADS` threads making `CALLS_PER_THREAD` calls each, with the call that
/// `setup` makes on each thread (so what it builds there is that thread's own).
fn throughput<C: FnMut()>(setup: impl Fn() -> C + Sync) -> f64 {
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                let mut call = setup();
                for _ in 0..CALLS_PER_THREAD {
                    call();
                }
            });
        }
    });
    (THREADS * CALLS_PER_THREAD) as f64 / start.elapsed().as_secs_f64()
}

fn threaded(base_url: &str) {
    let url = &format!("{base_url}/chat/completions");
    let run_bare = || {
        throughput(|| {
            let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
            let request = request();
            move || drop(black_box(bare_call(&agent, url, &request)))
        })
    };
    let shared_agent: &ureq::Agent = &ureq::Agent::config_builder().build().into();
    let run_bare_shared = || {
        throughput(|| {
            let request = request();
            move || drop(black_box(bare_call(shared_agent, url, &request)))
        })
    };
    let shared = &client(base_url, "strict");
    let run_shared = || {
        throughput(|| {
            let request = request();
            move || drop(black_box(shared.chat_json(&request, None).unwrap()))
        })
    };
    run_bare();
    run_shared();
    let mut runs = Vec::new();
    for _ in 0..5 {
        runs.push((run_bare(), run_bare_shared(), run_shared()));
    }
    runs.sort_by(|a, b| (a.2 / a.0).total_cmp(&(b.2 / b.0)));
    let (bare, bare_shared, llmwire) = runs[runs.len() / 2];
    println!("{THREADS} threads × {CALLS_PER_THREAD} calls (median of 5 runs)");
    println!("  16 bare agents, one per thread {bare:8.0} calls/s");
    println!(
        "  one bare agent shared          {bare_shared:8.0} calls/s   ratio {:.3}×",
        bare_shared / bare
    );
    println!(
        "  one shared llmwire client      {llmwire:8.0} calls/s   ratio {:.3}×  (target ≥ 0.9×)",
        llmwire / bare
    );
}

fn resident_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix(field).map(|rest| {
                    rest.trim()
                        .trim_end_matches(" kB")
                        .trim()
                        .parse()
                        .unwrap_or(0)
                })
            })
        })
        .unwrap_or(0)
}

fn memory(base_url: &str) {
    let client = client(base_url, "strict");
    let request = request();
    println!("RSS across {RSS_CALLS} calls through one client (VmRSS / VmHWM, kB)");
    for done in 0..=RSS_CALLS {
        if done % 10_000 == 0 {
            println!(
                "  after {done:6} calls: {:7} / {:7}",
                resident_kb("VmRSS:"),
                resident_kb("VmHWM:")
            );
        }
        if done < RSS_CALLS {
            black_box(client.chat(&request, None).unwrap());
        }
    }
}

/// `profile SIDE N`: N calls of one side only, for `valgrind --tool=callgrind` (instructions are
/// repeatable where wall time is not). Point `LLMWIRE_BENCH_BASE_URL` at a separate
/// `llmwire mock` so only the caller's instructions are counted.
fn profile(base_url: &str, side: &str, calls: usize) {
    let url = format!("{base_url}/chat/completions");
    let request = request();
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let strict = client(base_url, "strict");
    let off = client(base_url, "off");
    for _ in 0..calls {
        match side {
            "bare" => {
                black_box(bare_call(&agent, &url, &request));
            }
            "bare-parse" => {
                black_box(bare_parsed_call(&agent, &url, &request));
            }
            "off" => {
                black_box(off.chat(&request, None).unwrap());
            }
            "strict" => {
                black_box(strict.chat(&request, None).unwrap());
            }
            "text-off" => {
                black_box(off.chat_json(&request, None).unwrap());
            }
            "text-strict" => {
                black_box(strict.chat_json(&request, None).unwrap());
            }
            other => {
                panic!("unknown side {other}: bare, bare-parse, off, strict, text-off, text-strict")
            }
        }
    }
}

/// Runs this process (and every thread it starts from now on) on its first allowed CPU only,
/// unless `LLMWIRE_BENCH_PIN=0`. Sequential calls then cost what the client, the server and the
/// kernel do, rather than how long an idle core takes to wake up, which on a small VM varies from
/// run to run and from connection to connection by more than a whole call costs.
fn pin_to_one_cpu() -> String {
    if std::env::var("LLMWIRE_BENCH_PIN").as_deref() == Ok("0") {
        return "not pinned (LLMWIRE_BENCH_PIN=0)".into();
    }
    // SAFETY: a zeroed cpu_set_t is a valid empty set; both calls only read or write `set`.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        let size = std::mem::size_of::<libc::cpu_set_t>();
        if libc::sched_getaffinity(0, size, &mut set) != 0 {
            return "not pinned (sched_getaffinity failed)".into();
        }
        let Some(cpu) = (0..libc::CPU_SETSIZE as usize).find(|&cpu| libc::CPU_ISSET(cpu, &set))
        else {
            return "not pinned (no CPU allowed?)".into();
        };
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(0, size, &set) != 0 {
            return "not pinned (sched_setaffinity failed)".into();
        }
        format!("client and mock pinned to CPU {cpu} (LLMWIRE_BENCH_PIN=0 to leave them free)")
    }
}

/// The Rust API against `llmwire mock --fast` (one fixed completion, nothing else done): the
/// figure the Python and Node binding benchmarks compare with.
fn fast_endpoint() {
    // In this process, unless LLMWIRE_BENCH_BASE_URL names one (e.g. a separate `mock --fast`).
    let external = std::env::var("LLMWIRE_BENCH_BASE_URL").ok();
    let server = external.is_none().then(|| {
        MockServer::start(MockOptions {
            fast: true,
            ..MockOptions::default()
        })
        .expect("the mock starts")
    });
    let base_url = match (&server, external) {
        (Some(server), _) => server.base_url(),
        (None, url) => url.unwrap_or_default(),
    };
    let client = client(&base_url, "strict");
    let request = request();
    let sides: Vec<Side> = vec![
        (
            "chat (a Value in, a Value out: what a binding does)",
            Box::new(|| drop(black_box(client.chat(&request, None).unwrap()))),
        ),
        (
            "chat_json (a Value in, JSON text out)",
            Box::new(|| drop(black_box(client.chat_json(&request, None).unwrap()))),
        ),
    ];
    println!(
        "Rust API against `llmwire mock --fast`, validation strict (median of {ROUNDS} rounds)"
    );
    for (name, call) in &sides {
        for _ in 0..WARMUP {
            call();
        }
        let mut rounds = Vec::new();
        for _ in 0..ROUNDS {
            let calls = SEQUENTIAL_CALLS / ROUNDS;
            let start = Instant::now();
            for _ in 0..calls {
                call();
            }
            rounds.push(micros_per_call(start.elapsed(), calls));
        }
        rounds.sort_by(f64::total_cmp);
        println!("  {name:52} {:6.1} µs/call", rounds[rounds.len() / 2]);
    }
    if let Some(server) = server {
        server.shutdown();
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let Some(mode) = args.first().cloned() else {
        // Every mode in its own process: pinning (sequential ones) must come before any thread.
        let me = std::env::current_exe().expect("the bench knows its own path");
        for mode in ["sequential", "fast", "threaded", "memory"] {
            let status = std::process::Command::new(&me).arg(mode).status();
            assert!(status.is_ok_and(|s| s.success()), "mode {mode} failed");
        }
        return;
    };
    if matches!(mode.as_str(), "sequential" | "fast") {
        println!("{}", pin_to_one_cpu());
    }
    if mode == "fast" {
        fast_endpoint();
        return;
    }
    let external = std::env::var("LLMWIRE_BENCH_BASE_URL").ok();
    let server = match external {
        Some(_) => None,
        None => Some(MockServer::start(MockOptions::default()).expect("the mock starts")),
    };
    let base_url = match (&server, external) {
        (Some(server), _) => server.scenario_base_url("echo", "bench"),
        (None, Some(url)) => url,
        (None, None) => unreachable!(),
    };
    match (mode.as_str(), &args[1..]) {
        ("profile", [side, calls]) => {
            profile(&base_url, side, calls.parse().expect("a number of calls"))
        }
        ("sequential", []) => sequential(&base_url),
        ("threaded", []) => threaded(&base_url),
        ("memory", []) => memory(&base_url),
        _ => panic!(
            "usage: cargo bench --bench client [-- sequential | fast | threaded | memory | profile SIDE N]"
        ),
    }
    if let Some(server) = server {
        server.shutdown();
    }
}
