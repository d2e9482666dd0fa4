//! Session state: how far each (scenario, session) pair has got through its steps, and the log of
//! requests each session sent (for `GET /_mock/requests`), with secrets redacted.
//!
//! For: keeping concurrent tests apart. Every counter and clock is per (scenario, session), so a
//! test using its own session id never sees another test's arrivals.
//!
//! Not for: deciding what a step does (`play.rs`) or which scenario a request names (`route.rs`).
//! Memory is bounded: old sessions are forgotten past [`MAX_SESSIONS`], old log entries past
//! [`MAX_LOGGED_REQUESTS`].

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use serde_json::{json, Map, Value};

use super::scenario::{Action, Step};

/// Sessions (and scenario progressions) remembered at once; the least recently used go first.
pub const MAX_SESSIONS: usize = 10_000;
/// Requests kept per session log; older entries are dropped (and counted).
pub const MAX_LOGGED_REQUESTS: usize = 1_000;
/// Bodies larger than this are logged by size only.
pub const MAX_LOGGED_BODY_BYTES: usize = 1024 * 1024;

/// All session state of one server.
#[derive(Default)]
pub struct Sessions {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    progress: HashMap<(String, String), Progress>,
    logs: HashMap<String, SessionLog>,
}

struct Progress {
    first_arrival: Instant,
    last_seen: Instant,
    step: usize,
    used_in_step: u32,
}

struct SessionLog {
    started: Instant,
    last_seen: Instant,
    next_seq: u64,
    dropped: u64,
    entries: VecDeque<Value>,
}

/// A request as it will appear in the log.
pub struct Arrival<'a> {
    pub scenario: Option<&'a str>,
    pub method: &'a str,
    pub target: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Sessions {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves plain counters behind: still usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The action answering this arrival of `session` at scenario `scenario_key` (a canonical
    /// scenario spec), advancing the progression. `None` when `steps` is empty.
    pub fn next_action(&self, scenario_key: &str, session: &str, steps: &[Step]) -> Option<Action> {
        let last = steps.len().checked_sub(1)?;
        let now = Instant::now();
        let mut inner = self.lock();
        let key = (scenario_key.to_string(), session.to_string());
        if !inner.progress.contains_key(&key) && inner.progress.len() >= MAX_SESSIONS {
            evict_oldest(&mut inner.progress, |p| p.last_seen);
        }
        let progress = inner.progress.entry(key).or_insert(Progress {
            first_arrival: now,
            last_seen: now,
            step: 0,
            used_in_step: 0,
        });
        progress.last_seen = now;
        let since_first = now.duration_since(progress.first_arrival);
        loop {
            let index = progress.step.min(last);
            let step = &steps[index];
            match &step.action {
                Action::Gate(gate) => {
                    if since_first.as_millis() < u128::from(gate.not_before_ms) || index == last {
                        return Some((*gate.otherwise).clone());
                    }
                    progress.step = index + 1;
                    progress.used_in_step = 0;
                }
                action => {
                    progress.used_in_step = progress.used_in_step.saturating_add(1);
                    if index < last && progress.used_in_step >= step.repeat {
                        progress.step = index + 1;
                        progress.used_in_step = 0;
                    }
                    return Some(action.clone());
                }
            }
        }
    }

    /// Adds a request to the log of `session`.
    pub fn record(&self, session: &str, arrival: &Arrival<'_>) {
        let now = Instant::now();
        let mut inner = self.lock();
        if !inner.logs.contains_key(session) && inner.logs.len() >= MAX_SESSIONS {
            evict_oldest(&mut inner.logs, |log| log.last_seen);
        }
        let log = inner.logs.entry(session.to_string()).or_insert(SessionLog {
            started: now,
            last_seen: now,
            next_seq: 1,
            dropped: 0,
            entries: VecDeque::new(),
        });
        log.last_seen = now;
        let entry = json!({
            "seq": log.next_seq,
            "arrival_ms": now.duration_since(log.started).as_millis() as u64,
            "scenario": arrival.scenario,
            "method": arrival.method,
            "path": redact_target(arrival.target),
            "headers": redacted_headers(arrival.headers),
            "body": logged_body(arrival.body),
            "body_bytes": arrival.body.len(),
        });
        log.next_seq += 1;
        if log.entries.len() == MAX_LOGGED_REQUESTS {
            log.entries.pop_front();
            log.dropped += 1;
        }
        log.entries.push_back(entry);
    }

    /// `{"session", "requests": [...], "dropped"}` for a session (empty when it sent nothing).
    pub fn requests(&self, session: &str) -> Value {
        let inner = self.lock();
        let (requests, dropped) = match inner.logs.get(session) {
            Some(log) => (log.entries.iter().cloned().collect::<Vec<_>>(), log.dropped),
            None => (Vec::new(), 0),
        };
        json!({"session": session, "requests": requests, "dropped": dropped})
    }
}

fn evict_oldest<K: Clone + Eq + std::hash::Hash, V>(
    map: &mut HashMap<K, V>,
    last_seen: impl Fn(&V) -> Instant,
) {
    let oldest = map
        .iter()
        .min_by_key(|(_, v)| last_seen(v))
        .map(|(k, _)| k.clone());
    if let Some(oldest) = oldest {
        map.remove(&oldest);
    }
}

/// Headers whose values are secrets, and how much of them survives in the log.
fn redact_header(name: &str, value: &str) -> String {
    match name {
        // Keep the scheme: "Bearer ***".
        "authorization" | "proxy-authorization" => match value.split_once(' ') {
            Some((scheme, _)) => format!("{scheme} ***"),
            None => "***".to_string(),
        },
        "api-key" | "x-api-key" | "x-goog-api-key" | "cookie" => "***".to_string(),
        _ => value.to_string(),
    }
}

/// Headers as a JSON object (repeated names joined with ", "), secrets redacted.
pub fn redacted_headers(headers: &[(String, String)]) -> Value {
    let mut object = Map::new();
    for (name, value) in headers {
        let value = redact_header(name, value);
        match object.get_mut(name) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(&value);
            }
            _ => {
                object.insert(name.clone(), Value::String(value));
            }
        }
    }
    Value::Object(object)
}

/// The request target with the values of `key`/`api_key`/`api-key` query parameters redacted.
pub fn redact_target(target: &str) -> String {
    let Some((path, query)) = target.split_once('?') else {
        return target.to_string();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if matches!(name, "key" | "api_key" | "api-key") => {
                format!("{name}=***")
            }
            _ => pair.to_string(),
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

fn logged_body(body: &[u8]) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    if body.len() > MAX_LOGGED_BODY_BYTES {
        return json!({"omitted": "larger than the log keeps"});
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::scenario::{Canned, Gate};

    fn respond(status: u16) -> Action {
        Action::Respond(Canned::json(status, Value::Null))
    }

    fn status_of(action: Option<Action>) -> u16 {
        match action {
            Some(Action::Respond(canned)) => canned.status,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn steps_repeat_then_the_last_one_sticks_per_session() {
        let sessions = Sessions::default();
        let steps = vec![Step::times(2, respond(503)), Step::once(respond(200))];
        let statuses: Vec<u16> = (0..4)
            .map(|_| status_of(sessions.next_action("s", "a", &steps)))
            .collect();
        assert_eq!(statuses, vec![503, 503, 200, 200]);
        // Another session, and the same session under another scenario, start over.
        assert_eq!(status_of(sessions.next_action("s", "b", &steps)), 503);
        assert_eq!(status_of(sessions.next_action("t", "a", &steps)), 503);
    }

    #[test]
    fn a_gate_answers_early_arrivals_without_advancing() {
        let sessions = Sessions::default();
        let gate = Gate {
            not_before_ms: 60_000,
            otherwise: Box::new(respond(429)),
        };
        let steps = vec![
            Step::once(respond(429)),
            Step::once(Action::Gate(gate)),
            Step::once(respond(200)),
        ];
        for _ in 0..3 {
            assert_eq!(status_of(sessions.next_action("g", "s", &steps)), 429);
        }
        let open = Gate {
            not_before_ms: 0,
            otherwise: Box::new(respond(429)),
        };
        let steps = vec![
            Step::once(respond(429)),
            Step::once(Action::Gate(open)),
            Step::once(respond(200)),
        ];
        assert_eq!(status_of(sessions.next_action("g", "t", &steps)), 429);
        assert_eq!(status_of(sessions.next_action("g", "t", &steps)), 200);
    }

    #[test]
    fn secrets_never_reach_the_log() {
        let headers = vec![
            ("authorization".to_string(), "Bearer sk-secret".to_string()),
            ("x-goog-api-key".to_string(), "AIza-secret".to_string()),
            ("api-key".to_string(), "azure-secret".to_string()),
            ("x-trace".to_string(), "1".to_string()),
            ("x-trace".to_string(), "2".to_string()),
        ];
        let logged = redacted_headers(&headers);
        assert_eq!(
            logged,
            json!({"authorization": "Bearer ***", "x-goog-api-key": "***", "api-key": "***", "x-trace": "1, 2"})
        );
        assert_eq!(
            redact_target("/v1/models?key=AIza&x=1"),
            "/v1/models?key=***&x=1"
        );
    }
}
