//! [`RedisStore`]: the fleet state in Redis, one Lua script per operation (docs/coordination.md).
//!
//! For: running the scripts of `lua/` over a small pool of blocking connections, and falling back
//! to a local [`MemoryStore`] whenever Redis cannot answer within its timeout (fail open), with
//! reconnection after a doubling backoff, counters and events. Not for: the transitions
//! themselves (the scripts mirror `fleet::breaker`, `fleet::limits` and the memory store, and a
//! test compares them operation by operation).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use redis::{Connection, RedisResult, Script, ScriptInvocation, Value as Reply};
use serde_json::{json, Value};

use super::{scrub, Coordination, CoordinationConfig};
use crate::client::EventHook;
use crate::error::Error;
use crate::fleet::breaker::BreakerState;
use crate::fleet::{
    Acquire, BreakerTransition, Effect, FleetPolicy, Grant, Limits, MemoryStore, Outcome,
    TargetKey, TargetSnapshot, TargetStateStore, Transition, Unavailable,
};
use crate::redact::shown_url;
use crate::taxonomy::ErrorClass;

/// Marks a reservation id handed out by Redis (local ids count up from 1 and never reach it).
const SHARED: u64 = 1 << 62;

const PRELUDE: &str = include_str!("lua/prelude.lua");

/// The scripts, each with the shared prelude in front.
struct Scripts {
    acquire: Script,
    finish: Script,
    snapshot: Script,
    budget: Script,
}

impl Scripts {
    fn new() -> Scripts {
        let with_prelude = |body: &str| Script::new(&format!("{PRELUDE}\n{body}"));
        Scripts {
            acquire: with_prelude(include_str!("lua/acquire.lua")),
            finish: with_prelude(include_str!("lua/finish.lua")),
            snapshot: with_prelude(include_str!("lua/snapshot.lua")),
            budget: Script::new(include_str!("lua/budget.lua")),
        }
    }
}

/// Whether Redis is in use, and when to try again after a failure.
struct Health {
    up: bool,
    /// Set once a failure happened: the next success is a reconnection.
    failed_before: bool,
    retry_at: Instant,
    backoff_ms: u64,
}

#[derive(Default)]
struct Counters {
    errors: AtomicU64,
    fallbacks: AtomicU64,
    reconnects: AtomicU64,
    round_trips: AtomicU64,
}

/// The fleet state of a namespace, kept in Redis and shared by every client naming it.
pub struct RedisStore {
    client: redis::Client,
    /// The URL as shown: without its password.
    shown_url: String,
    url: String,
    timeout: Duration,
    connect_timeout: Duration,
    reconnect_min_ms: u64,
    reconnect_max_ms: u64,
    lease_ms: u64,
    /// Per target (by index): state, inflight, answered, tokens.
    target_keys: Vec<[String; 4]>,
    seq_key: String,
    budget_key: String,
    budget_capacity: u32,
    scripts: Scripts,
    local: MemoryStore,
    pool: Mutex<Vec<Connection>>,
    health: Mutex<Health>,
    reconnecting: AtomicBool,
    counters: Counters,
    hook: RwLock<Option<EventHook>>,
}

/// `llmwire:{NS}:target:NAME` with every byte of the name outside `A-Z a-z 0-9 _ - .`
/// percent-encoded.
pub fn target_prefix(namespace: &str, name: &str) -> String {
    let mut encoded = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"_-.".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("llmwire:{{{namespace}}}:target:{encoded}")
}

impl RedisStore {
    /// A store for the targets named `target_names` (in the client's order) in the configured
    /// namespace, falling back to `local`. Connects lazily: the first operation connects.
    pub fn new(
        config: &CoordinationConfig,
        target_names: &[&str],
        local: MemoryStore,
        budget_capacity: u32,
        lease_ms: u64,
    ) -> Result<RedisStore, Error> {
        config.check()?;
        let url = config.url.clone().unwrap_or_default();
        let client = redis::Client::open(url.as_str()).map_err(|error| {
            Error::InvalidConfig(format!(
                "config: coordination.url \"{}\": {}",
                shown_url(&url),
                scrub(&error.to_string(), &url)
            ))
        })?;
        let namespace = &config.namespace;
        let target_keys = target_names
            .iter()
            .map(|name| {
                let prefix = target_prefix(namespace, name);
                ["state", "inflight", "answered", "tokens"].map(|part| format!("{prefix}:{part}"))
            })
            .collect();
        Ok(RedisStore {
            client,
            shown_url: shown_url(&url),
            url,
            timeout: Duration::from_millis(config.timeout_ms),
            connect_timeout: Duration::from_millis(config.connect_timeout_ms),
            reconnect_min_ms: config.reconnect_min_ms,
            reconnect_max_ms: config.reconnect_max_ms,
            lease_ms,
            target_keys,
            seq_key: format!("llmwire:{{{namespace}}}:seq"),
            budget_key: format!("llmwire:{{{namespace}}}:budget"),
            budget_capacity,
            scripts: Scripts::new(),
            local,
            pool: Mutex::default(),
            // Presumed up: every thread connects on its own at first (a Redis unreachable from the
            // start costs each at most the connect timeout, once).
            health: Mutex::new(Health {
                up: true,
                failed_before: false,
                retry_at: Instant::now(),
                backoff_ms: config.reconnect_min_ms,
            }),
            reconnecting: AtomicBool::new(false),
            counters: Counters::default(),
            hook: RwLock::new(None),
        })
    }

    /// Whether the last round trip to Redis succeeded.
    pub fn is_up(&self) -> bool {
        self.health
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .up
    }

    fn keys(&self, target: &TargetKey) -> &[String; 4] {
        // Every target has keys from the start: the store is made from the client's target list.
        &self.target_keys[target.index.min(self.target_keys.len().saturating_sub(1))]
    }

    /// Runs `operation` on a pooled connection, or `None` (fall back to local state) when Redis
    /// is down or fails now. Waits at most the round-trip timeout, plus the connect timeout for
    /// the one caller that reconnects.
    fn run<T>(&self, operation: impl FnOnce(&mut Connection) -> RedisResult<T>) -> Option<T> {
        let pooled = self
            .pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut connection = match pooled {
            Some(connection) => connection,
            None => self.connect()?,
        };
        self.counters.round_trips.fetch_add(1, Relaxed);
        match operation(&mut connection) {
            Ok(value) => {
                self.pool
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(connection);
                Some(value)
            }
            Err(error) => {
                self.failed(&error.to_string());
                None
            }
        }
    }

    /// A new connection, when Redis is up or its backoff is over (one caller at a time then).
    fn connect(&self) -> Option<Connection> {
        let reconnect = {
            let health = self.health.lock().unwrap_or_else(PoisonError::into_inner);
            if !health.up && Instant::now() < health.retry_at {
                self.counters.fallbacks.fetch_add(1, Relaxed);
                return None;
            }
            !health.up
        };
        if reconnect && self.reconnecting.swap(true, Relaxed) {
            // Another caller is reconnecting: carry on locally meanwhile.
            self.counters.fallbacks.fetch_add(1, Relaxed);
            return None;
        }
        let result = self.open_connection();
        if reconnect {
            self.reconnecting.store(false, Relaxed);
        }
        match result {
            Ok(connection) => {
                if reconnect {
                    self.came_up();
                }
                Some(connection)
            }
            Err(error) => {
                self.failed(&error.to_string());
                None
            }
        }
    }

    fn open_connection(&self) -> RedisResult<Connection> {
        let mut connection = self
            .client
            .get_connection_with_timeout(self.connect_timeout)?;
        connection.set_read_timeout(Some(self.timeout))?;
        connection.set_write_timeout(Some(self.timeout))?;
        redis::cmd("PING").query::<()>(&mut connection)?;
        Ok(connection)
    }

    fn came_up(&self) {
        let reconnected = {
            let mut health = self.health.lock().unwrap_or_else(PoisonError::into_inner);
            health.up = true;
            health.backoff_ms = self.reconnect_min_ms;
            health.failed_before
        };
        if reconnected {
            self.counters.reconnects.fetch_add(1, Relaxed);
            self.emit(
                json!({"event": "coordination", "backend": "redis", "state": "up",
                "url": self.shown_url}),
            );
        }
    }

    /// A round trip or a connection failed: Redis is down until the backoff ends.
    fn failed(&self, error: &str) {
        self.counters.errors.fetch_add(1, Relaxed);
        self.counters.fallbacks.fetch_add(1, Relaxed);
        // The other pooled connections most likely share the fate (a restart closes them all).
        self.pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        let retry_in_ms = {
            let mut health = self.health.lock().unwrap_or_else(PoisonError::into_inner);
            let wait = health.backoff_ms;
            health.up = false;
            health.failed_before = true;
            health.retry_at = Instant::now() + Duration::from_millis(wait);
            health.backoff_ms = wait.saturating_mul(2).min(self.reconnect_max_ms);
            wait
        };
        self.emit(
            json!({"event": "coordination", "backend": "redis", "state": "down",
            "url": self.shown_url, "error": describe(&scrub(error, &self.url)),
            "retry_in_ms": retry_in_ms}),
        );
    }

    fn emit(&self, event: Value) {
        let hook = self
            .hook
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(hook) = hook {
            hook(&event.to_string());
        }
    }

    fn shared_acquire(
        &self,
        target: &TargetKey,
        now_ms: u64,
        limits: &Limits,
        tokens: u64,
        policy: &FleetPolicy,
    ) -> Option<Acquire> {
        let keys = self.keys(target);
        let reply: Vec<Reply> = self.run(|connection| {
            with_limits(
                self.scripts.acquire.key(&keys[..]).key(&self.seq_key),
                now_ms,
                limits,
            )
            .arg(tokens)
            .arg(self.lease_ms)
            .arg(u8::from(limits.any()))
            .arg(policy.breaker.cooldown_ms)
            .arg(policy.breaker.window_ms)
            .invoke(connection)
        })?;
        let number = |at: usize| reply.get(at).map_or(0, reply_u64);
        if number(0) == 1 {
            return Some(Acquire::Granted(Grant {
                target: target.clone(),
                reservation: Some(SHARED | number(1)),
                probe: number(2) == 1,
            }));
        }
        let reason = reply.get(3).map(reply_text).unwrap_or_default();
        let reason = ErrorClass::from_name(&reason).unwrap_or(ErrorClass::RateLimited);
        let why = match reply.get(2).map(reply_text).as_deref() {
            Some("cooling") => Unavailable::Cooling(reason),
            Some("disabled") => Unavailable::Disabled(reason),
            Some("breaker") => Unavailable::BreakerOpen,
            _ => Unavailable::Limited,
        };
        Some(Acquire::Wait {
            until_ms: number(1),
            why,
        })
    }

    fn shared_finish(
        &self,
        target: &TargetKey,
        reservation: Option<u64>,
        probe: bool,
        now_ms: u64,
        outcome: &Outcome,
        policy: &FleetPolicy,
    ) -> Option<Vec<Transition>> {
        let (effect, until_ms, reason) = match outcome.effect {
            None => ("none", 0, None),
            Some(Effect::Healthy) => ("healthy", 0, None),
            Some(Effect::Neutral) => ("neutral", 0, None),
            Some(Effect::BreakerFailure { reason }) => ("failure", 0, Some(reason)),
            Some(Effect::Cool { until_ms, reason }) => ("cool", until_ms, Some(reason)),
            Some(Effect::Disable { until_ms, reason }) => ("disable", until_ms, Some(reason)),
        };
        let optional = |value: Option<u64>| value.map_or(String::new(), |v| v.to_string());
        let keys = self.keys(target);
        let reply: Vec<Reply> = self.run(|connection| {
            self.scripts
                .finish
                .key(&keys[..])
                .arg(now_ms)
                .arg(optional(reservation.map(|id| id & !SHARED)))
                .arg(optional(outcome.tokens_used))
                .arg(optional(outcome.pace_until_ms))
                .arg(effect)
                .arg(until_ms)
                .arg(reason.map_or("", ErrorClass::as_str))
                .arg(u8::from(probe))
                .arg(policy.breaker.failures)
                .arg(policy.breaker.window_ms)
                .arg(policy.breaker.cooldown_ms)
                .invoke(connection)
        })?;
        let transitions = reply
            .chunks(3)
            .filter_map(|triple| {
                let until_ms = triple.get(1).map_or(0, reply_u64);
                let reason = triple
                    .get(2)
                    .map(reply_text)
                    .and_then(|name| ErrorClass::from_name(&name));
                match (reply_text(&triple[0]).as_str(), reason) {
                    ("cooling", Some(reason)) => Some(Transition::Cooling { until_ms, reason }),
                    ("disabled", Some(reason)) => Some(Transition::Disabled { until_ms, reason }),
                    ("breaker_open", _) => {
                        Some(Transition::Breaker(BreakerTransition::Opened { until_ms }))
                    }
                    ("breaker_closed", _) => Some(Transition::Breaker(BreakerTransition::Closed)),
                    _ => None,
                }
            })
            .collect();
        Some(transitions)
    }

    fn shared_snapshot(
        &self,
        target: &TargetKey,
        now_ms: u64,
        limits: &Limits,
    ) -> Option<TargetSnapshot> {
        let keys = self.keys(target);
        let reply: Vec<Reply> = self.run(|connection| {
            with_limits(&mut self.scripts.snapshot.key(&keys[..]), now_ms, limits)
                .invoke(connection)
        })?;
        let number = |at: usize| reply.get(at).map_or(0, reply_u64);
        let text = |at: usize| reply.get(at).map(reply_text).unwrap_or_default();
        let reason = ErrorClass::from_name(&text(2)).unwrap_or(ErrorClass::RateLimited);
        let breaker_until = number(4);
        let breaker = match text(3).as_str() {
            "open" => BreakerState::Open {
                until_ms: breaker_until,
            },
            "half_open" => BreakerState::HalfOpen {
                until_ms: breaker_until,
            },
            _ => BreakerState::Closed,
        };
        let held = (now_ms < number(0)).then(|| {
            let why = match text(1).as_str() {
                "disable" => Unavailable::Disabled(reason),
                _ => Unavailable::Cooling(reason),
            };
            (number(0), why)
        });
        let breaker_wait = (breaker != BreakerState::Closed && now_ms < breaker_until)
            .then_some((breaker_until, Unavailable::BreakerOpen));
        let limited = (number(8) > 0).then(|| (number(8), Unavailable::Limited));
        Some(TargetSnapshot::new(
            &target.name,
            now_ms,
            held.or(breaker_wait).or(limited),
            breaker,
            (number(5) as u32, number(6) as usize, number(7)),
        ))
    }

    fn budget(&self, operation: &str, tokens: u32) -> Option<u64> {
        self.run(|connection| {
            self.scripts
                .budget
                .key(&self.budget_key)
                .arg(operation)
                .arg(tokens)
                .arg(self.budget_capacity)
                .invoke::<u64>(connection)
        })
    }
}

impl TargetStateStore for RedisStore {
    fn acquire(
        &self,
        target: &TargetKey,
        now_ms: u64,
        limits: &Limits,
        tokens: u64,
        policy: &FleetPolicy,
    ) -> Acquire {
        self.shared_acquire(target, now_ms, limits, tokens, policy)
            .unwrap_or_else(|| self.local.acquire(target, now_ms, limits, tokens, policy))
    }

    fn finish(
        &self,
        grant: &Grant,
        now_ms: u64,
        outcome: &Outcome,
        policy: &FleetPolicy,
    ) -> Vec<Transition> {
        let shared = grant.reservation.is_some_and(|id| id & SHARED != 0);
        if shared {
            let done = self.shared_finish(
                &grant.target,
                grant.reservation,
                grant.probe,
                now_ms,
                outcome,
                policy,
            );
            if let Some(transitions) = done {
                return transitions;
            }
            // Redis went away since the grant: its entry there ends with its lease; the effect
            // is kept locally.
            let local = Grant {
                reservation: None,
                probe: false,
                ..grant.clone()
            };
            return self.local.finish(&local, now_ms, outcome, policy);
        }
        let transitions = self.local.finish(grant, now_ms, outcome, policy);
        // Served locally during an outage: share what the attempt taught, if Redis is back.
        if outcome.effect.is_some() && self.is_up() {
            let _ = self.shared_finish(&grant.target, None, false, now_ms, outcome, policy);
        }
        transitions
    }

    fn snapshot(&self, target: &TargetKey, now_ms: u64, limits: &Limits) -> TargetSnapshot {
        self.shared_snapshot(target, now_ms, limits)
            .unwrap_or_else(|| self.local.snapshot(target, now_ms, limits))
    }

    fn take_retry(&self, cost: u32) -> bool {
        match self.budget("take", cost) {
            Some(taken) => taken == 1,
            None => self.local.take_retry(cost),
        }
    }

    fn refund_retry(&self, tokens: u32) {
        if self.budget("refund", tokens).is_none() {
            self.local.refund_retry(tokens);
        }
    }
}

impl Coordination for RedisStore {
    fn metrics_json(&self) -> Value {
        let counters = &self.counters;
        json!({
            "backend": "redis",
            "url": self.shown_url,
            "state": if self.is_up() { "up" } else { "down" },
            "errors": counters.errors.load(Relaxed),
            "fallbacks": counters.fallbacks.load(Relaxed),
            "reconnects": counters.reconnects.load(Relaxed),
            "round_trips": counters.round_trips.load(Relaxed),
        })
    }

    fn metrics_prometheus(&self) -> String {
        let counters = &self.counters;
        let mut out = String::new();
        for (metric, kind, help, value) in [
            (
                "llmwire_coordination_up",
                "gauge",
                "1 when the shared state store (Redis) answered the last round trip.",
                u64::from(self.is_up()),
            ),
            (
                "llmwire_coordination_errors_total",
                "counter",
                "Failed round trips or connections to the shared state store.",
                counters.errors.load(Relaxed),
            ),
            (
                "llmwire_coordination_fallbacks_total",
                "counter",
                "Operations served from local state because the shared store was down.",
                counters.fallbacks.load(Relaxed),
            ),
            (
                "llmwire_coordination_reconnects_total",
                "counter",
                "Reconnections to the shared state store after a failure.",
                counters.reconnects.load(Relaxed),
            ),
        ] {
            out.push_str(&format!(
                "# HELP {metric} {help}\n# TYPE {metric} {kind}\n{metric} {value}\n"
            ));
        }
        out
    }

    fn set_event_hook(&self, hook: Option<EventHook>) {
        *self.hook.write().unwrap_or_else(PoisonError::into_inner) = hook;
    }
}

/// The arguments the acquire and snapshot scripts start with: now, the window, rpm, tpm and
/// max_in_flight.
fn with_limits<'a, 'b>(
    invocation: &'b mut ScriptInvocation<'a>,
    now_ms: u64,
    limits: &Limits,
) -> &'b mut ScriptInvocation<'a> {
    invocation
        .arg(now_ms)
        .arg(limits.window())
        .arg(limit_arg(limits.rpm.map(u64::from)))
        .arg(limit_arg(limits.tpm))
        .arg(limit_arg(limits.max_in_flight.map(u64::from)))
}

/// An absent limit is -1 for the scripts.
fn limit_arg(limit: Option<u64>) -> i64 {
    limit.map_or(-1, |value| i64::try_from(value).unwrap_or(i64::MAX))
}

fn reply_u64(reply: &Reply) -> u64 {
    match reply {
        Reply::Int(n) => u64::try_from(*n).unwrap_or(0),
        other => reply_text(other).parse().unwrap_or(0),
    }
}

fn reply_text(reply: &Reply) -> String {
    match reply {
        Reply::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Reply::SimpleString(text) => text.clone(),
        Reply::Int(n) => n.to_string(),
        _ => String::new(),
    }
}

/// A Redis error as one short line, naming authentication failures plainly.
fn describe(error: &str) -> String {
    let lower = error.to_ascii_lowercase();
    if lower.contains("wrongpass") || lower.contains("noauth") || lower.contains("auth") {
        format!("authentication failed: {error}")
    } else {
        error.lines().next().unwrap_or_default().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_of_a_namespace_carries_its_hash_tag_and_names_cannot_forge_keys() {
        assert_eq!(
            target_prefix("team-a", "primary"),
            "llmwire:{team-a}:target:primary"
        );
        assert_eq!(
            target_prefix("ns", "a:{b}/c d"),
            "llmwire:{ns}:target:a%3A%7Bb%7D%2Fc%20d"
        );
    }

    #[test]
    fn shared_ids_never_collide_with_local_ones() {
        assert_eq!((SHARED | 41) & !SHARED, 41);
        assert_eq!(7 & SHARED, 0);
    }
}
