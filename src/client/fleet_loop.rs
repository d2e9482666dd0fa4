//! The attempt loop across targets (docs/fleet.md): pick the first target that is available and
//! has a limit slot, prepare the request for its provider and model, send, tell the target's
//! state what happened, and fail over, retry, wait for a target, or stop.
//!
//! This is shell: it reads the clock, sleeps and sends. Every decision comes from the pure core
//! (`fleet::policy`, `retry::decide`) and every piece of shared state from the client's
//! [`TargetStateStore`]. A client configured without `targets` or `limits` never comes here.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use serde_json::{json, Value};

use super::answer::{Answer, Completion, Report};
use super::attempt::{
    attempt_state, call_rng, cancelled, emit, failed_record, follow, millis, one_attempt, record,
    retry_trimmed, stopped, Outcome, Route,
};
use super::cancel::CancelToken;
use super::prepare::{prepare_for, Prepared};
use super::{ChunkControl, Client};
use crate::classify::Classification;
use crate::config::ClientConfig;
use crate::error::{AttemptRecord, ErrorObject};
use crate::fleet::limits::tokens_to_reserve;
use crate::fleet::{
    effect_of, fails_over, Acquire, BreakerTransition, Effect, FleetPolicy, Grant, MemoryStore,
    TargetConfig, TargetKey, TargetStateStore, Transition,
};
use crate::profile::Profile;
use crate::retry::{self, AttemptState, Decision, RetryBudget};
use crate::taxonomy::{ErrorClass, StopReason};
use crate::transport::watch::Limit;
use crate::transport::Transport;

/// One target, ready to send to.
pub(super) struct Target {
    config: TargetConfig,
    key: TargetKey,
    transport: Transport,
    chat_url: String,
    counters: TargetCounters,
}

#[derive(Default)]
struct TargetCounters {
    attempts: AtomicU64,
    successes: AtomicU64,
    failures: AtomicU64,
    failovers_from: AtomicU64,
    breaker_opened: AtomicU64,
}

impl Target {
    fn route(&self) -> Route<'_> {
        Route {
            transport: &self.transport,
            chat_url: &self.chat_url,
            provider: self.config.provider,
            pacing: true,
        }
    }
}

/// The targets of a client and their shared state.
pub(super) struct Fleet {
    targets: Vec<Target>,
    store: Arc<dyn TargetStateStore>,
    /// The shared store's health and counters (`coordination.backend: "redis"`).
    pub(super) coordination: Option<Arc<dyn crate::coordination::Coordination>>,
    policy: FleetPolicy,
    /// Whether any target has limits (else no token estimate is made).
    limited: bool,
}

impl Fleet {
    /// Builds every target's connection pool; a target on its provider's public endpoint without
    /// a key is a configuration error naming the target.
    pub(super) fn new(
        config: &ClientConfig,
        budget: Arc<RetryBudget>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Fleet, ErrorObject> {
        let mut targets = Vec::with_capacity(config.targets.len());
        for (index, target) in config.targets.iter().enumerate() {
            let profile = Profile::for_provider(target.provider);
            let api_key = target.resolve_api_key(env);
            if api_key.is_none() && profile.base_url() == Some(target.base_url.as_str()) {
                let source = target.api_key_env.as_deref().map_or(String::new(), |name| {
                    format!(" or the {name} environment variable")
                });
                return Err(ErrorObject::local(
                    ErrorClass::InvalidConfig,
                    format!(
                        "no API key for target \"{}\" ({}): set its \"api_key\"{source}",
                        target.name, target.provider
                    ),
                ));
            }
            let auth = api_key.as_deref().map(|key| {
                let style = profile.auth_style();
                (style.header_name(), style.header_value(key))
            });
            let mut transport_config = config.clone();
            transport_config.headers.clone_from(&target.headers);
            targets.push(Target {
                key: TargetKey {
                    index,
                    name: Arc::from(target.name.as_str()),
                },
                transport: Transport::new(&transport_config, auth)?,
                chat_url: super::prepare::chat_url(&target.base_url),
                config: target.clone(),
                counters: TargetCounters::default(),
            });
        }
        let names: Vec<&str> = config.targets.iter().map(|t| t.name.as_str()).collect();
        let capacity = budget.capacity();
        let stores = crate::coordination::stores(
            config,
            &names,
            MemoryStore::new(targets.len(), budget),
            capacity,
        )?;
        Ok(Fleet {
            limited: targets.iter().any(|target| target.config.limits.any()),
            store: stores.state,
            coordination: stores.coordination,
            policy: config.fleet.clone(),
            targets,
        })
    }

    /// Every target's state and counters, for the client's metrics.
    pub(super) fn metrics_json(&self, now_ms: u64) -> Value {
        self.targets
            .iter()
            .map(|target| {
                let mut entry = serde_json::to_value(self.store.snapshot(
                    &target.key,
                    now_ms,
                    &target.config.limits,
                ))
                .unwrap_or_default();
                let counters = &target.counters;
                for (name, counter) in [
                    ("attempts", &counters.attempts),
                    ("successes", &counters.successes),
                    ("failures", &counters.failures),
                    ("failovers_from", &counters.failovers_from),
                    ("breaker_opened", &counters.breaker_opened),
                ] {
                    entry[name] = json!(counter.load(Relaxed));
                }
                entry
            })
            .collect()
    }
}

impl Fleet {
    /// Every target's counters and whether it is available, in the Prometheus text format.
    pub(super) fn metrics_prometheus(&self, now_ms: u64) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let targets = self.metrics_json(now_ms);
        let rows = targets.as_array().map_or(&[][..], Vec::as_slice);
        for (metric, key, kind, help) in [
            (
                "llmwire_target_attempts_total",
                "attempts",
                "counter",
                "Attempts sent to the target.",
            ),
            (
                "llmwire_target_failures_total",
                "failures",
                "counter",
                "Failed attempts on the target.",
            ),
            (
                "llmwire_target_failovers_total",
                "failovers_from",
                "counter",
                "Calls moved from the target to another.",
            ),
            (
                "llmwire_target_breaker_opened_total",
                "breaker_opened",
                "counter",
                "Times the target's breaker opened.",
            ),
            (
                "llmwire_target_in_flight",
                "in_flight",
                "gauge",
                "Attempts on the target awaiting an answer.",
            ),
        ] {
            let _ = writeln!(out, "# HELP {metric} {help}\n# TYPE {metric} {kind}");
            for row in rows {
                let _ = writeln!(
                    out,
                    "{metric}{{target=\"{}\"}} {}",
                    prometheus_label(&row["name"]),
                    row[key]
                );
            }
        }
        let metric = "llmwire_target_available";
        let _ = writeln!(
            out,
            "# HELP {metric} 1 when the target can take a call now.\n# TYPE {metric} gauge"
        );
        for row in rows {
            let available = u8::from(row["state"] == "available");
            let _ = writeln!(
                out,
                "{metric}{{target=\"{}\"}} {available}",
                prometheus_label(&row["name"])
            );
        }
        out
    }
}

/// A label value with `\\`, `"` and newlines escaped.
fn prometheus_label(name: &Value) -> String {
    name.as_str()
        .unwrap_or_default()
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Wall-clock milliseconds since the Unix epoch, from the client's clock (the store's time).
pub(super) fn wall_ms(client: &Client) -> u64 {
    client
        .clock
        .wall()
        .duration_since(UNIX_EPOCH)
        .map_or(0, millis)
}

/// What the call knows about each target: its prepared request (or why it cannot take one).
struct CallTargets {
    prepared: Vec<Option<Result<Prepared, ErrorObject>>>,
    /// Ruled out for this call (its model's window is too small for the request).
    ruled_out: Vec<bool>,
    tokens: u64,
}

enum Selection {
    Granted(Grant),
    /// Nothing available before `until_ms`.
    Wait {
        until_ms: u64,
    },
    /// No target can take this request at all (each failed local validation or was ruled out).
    NoneUsable,
}

/// Runs one call across the fleet's targets.
pub(super) fn fleet_call(
    client: &Client,
    fleet: &Fleet,
    call_id: u64,
    request: &Value,
    mut on_chunk: Option<&mut dyn FnMut(&Value) -> ChunkControl>,
    cancel: &CancelToken,
) -> Result<Answer, ErrorObject> {
    let start = client.clock.now();
    let elapsed_ms = || millis(client.clock.now().saturating_sub(start));
    let mut random = call_rng(client, call_id);
    let force_stream = on_chunk.is_some();
    let mut call = CallTargets {
        prepared: fleet.targets.iter().map(|_| None).collect(),
        ruled_out: vec![false; fleet.targets.len()],
        tokens: if fleet.limited {
            tokens_to_reserve(request)
        } else {
            0
        },
    };
    let mut attempts: Vec<AttemptRecord> = Vec::new();
    let mut delivered = false;
    let mut last_failure: Option<Classification> = None;
    let mut pending: Option<Grant> = None;

    loop {
        if cancel.is_cancelled() {
            if let Some(grant) = pending.take() {
                abandon(client, fleet, &grant);
            }
            return Err(cancelled(
                client,
                call_id,
                StopReason::Cancelled,
                last_failure,
                attempts,
                None,
            ));
        }
        let grant = match pending.take() {
            Some(grant) => grant,
            None => match select(
                client,
                fleet,
                call_id,
                request,
                force_stream,
                &mut call,
                None,
            ) {
                Selection::Granted(grant) => grant,
                Selection::NoneUsable => {
                    return Err(none_usable(&mut call, attempts, last_failure))
                }
                Selection::Wait { until_ms } => {
                    // Times are whole milliseconds: one more makes sure the moment has passed
                    // for the server too (a hint counts from its clock, a little earlier).
                    let wait_ms = until_ms.saturating_sub(wall_ms(client)) + 1;
                    let fits = match client.config.timeouts.deadline_ms {
                        Some(deadline) => elapsed_ms().saturating_add(wait_ms) <= deadline,
                        None => wait_ms <= client.policy.max_server_delay_ms,
                    };
                    if !fits {
                        return Err(all_unavailable(
                            client,
                            fleet,
                            call_id,
                            wait_ms,
                            attempts,
                            last_failure,
                        ));
                    }
                    if let Some(last) = attempts.last_mut() {
                        last.delay_ms += wait_ms;
                        last.delay_source
                            .get_or_insert_with(|| "target_wait".to_owned());
                    }
                    // Wakes at once on cancel; the top of the loop reports it.
                    client.clock.sleep(Duration::from_millis(wait_ms), cancel);
                    continue;
                }
            },
        };
        let index = grant.target.index;
        let target = &fleet.targets[index];
        let Some(Ok(prepared)) = call.prepared[index].as_mut() else {
            // `select` grants only targets with a prepared request.
            abandon(client, fleet, &grant);
            return Err(none_usable(&mut call, attempts, last_failure));
        };
        if grant.probe {
            emit_target(client, call_id, target, "breaker_half_open", None, None);
        }
        let route = target.route();
        let n = attempts.len() as u32 + 1;
        client.metrics.attempt_made();
        target.counters.attempts.fetch_add(1, Relaxed);
        let outcome = one_attempt(
            client,
            &route,
            prepared,
            on_chunk.as_deref_mut(),
            &mut delivered,
            cancel,
        );
        let now_ms = wall_ms(client);
        let (mut classification, fault) = match outcome {
            Outcome::Success {
                completion,
                http_status,
                pace_ms,
            } => {
                let finished = crate::fleet::Outcome {
                    effect: Some(Effect::Healthy),
                    tokens_used: usage_total_tokens(&completion),
                    pace_until_ms: pace_ms.map(|ms| now_ms.saturating_add(ms)),
                };
                let transitions = fleet.store.finish(&grant, now_ms, &finished, &fleet.policy);
                report_transitions(client, call_id, target, &transitions);
                target.counters.successes.fetch_add(1, Relaxed);
                // The store's budget: the client's own, or the namespace's with a shared store.
                if client.policy.budget.enabled {
                    fleet
                        .store
                        .refund_retry(client.policy.budget.success_refund);
                }
                attempts.push(targeted(
                    record(n, None, Some(http_status), elapsed_ms()),
                    target,
                ));
                emit(client, call_id, &attempts, None, "done", None);
                let report = Report {
                    attempts,
                    repairs: std::mem::take(&mut prepared.repairs),
                    warnings: std::mem::take(&mut prepared.warnings),
                    trimmed: std::mem::take(&mut prepared.context.records),
                };
                return Ok(Answer { completion, report });
            }
            Outcome::Interrupted(reason) => {
                abandon(client, fleet, &grant);
                let mut error = cancelled(
                    client,
                    call_id,
                    reason,
                    last_failure,
                    attempts,
                    Some((n, elapsed_ms())),
                );
                if let Some(last) = error.attempts.last_mut() {
                    last.target = Some(target.config.name.clone());
                }
                return Err(error);
            }
            Outcome::Failure(classification) => (classification, None),
            Outcome::Fault(classification, fault) => (classification, Some(fault)),
        };
        client.redactor.classification(&mut classification);
        // Cut by the call's deadline: says nothing about the target, and nothing is left to try.
        let cut_by_deadline = fault.is_some_and(|f| f.limit == Some(Limit::Deadline));
        target.counters.failures.fetch_add(1, Relaxed);
        let effect = (!cut_by_deadline).then(|| effect_of(&classification, now_ms, &fleet.policy));
        let finished = crate::fleet::Outcome {
            effect,
            // A refused or reset connection never reached the model; a provider that answered
            // (429 included) counted the request as reserved.
            tokens_used: classification.http_status.is_none().then_some(0),
            pace_until_ms: None,
        };
        let transitions = fleet.store.finish(&grant, now_ms, &finished, &fleet.policy);
        report_transitions(client, call_id, target, &transitions);
        attempts.push(targeted(
            failed_record(n, &classification, fault, elapsed_ms()),
            target,
        ));
        if cut_by_deadline {
            let reason = StopReason::Deadline;
            let state = AttemptState {
                deadline_ms: client.config.timeouts.deadline_ms,
                stream_delivered: delivered,
                ..AttemptState::from_records(&attempts)
            };
            return Err(stopped(
                client,
                call_id,
                reason,
                classification,
                &state,
                attempts,
            ));
        }

        // Fail over at once when the class says so and another target can take the call now.
        let overflow = classification.class == ErrorClass::ContextLengthExceeded;
        let ruled_out_before = call.ruled_out.clone();
        if overflow {
            rule_out_smaller_windows(fleet, index, &mut call.ruled_out);
        }
        let may_fail_over = !delivered
            && (overflow || fails_over(classification.class, &fleet.policy))
            && attempts.len() < client.policy.max_attempts as usize;
        if may_fail_over {
            let next = select(
                client,
                fleet,
                call_id,
                request,
                force_stream,
                &mut call,
                Some(index),
            );
            if let Selection::Granted(next) = next {
                if let Some(last) = attempts.last_mut() {
                    last.delay_source = Some("failover".to_owned());
                }
                target.counters.failovers_from.fetch_add(1, Relaxed);
                emit(
                    client,
                    call_id,
                    &attempts,
                    Some(&classification),
                    "retry",
                    None,
                );
                emit_failover(
                    client,
                    call_id,
                    target,
                    &fleet.targets[next.target.index],
                    &classification,
                );
                last_failure = Some(classification);
                pending = Some(next);
                continue;
            }
            // Every other target is unavailable, and so is this one now (cooling, disabled,
            // breaker open): wait for the first back, or stop, at the top of the loop.
            let this_one = fleet
                .store
                .snapshot(&target.key, now_ms, &target.config.limits);
            if !overflow && this_one.state != "available" {
                last_failure = Some(classification);
                continue;
            }
        }
        if overflow {
            // No other window fits: trim per `context.on_overflow`, on this target again.
            call.ruled_out = ruled_out_before;
        }
        let trimmed = match call.prepared[index].as_mut() {
            Some(Ok(prepared)) => retry_trimmed(
                client,
                call_id,
                prepared,
                &classification,
                delivered,
                &mut attempts,
            ),
            _ => false,
        };
        if trimmed {
            last_failure = Some(classification);
            continue;
        }
        let state = attempt_state(client, delivered, cancel, &attempts);
        // The budget is the store's: the client's own, or the namespace's with a shared store.
        let decision = match retry::decide(&classification, &state, &client.policy, &mut random) {
            Decision::Retry(plan) if !fleet.store.take_retry(plan.budget_cost) => {
                Decision::Stop(StopReason::BudgetExhausted)
            }
            decision => decision,
        };
        last_failure = Some(follow(
            client,
            call_id,
            decision,
            classification,
            &state,
            &mut attempts,
            cancel,
        )?);
    }
}

/// The first target, in order (leaving out `except`), that is available and grants a slot; else
/// the earliest time one may.
fn select(
    client: &Client,
    fleet: &Fleet,
    call_id: u64,
    request: &Value,
    force_stream: bool,
    call: &mut CallTargets,
    except: Option<usize>,
) -> Selection {
    let now_ms = wall_ms(client);
    let mut earliest: Option<u64> = None;
    for (index, target) in fleet.targets.iter().enumerate() {
        if Some(index) == except || call.ruled_out[index] {
            continue;
        }
        let prepared = call.prepared[index].get_or_insert_with(|| {
            prepare_for(client, call_id, request, force_stream, Some(&target.config))
        });
        if prepared.is_err() {
            continue;
        }
        match fleet.store.acquire(
            &target.key,
            now_ms,
            &target.config.limits,
            call.tokens,
            &fleet.policy,
        ) {
            Acquire::Granted(grant) => return Selection::Granted(grant),
            Acquire::Wait { until_ms, .. } => {
                earliest = Some(earliest.map_or(until_ms, |e| e.min(until_ms)));
            }
        }
    }
    match earliest {
        Some(until_ms) => Selection::Wait { until_ms },
        None => Selection::NoneUsable,
    }
}

/// After a context overflow on `failed`: rules out that target and every target whose model
/// window is known not to be larger (unknown windows stay in: the provider has the last word).
fn rule_out_smaller_windows(fleet: &Fleet, failed: usize, ruled_out: &mut [bool]) {
    let window = |target: &Target| {
        let model = target.config.model.as_deref()?;
        let found = Profile::for_provider(target.config.provider).model_limits(model);
        found.known.then_some(found.limits.context_window)
    };
    let failed_window = window(&fleet.targets[failed]);
    ruled_out[failed] = true;
    for (index, target) in fleet.targets.iter().enumerate() {
        if let (Some(limit), Some(this)) = (failed_window, window(target)) {
            if this <= limit {
                ruled_out[index] = true;
            }
        }
    }
}

/// Hands back a grant whose attempt never said anything about the target.
fn abandon(client: &Client, fleet: &Fleet, grant: &Grant) {
    let abandoned = crate::fleet::Outcome {
        effect: None,
        tokens_used: Some(0),
        pace_until_ms: None,
    };
    fleet
        .store
        .finish(grant, wall_ms(client), &abandoned, &fleet.policy);
}

/// No target could take the request: the first validation error (nothing was sent to it), or,
/// when the call already tried, its last failure.
fn none_usable(
    call: &mut CallTargets,
    attempts: Vec<AttemptRecord>,
    last_failure: Option<Classification>,
) -> ErrorObject {
    let validation = call
        .prepared
        .iter_mut()
        .find_map(|prepared| match prepared.take() {
            Some(Err(error)) => Some(error),
            _ => None,
        });
    match (validation, last_failure) {
        (Some(mut error), None) => {
            error.attempts = attempts;
            error
        }
        (_, last) => {
            let classification = last.unwrap_or_else(|| {
                Classification::local(
                    ErrorClass::ContextLengthExceeded,
                    "no target's model window fits the request",
                )
            });
            let state = AttemptState::from_records(&attempts);
            let mut error =
                ErrorObject::local(classification.class, classification.message.clone());
            error.summary = retry::summary(
                StopReason::NotRetryable,
                &classification,
                &state,
                &Default::default(),
            );
            error.classification = classification;
            error.stop_reason = Some(StopReason::NotRetryable);
            error.attempts = attempts;
            error
        }
    }
}

/// Every target is unavailable and none comes back before the deadline.
fn all_unavailable(
    client: &Client,
    fleet: &Fleet,
    call_id: u64,
    wait_ms: u64,
    attempts: Vec<AttemptRecord>,
    last_failure: Option<Classification>,
) -> ErrorObject {
    let mut classification = last_failure.unwrap_or_else(|| {
        Classification::local(
            ErrorClass::RateLimited,
            "every target is cooling, disabled, behind an open breaker or out of limit slots",
        )
    });
    classification.retry_after_ms = Some(wait_ms);
    let state = AttemptState {
        deadline_ms: client.config.timeouts.deadline_ms,
        ..AttemptState::from_records(&attempts)
    };
    let reason = StopReason::AllTargetsUnavailable;
    let mut error = stopped(client, call_id, reason, classification, &state, attempts);
    let now_ms = wall_ms(client);
    error.targets = fleet
        .targets
        .iter()
        .filter_map(|target| {
            serde_json::to_value(
                fleet
                    .store
                    .snapshot(&target.key, now_ms, &target.config.limits),
            )
            .ok()
        })
        .collect();
    error
}

fn targeted(mut record: AttemptRecord, target: &Target) -> AttemptRecord {
    record.target = Some(target.config.name.clone());
    record
}

/// `usage.total_tokens` of a completion, read without parsing the provider's text.
fn usage_total_tokens(completion: &Completion) -> Option<u64> {
    match completion {
        Completion::Value(value) => value["usage"]["total_tokens"].as_u64(),
        Completion::Text(text) => {
            let after = &text[text.rfind("\"total_tokens\"")? + "\"total_tokens\"".len()..];
            let digits = after.trim_start().strip_prefix(':')?.trim_start();
            let end = digits
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(digits.len());
            digits[..end].parse().ok()
        }
    }
}

fn report_transitions(client: &Client, call_id: u64, target: &Target, transitions: &[Transition]) {
    for transition in transitions {
        let (name, until_ms, reason) = match *transition {
            Transition::Cooling { until_ms, reason } => ("cooling", Some(until_ms), Some(reason)),
            Transition::Disabled { until_ms, reason } => ("disabled", Some(until_ms), Some(reason)),
            Transition::Breaker(BreakerTransition::Opened { until_ms }) => {
                target.counters.breaker_opened.fetch_add(1, Relaxed);
                ("breaker_open", Some(until_ms), None)
            }
            Transition::Breaker(BreakerTransition::HalfOpened) => ("breaker_half_open", None, None),
            Transition::Breaker(BreakerTransition::Closed) => ("breaker_closed", None, None),
        };
        emit_target(client, call_id, target, name, until_ms, reason);
    }
}

fn emit_target(
    client: &Client,
    call_id: u64,
    target: &Target,
    transition: &str,
    until_ms: Option<u64>,
    reason: Option<ErrorClass>,
) {
    emit_json(client, || {
        json!({
            "event": "target",
            "call_id": call_id,
            "target": target.config.name,
            "transition": transition,
            "until_ms": until_ms,
            "reason": reason,
        })
    });
}

fn emit_failover(
    client: &Client,
    call_id: u64,
    from: &Target,
    to: &Target,
    classification: &Classification,
) {
    emit_json(client, || {
        json!({
            "event": "failover",
            "call_id": call_id,
            "from": from.config.name,
            "to": to.config.name,
            "class": classification.class,
        })
    });
}

fn emit_json(client: &Client, event: impl FnOnce() -> Value) {
    let hook = client
        .events
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    if let Some(hook) = hook {
        hook(&event().to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_read_from_text_and_from_values() {
        let text =
            r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens": 7}}"#;
        assert_eq!(
            usage_total_tokens(&Completion::Text(text.to_owned())),
            Some(7)
        );
        let value = json!({"usage": {"total_tokens": 12}});
        assert_eq!(usage_total_tokens(&Completion::Value(value)), Some(12));
        assert_eq!(usage_total_tokens(&Completion::Text("{}".to_owned())), None);
    }
}
