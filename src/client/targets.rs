//! A client's targets as the destinations of its calls (docs/fleet.md): pick the first target
//! that is available and has a limit slot, prepare the request for its provider and model, tell
//! the target's state what each attempt did, fail over, or wait for a target. The call loop
//! itself is `call::run`; [`FleetCall`] is what it drives for a client with targets.
//!
//! This is shell: it reads the clock, sleeps and sends. Every decision comes from the pure core
//! (`fleet::policy`, `retry::decide`) and every piece of shared state from the client's
//! [`TargetStateStore`]. A client configured without `targets` or `limits` never comes here.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use serde_json::{json, Value};

use super::answer::{Answer, Completion};
use super::attempt::{millis, Outcome, Route};
use super::call::{Call, Destinations, Next, Pause};
use super::prepare::{prepare, Prepared};
use super::Client;
use crate::classify::Classification;
use crate::config::ClientConfig;
use crate::error::ErrorObject;
use crate::fleet::limits::tokens_to_reserve;
use crate::fleet::{
    effect_of, fails_over, Acquire, BreakerTransition, Effect, FleetPolicy, Grant, MemoryStore,
    TargetConfig, TargetKey, TargetStateStore, Transition,
};
use crate::profile::Profile;
use crate::retry::{self, AttemptState, RetryBudget};
use crate::taxonomy::{ErrorClass, StopReason};
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

/// What one call knows about the fleet: each target's prepared request (or why it cannot take
/// one), the targets ruled out, and a slot granted in advance by a failover.
pub(super) struct FleetCall<'f> {
    fleet: &'f Fleet,
    /// The caller's request, prepared per target when the target is first considered.
    request: &'f Value,
    prepared: Vec<Option<Result<Prepared, ErrorObject>>>,
    /// Ruled out for this call (its model's window is too small for the request).
    ruled_out: Vec<bool>,
    /// The tokens a limit slot reserves (0 when no target has limits).
    tokens: u64,
    /// The next attempt's slot, granted by a failover.
    pending: Option<Grant>,
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
    call: &mut Call<'_>,
    fleet: &Fleet,
    request: &Value,
) -> Result<Answer, ErrorObject> {
    let tokens = match fleet.limited {
        true => tokens_to_reserve(request, call.estimate.of(request)),
        false => 0,
    };
    let mut to = FleetCall {
        fleet,
        request,
        prepared: fleet.targets.iter().map(|_| None).collect(),
        ruled_out: vec![false; fleet.targets.len()],
        tokens,
        pending: None,
    };
    super::call::run(call, &mut to)
}

impl FleetCall<'_> {
    fn target(&self, grant: &Grant) -> &Target {
        &self.fleet.targets[grant.target.index]
    }

    /// The first target, in order (leaving out `except`), that is available and grants a slot;
    /// else the earliest time one may.
    fn select(&mut self, call: &mut Call<'_>, except: Option<usize>) -> Selection {
        let client = call.client;
        let now_ms = wall_ms(client);
        let mut earliest: Option<u64> = None;
        for (index, target) in self.fleet.targets.iter().enumerate() {
            if Some(index) == except || self.ruled_out[index] {
                continue;
            }
            let mut judged_now = false;
            let prepared = self.prepared[index].get_or_insert_with(|| {
                judged_now = true;
                let streams = call.streams();
                prepare(
                    client,
                    call.id,
                    self.request,
                    streams,
                    Some(&target.config),
                    &mut call.estimate,
                )
            });
            if let Err(error) = prepared {
                // Said once per call: the request can never go to this target.
                if judged_now {
                    let class = error.class();
                    emit_target(call, target, "request_rejected", None, Some(class));
                }
                continue;
            }
            match self.fleet.store.acquire(
                &target.key,
                now_ms,
                &target.config.limits,
                self.tokens,
                &self.fleet.policy,
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

    /// Every target is unavailable: waits for the first back when it comes back in time (within
    /// the deadline, else within `max_server_delay_ms`), or stops the call.
    fn wait_for_target(&self, call: &mut Call<'_>, until_ms: u64) -> Result<(), ErrorObject> {
        let client = call.client;
        // Times are whole milliseconds: one more makes sure the moment has passed for the server
        // too (a hint counts from its clock, a little earlier).
        let wait_ms = until_ms.saturating_sub(wall_ms(client)) + 1;
        let fits = match client.config.timeouts.deadline_ms {
            Some(deadline) => call.elapsed_ms().saturating_add(wait_ms) <= deadline,
            None => wait_ms <= client.policy.max_server_delay_ms,
        };
        if !fits {
            return Err(all_unavailable(call, self.fleet, wait_ms));
        }
        // Added to a retry delay already recorded, whose source it keeps.
        if let Some(last) = call.attempts.last_mut() {
            last.delay_ms += wait_ms;
            last.delay_source
                .get_or_insert_with(|| Pause::TargetWait.as_str().to_owned());
        }
        // Wakes at once on cancel; the caller checks.
        client
            .clock
            .sleep(Duration::from_millis(wait_ms), call.cancel);
        Ok(())
    }

    /// Hands back a grant whose attempt never said anything about the target.
    fn give_back(&self, client: &Client, grant: &Grant) {
        let abandoned = crate::fleet::Outcome {
            effect: None,
            tokens_used: Some(0),
            pace_until_ms: None,
        };
        self.fleet
            .store
            .finish(grant, wall_ms(client), &abandoned, &self.fleet.policy);
    }

    /// No target could take the request: the first validation error (nothing was sent to it),
    /// or, when the call already tried, its last failure.
    fn none_usable(&mut self, call: &mut Call<'_>) -> ErrorObject {
        let attempts = std::mem::take(&mut call.attempts);
        let validation = self
            .prepared
            .iter_mut()
            .find_map(|prepared| match prepared.take() {
                Some(Err(error)) => Some(error),
                _ => None,
            });
        match (validation, call.last_failure.take()) {
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
}

impl Destinations for FleetCall<'_> {
    type Pick = Grant;

    /// The slot a failover granted, else the first target that grants one, waiting for the first
    /// back when none can take the call now.
    fn pick(&mut self, call: &mut Call<'_>) -> Result<Grant, ErrorObject> {
        let grant = match self.pending.take() {
            Some(grant) => grant,
            None => loop {
                match self.select(call, None) {
                    Selection::Granted(grant) => break grant,
                    Selection::NoneUsable => return Err(self.none_usable(call)),
                    Selection::Wait { until_ms } => {
                        self.wait_for_target(call, until_ms)?;
                        call.stop_if_cancelled()?;
                    }
                }
            },
        };
        if !matches!(self.prepared[grant.target.index], Some(Ok(_))) {
            // `select` grants only targets with a prepared request.
            self.give_back(call.client, &grant);
            return Err(self.none_usable(call));
        }
        if grant.probe {
            let target = self.target(&grant);
            emit_target(call, target, "breaker_half_open", None, None);
        }
        Ok(grant)
    }

    fn send(&mut self, call: &mut Call<'_>, grant: &Grant) -> Outcome {
        let target = &self.fleet.targets[grant.target.index];
        target.counters.attempts.fetch_add(1, Relaxed);
        match &self.prepared[grant.target.index] {
            Some(Ok(prepared)) => call.send(&target.route(), prepared),
            // Not reached: `pick` grants only targets with a prepared request.
            _ => Outcome::Failure(Classification::local(
                ErrorClass::Internal,
                "no prepared request for the granted target",
            )),
        }
    }

    fn prepared(&mut self, grant: &Grant) -> Option<&mut Prepared> {
        self.prepared[grant.target.index].as_mut()?.as_mut().ok()
    }

    fn target_name(&self, grant: &Grant) -> Option<&str> {
        Some(&self.target(grant).config.name)
    }

    fn succeeded(
        &mut self,
        call: &Call<'_>,
        grant: &Grant,
        completion: &Completion,
        pace_ms: Option<u64>,
    ) {
        let client = call.client;
        let (fleet, target) = (self.fleet, self.target(grant));
        let now_ms = wall_ms(client);
        let finished = crate::fleet::Outcome {
            effect: Some(Effect::Healthy),
            tokens_used: usage_total_tokens(completion),
            pace_until_ms: pace_ms.map(|ms| now_ms.saturating_add(ms)),
        };
        let transitions = fleet.store.finish(grant, now_ms, &finished, &fleet.policy);
        report_transitions(call, target, &transitions);
        target.counters.successes.fetch_add(1, Relaxed);
        // The store's retry budget: the client's own, or the namespace's with a shared store.
        if client.policy.budget.enabled {
            fleet
                .store
                .refund_retry(client.policy.budget.success_refund);
        }
    }

    fn failed(
        &mut self,
        call: &Call<'_>,
        grant: &Grant,
        failure: &Classification,
        cut_by_deadline: bool,
    ) {
        let (fleet, target) = (self.fleet, self.target(grant));
        let now_ms = wall_ms(call.client);
        target.counters.failures.fetch_add(1, Relaxed);
        let effect = (!cut_by_deadline).then(|| effect_of(failure, now_ms, &fleet.policy));
        let finished = crate::fleet::Outcome {
            effect,
            // A refused or reset connection never reached the model; a provider that answered
            // (429 included) counted the request as reserved.
            tokens_used: failure.http_status.is_none().then_some(0),
            pace_until_ms: None,
        };
        let transitions = fleet.store.finish(grant, now_ms, &finished, &fleet.policy);
        report_transitions(call, target, &transitions);
    }

    fn abandon(&mut self, call: &Call<'_>, grant: Grant) {
        self.give_back(call.client, &grant);
    }

    /// Fails over at once when the class says so and another target can take the call now.
    fn reroute(&mut self, call: &mut Call<'_>, grant: &Grant, failure: &Classification) -> bool {
        let index = grant.target.index;
        let overflow = failure.class == ErrorClass::ContextLengthExceeded;
        let ruled_out_before = self.ruled_out.clone();
        if overflow {
            rule_out_smaller_windows(self.fleet, index, &mut self.ruled_out);
        }
        let may_fail_over = !call.delivered()
            && (overflow || fails_over(failure.class, &self.fleet.policy))
            && call.attempts.len() < call.client.policy.max_attempts as usize;
        if may_fail_over {
            if let Selection::Granted(next) = self.select(call, Some(index)) {
                let (from, to) = (self.target(grant), self.target(&next));
                call.note_pause(Pause::Failover, 0);
                from.counters.failovers_from.fetch_add(1, Relaxed);
                call.emit(Some(failure), Next::Retry);
                emit_failover(call, from, to, failure);
                self.pending = Some(next);
                return true;
            }
            // Every other target is unavailable, and so is this one now (cooling, disabled,
            // breaker open): the next pick waits for the first back, or stops.
            let target = self.target(grant);
            let this_one =
                self.fleet
                    .store
                    .snapshot(&target.key, wall_ms(call.client), &target.config.limits);
            if !overflow && this_one.state != "available" {
                return true;
            }
        }
        if overflow {
            // No other window fits: trim per `context.on_overflow`, on this target again.
            self.ruled_out = ruled_out_before;
        }
        false
    }

    /// The store's retry budget: the client's own, or the namespace's with a shared store.
    fn take_retry(&self, cost: u32) -> bool {
        self.fleet.store.take_retry(cost)
    }

    fn release(&mut self, call: &Call<'_>) {
        if let Some(grant) = self.pending.take() {
            self.give_back(call.client, &grant);
        }
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

/// Every target is unavailable and none comes back before the deadline.
fn all_unavailable(call: &mut Call<'_>, fleet: &Fleet, wait_ms: u64) -> ErrorObject {
    let mut classification = call.last_failure.take().unwrap_or_else(|| {
        Classification::local(
            ErrorClass::RateLimited,
            "every target is cooling, disabled, behind an open breaker or out of limit slots",
        )
    });
    classification.retry_after_ms = Some(wait_ms);
    let mut error = call.stop(StopReason::AllTargetsUnavailable, classification);
    let now_ms = wall_ms(call.client);
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

fn report_transitions(call: &Call<'_>, target: &Target, transitions: &[Transition]) {
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
        emit_target(call, target, name, until_ms, reason);
    }
}

fn emit_target(
    call: &Call<'_>,
    target: &Target,
    transition: &str,
    until_ms: Option<u64>,
    reason: Option<ErrorClass>,
) {
    emit_json(call.client, || {
        json!({
            "event": "target",
            "call_id": call.id,
            "target": target.config.name,
            "transition": transition,
            "until_ms": until_ms,
            "reason": reason,
        })
    });
}

fn emit_failover(call: &Call<'_>, from: &Target, to: &Target, failure: &Classification) {
    emit_json(call.client, || {
        json!({
            "event": "failover",
            "call_id": call.id,
            "from": from.config.name,
            "to": to.config.name,
            "class": failure.class,
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
