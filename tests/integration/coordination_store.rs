//! The Redis store against a real `redis-server`, operation by operation: its Lua scripts give the
//! same answers as the in-memory store (the specification), keys carry TTLs, namespaces are
//! isolated, and every failure of Redis falls back to local state without failing anything.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::redis_server::RedisServer;
use llmwire::coordination::{Coordination, CoordinationConfig, RedisStore};
use llmwire::fleet::{
    Acquire, BreakerConfig, Effect, FleetPolicy, Grant, Limits, MemoryStore, Outcome, TargetKey,
    TargetStateStore,
};
use llmwire::retry::RetryBudget;
use llmwire::ErrorClass;
use serde_json::Value;

fn key(index: usize) -> TargetKey {
    TargetKey {
        index,
        name: Arc::from(["a", "b"][index]),
    }
}

fn redis_config(url: &str, namespace: &str) -> CoordinationConfig {
    serde_json::from_value(serde_json::json!({
        "backend": "redis", "url": url, "namespace": namespace, "timeout_ms": 2_000,
        "connect_timeout_ms": 2_000,
    }))
    .expect("a coordination config")
}

fn redis_store(url: &str, namespace: &str, capacity: u32, lease_ms: u64) -> RedisStore {
    RedisStore::new(
        &redis_config(url, namespace),
        &["a", "b"],
        MemoryStore::new(2, Arc::new(RetryBudget::new(capacity))),
        capacity,
        lease_ms,
    )
    .expect("a redis store")
}

/// A small deterministic random source (xorshift), so a failure replays.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn counters(store: &RedisStore) -> Value {
    store.metrics_json()
}

#[test]
fn redis_scripts_answer_exactly_as_the_memory_store_for_random_operations() {
    let Some(server) = RedisServer::start("redis_scripts_answer_exactly_as_the_memory_store")
    else {
        return;
    };
    let policy = FleetPolicy {
        breaker: BreakerConfig {
            failures: 2,
            window_ms: 60_000,
            cooldown_ms: 300,
        },
        ..FleetPolicy::default()
    };
    let limits = [
        Limits {
            rpm: Some(3),
            tpm: Some(50),
            max_in_flight: Some(2),
            window_ms: Some(1_000),
        },
        Limits::default(),
    ];
    for seed in [7_u64, 1_234_567, 99_991] {
        let memory = MemoryStore::new(2, Arc::new(RetryBudget::new(20)));
        let shared = redis_store(&server.url(), &format!("diff-{seed}"), 20, 1_000_000_000);
        let mut random = Random(seed);
        let mut now = 1_700_000_000_000_u64;
        let mut outstanding: Vec<(Grant, Grant)> = Vec::new();
        for step in 0..500 {
            now += random.below(120);
            let target = random.below(2) as usize;
            let context = format!("seed {seed}, step {step}, now {now}, target {target}");
            match random.below(6) {
                0 | 1 => {
                    let tokens = 1 + random.below(20);
                    let a = memory.acquire(&key(target), now, &limits[target], tokens, &policy);
                    let b = shared.acquire(&key(target), now, &limits[target], tokens, &policy);
                    match (a, b) {
                        (Acquire::Granted(a), Acquire::Granted(b)) => {
                            assert_eq!(a.probe, b.probe, "{context}");
                            outstanding.push((a, b));
                        }
                        (a, b) => assert_eq!(a, b, "{context}"),
                    }
                }
                2 | 3 if !outstanding.is_empty() => {
                    let (a, b) =
                        outstanding.swap_remove(random.below(outstanding.len() as u64) as usize);
                    let reason = [ErrorClass::RateLimited, ErrorClass::Authentication]
                        [random.below(2) as usize];
                    let effect = match random.below(7) {
                        0 => None,
                        1 => Some(Effect::Healthy),
                        2 => Some(Effect::Neutral),
                        3 | 4 => Some(Effect::BreakerFailure {
                            reason: ErrorClass::Overloaded,
                        }),
                        5 => Some(Effect::Cool {
                            until_ms: now + random.below(500),
                            reason,
                        }),
                        _ => Some(Effect::Disable {
                            until_ms: now + random.below(500),
                            reason,
                        }),
                    };
                    let outcome = Outcome {
                        effect,
                        tokens_used: (random.below(2) == 0).then(|| random.below(30)),
                        pace_until_ms: (random.below(8) == 0).then(|| now + random.below(300)),
                    };
                    assert_eq!(
                        memory.finish(&a, now, &outcome, &policy),
                        shared.finish(&b, now, &outcome, &policy),
                        "{context}: finish {outcome:?}"
                    );
                }
                4 => assert_eq!(
                    memory.snapshot(&key(target), now, &limits[target]),
                    shared.snapshot(&key(target), now, &limits[target]),
                    "{context}"
                ),
                _ => {
                    if random.below(2) == 0 {
                        let cost = random.below(7) as u32;
                        assert_eq!(
                            memory.take_retry(cost),
                            shared.take_retry(cost),
                            "{context}: take {cost}"
                        );
                    } else {
                        let tokens = random.below(4) as u32;
                        memory.refund_retry(tokens);
                        shared.refund_retry(tokens);
                    }
                }
            }
        }
        let counters = counters(&shared);
        assert_eq!(
            counters["errors"], 0,
            "Redis answered every time: {counters}"
        );
        assert_eq!(counters["fallbacks"], 0, "{counters}");
    }
}

#[test]
fn every_key_has_a_ttl_and_namespaces_do_not_see_each_other() {
    let Some(server) = RedisServer::start("every_key_has_a_ttl") else {
        return;
    };
    let policy = FleetPolicy::default();
    let limits = Limits {
        rpm: Some(100),
        tpm: Some(10_000),
        max_in_flight: Some(10),
        window_ms: Some(60_000),
    };
    let one = redis_store(&server.url(), "team-one", 50, 120_000);
    let two = redis_store(&server.url(), "team-two", 50, 120_000);
    let now = 1_700_000_000_000_u64;
    let Acquire::Granted(grant) = one.acquire(&key(0), now, &limits, 10, &policy) else {
        panic!("a first reservation is granted");
    };
    let cooled = Outcome {
        effect: Some(Effect::Cool {
            until_ms: now + 30_000,
            reason: ErrorClass::RateLimited,
        }),
        tokens_used: Some(7),
        pace_until_ms: None,
    };
    one.finish(&grant, now + 5, &cooled, &policy);
    assert!(one.take_retry(5));

    // Namespace two knows nothing of it.
    assert!(matches!(
        two.acquire(&key(0), now + 10, &limits, 10, &policy),
        Acquire::Granted(_)
    ));
    assert_eq!(two.snapshot(&key(0), now + 10, &limits).state, "available");
    assert!(matches!(
        one.acquire(&key(0), now + 10, &limits, 10, &policy),
        Acquire::Wait { .. }
    ));

    let keys = server.keys("llmwire:*");
    for expected in [
        "llmwire:{team-one}:target:a:state",
        "llmwire:{team-one}:target:a:answered",
        "llmwire:{team-one}:target:a:tokens",
        "llmwire:{team-one}:seq",
        "llmwire:{team-one}:budget",
        "llmwire:{team-two}:target:a:inflight",
    ] {
        assert!(keys.iter().any(|k| k == expected), "{expected} in {keys:?}");
    }
    for key in &keys {
        let ttl: i64 = server.command(&["PTTL", key]).parse().expect("a TTL");
        assert!(ttl > 0, "{key} has no TTL ({ttl})");
        let longest = match key.rsplit(':').next() {
            Some("seq") => 86_400_000,
            Some("budget") => 600_000,
            // The window plus the lease.
            Some("inflight" | "answered" | "tokens") => 180_000,
            _ => 91_000,
        };
        assert!(ttl <= longest, "{key}: {ttl} > {longest}");
    }
    let state_ttl: i64 = server
        .command(&["PTTL", "llmwire:{team-one}:target:a:state"])
        .parse()
        .expect("a TTL");
    // Until the cooldown's end (30 s), plus the breaker's window and cooldown (30 s each), + 1 s.
    assert!(
        (85_000..=91_000).contains(&state_ttl),
        "state TTL {state_ttl}"
    );
}

#[test]
fn a_dead_slow_or_refusing_redis_falls_back_to_local_state_within_the_timeout() {
    let Some(mut server) = RedisServer::start("a_dead_or_slow_redis_falls_back") else {
        return;
    };
    let policy = FleetPolicy::default();
    let limits = Limits::default();
    let config = serde_json::json!({
        "backend": "redis", "url": server.url(), "namespace": "fallback",
        "timeout_ms": 100, "connect_timeout_ms": 200, "reconnect_min_ms": 50,
        "reconnect_max_ms": 200,
    });
    let store = RedisStore::new(
        &serde_json::from_value(config).expect("config"),
        &["a", "b"],
        MemoryStore::new(2, Arc::new(RetryBudget::new(10))),
        10,
        60_000,
    )
    .expect("store");
    let now = 1_700_000_000_000_u64;
    assert!(matches!(
        store.acquire(&key(0), now, &limits, 1, &policy),
        Acquire::Granted(_)
    ));
    assert!(store.is_up());

    // Slow: the server sleeps 1.5 s; the store gives up after its 100 ms timeout.
    let sleeper = {
        let port = server.port;
        std::thread::spawn(move || {
            let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
            std::io::Write::write_all(
                &mut stream,
                b"*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$3\r\n1.5\r\n",
            )
            .expect("send");
            let mut buffer = [0_u8; 16];
            let _ = std::io::Read::read(&mut stream, &mut buffer);
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    assert!(matches!(
        store.acquire(&key(0), now + 1, &limits, 1, &policy),
        Acquire::Granted(_)
    ));
    let slow = started.elapsed();
    assert!(
        slow < Duration::from_millis(100 + 400),
        "waited {slow:?} for a slow Redis"
    );
    assert!(!store.is_up());
    sleeper.join().expect("the sleeper");

    // Dead: every operation is served locally, with no wait at all while the backoff runs.
    server.kill();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    for step in 0..50 {
        assert!(matches!(
            store.acquire(&key(1), now + 10 + step, &limits, 1, &policy),
            Acquire::Granted(_)
        ));
    }
    assert!(store.take_retry(1));
    assert!(started.elapsed() < Duration::from_millis(200 + 400 * 2));
    let metrics = store.metrics_json();
    assert_eq!(metrics["state"], "down");
    assert!(metrics["errors"].as_u64() >= Some(2), "{metrics}");
    assert!(metrics["fallbacks"].as_u64() >= Some(50), "{metrics}");

    // Restarted, empty: after the backoff it is used again; the scripts are loaded anew.
    server.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !store.is_up() {
        assert!(
            Instant::now() < deadline,
            "never reconnected: {}",
            store.metrics_json()
        );
        store.acquire(&key(0), now + 100, &limits, 1, &policy);
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(store.metrics_json()["reconnects"].as_u64() >= Some(1));
    assert!(!server.keys("llmwire:{fallback}:seq").is_empty());
}
