//! One call as a state machine (docs/design.md §4, docs/structure.md "The call loop"): the state
//! of a call in one struct, [`Call`], and its steps — pick where to send, send, judge the outcome,
//! decide, wait, stop — driven by one loop, [`run`].
//!
//! Where an attempt goes is the [`Destinations`] of the call: the client's own endpoint
//! ([`OwnEndpoint`]), or its targets (`targets::FleetCall`: selection, limits, failover). The loop
//! is generic over it, so a plain client pays for no fleet logic.

use std::time::Duration;

use super::answer::{Answer, Completion, Report};
use super::attempt::{millis, one_attempt, record, Outcome, Route};
use super::cancel::CancelToken;
use super::context_fit::RequestEstimate;
use super::events::AttemptEvent;
use super::prepare::Prepared;
use super::{Client, TextChunkSink};
use crate::classify::Classification;
use crate::error::{AttemptRecord, ErrorObject};
use crate::retry::{self, AttemptState, Decision, DelaySource, RetryBudget, SplitMix64};
use crate::taxonomy::{ErrorClass, StopReason};
use crate::transport::watch::{self, Limit, Phase};
use crate::transport::NamedFault;

/// The caller's stream callback, when the call streams to it.
pub(super) type ChunkSink<'a> = Option<&'a mut TextChunkSink<'a>>;

/// Why the call paused after an attempt (an attempt record's `delay_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pause {
    /// The retry policy's delay: a server hint or backoff.
    Retry(DelaySource),
    /// The request was trimmed after a context overflow and sent again at once.
    Trim,
    /// The call moved to another target at once.
    Failover,
    /// Every target was unavailable: the call waited for the first back.
    TargetWait,
}

impl Pause {
    pub(super) const fn as_str(self) -> &'static str {
        match self {
            Pause::Retry(source) => source.as_str(),
            Pause::Trim => "trim",
            Pause::Failover => "failover",
            Pause::TargetWait => "target_wait",
        }
    }
}

/// What the loop did after an attempt, as the event hook reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Next {
    /// Another attempt follows (after the recorded delay, if any).
    Retry,
    /// The call ends with an error.
    Stop(StopReason),
    /// The call ends with the completion.
    Done,
}

/// Where a call's attempts go. Each method is one point where targets change the plain loop; a
/// plain client's [`OwnEndpoint`] makes each of them nothing.
pub(super) trait Destinations {
    /// What one attempt was given: nothing for the own endpoint, a target's limit slot for a fleet.
    type Pick;
    /// Where the next attempt goes; may wait for a target to come back. An error stops the call.
    fn pick(&mut self, call: &mut Call<'_>) -> Result<Self::Pick, ErrorObject>;
    /// Sends one attempt there.
    fn send(&mut self, call: &mut Call<'_>, pick: &Self::Pick) -> Outcome;
    /// The request as prepared for that destination (its trims and repairs).
    fn prepared(&mut self, pick: &Self::Pick) -> Option<&mut Prepared>;
    /// The target named in the attempt's record, if any.
    fn target_name(&self, pick: &Self::Pick) -> Option<&str>;
    /// The attempt succeeded (the retry budget is refunded here).
    fn succeeded(
        &mut self,
        call: &Call<'_>,
        pick: &Self::Pick,
        completion: &Completion,
        pace_ms: Option<u64>,
    );
    /// The attempt failed; `cut_by_deadline`: the call's deadline ended it, which says nothing
    /// about the destination.
    fn failed(
        &mut self,
        call: &Call<'_>,
        pick: &Self::Pick,
        failure: &Classification,
        cut_by_deadline: bool,
    );
    /// The attempt was stopped by the caller: it says nothing about the destination.
    fn abandon(&mut self, call: &Call<'_>, pick: Self::Pick);
    /// After a failure: whether the call moves elsewhere without a retry decision (a failover,
    /// or a wait for another target at the next pick).
    fn reroute(&mut self, call: &mut Call<'_>, pick: &Self::Pick, failure: &Classification)
        -> bool;
    /// Takes `cost` tokens from the retry budget; whether there were enough.
    fn take_retry(&self, cost: u32) -> bool;
    /// The call is cancelled between attempts: release whatever was picked in advance.
    fn release(&mut self, _call: &Call<'_>) {}
}

/// Everything one call knows between its attempts.
pub(super) struct Call<'a> {
    pub client: &'a Client,
    pub id: u64,
    pub cancel: &'a CancelToken,
    on_chunk: ChunkSink<'a>,
    /// When the call's deadline started counting (the client clock).
    start: Duration,
    /// The call's jitter source: the client's entropy (or the policy's seed) mixed with its number.
    random: SplitMix64,
    pub attempts: Vec<AttemptRecord>,
    /// Stream chunks reached the caller: nothing may be sent again.
    delivered: bool,
    /// The last failure, for the error of a call stopped later without one of its own.
    pub last_failure: Option<Classification>,
    /// The estimate of the caller's request, made once when something needs it (a fleet's
    /// preparation per target and limit slots; a plain call needs it only while preparing).
    pub estimate: RequestEstimate,
}

impl<'a> Call<'a> {
    pub(super) fn new(
        client: &'a Client,
        id: u64,
        cancel: &'a CancelToken,
        on_chunk: ChunkSink<'a>,
        start: Option<Duration>,
    ) -> Call<'a> {
        Call {
            start: start.unwrap_or_else(|| client.clock.now()),
            random: client
                .policy
                .jitter_rng(client.entropy ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            client,
            id,
            cancel,
            on_chunk,
            attempts: Vec::new(),
            delivered: false,
            last_failure: None,
            estimate: RequestEstimate::default(),
        }
    }

    /// Whether the caller streams: every request of the call is then sent with `stream: true`.
    pub(super) fn streams(&self) -> bool {
        self.on_chunk.is_some()
    }

    pub(super) fn elapsed_ms(&self) -> u64 {
        millis(self.client.clock.now().saturating_sub(self.start))
    }

    /// Whether stream chunks already reached the caller.
    pub(super) fn delivered(&self) -> bool {
        self.delivered
    }

    /// Step "stop" before anything is sent: the caller cancelled.
    pub(super) fn stop_if_cancelled(&mut self) -> Result<(), ErrorObject> {
        match self.cancel.is_cancelled() {
            true => Err(self.interrupted(StopReason::Cancelled, None, None)),
            false => Ok(()),
        }
    }

    /// Step "send": one attempt, plain or streamed, to `route`.
    pub(super) fn send(&mut self, route: &Route<'_>, prepared: &Prepared) -> Outcome {
        self.client.metrics.attempt_made();
        one_attempt(
            self.client,
            route,
            prepared,
            self.on_chunk.as_deref_mut(),
            &mut self.delivered,
            self.cancel,
        )
    }

    /// The number the next attempt record gets.
    fn next_n(&self) -> u32 {
        self.attempts.len() as u32 + 1
    }

    /// Step "stop" with the completion.
    fn succeed(
        &mut self,
        completion: Completion,
        http_status: u16,
        prepared: Option<&mut Prepared>,
        target: Option<&str>,
    ) -> Answer {
        let mut done = record(self.next_n(), None, Some(http_status), self.elapsed_ms());
        done.target = target.map(str::to_owned);
        self.attempts.push(done);
        self.emit(None, Next::Done);
        let mut report = Report {
            attempts: std::mem::take(&mut self.attempts),
            repairs: Vec::new(),
            warnings: Vec::new(),
            trimmed: Vec::new(),
        };
        if let Some(prepared) = prepared {
            report.repairs = std::mem::take(&mut prepared.repairs);
            report.warnings = std::mem::take(&mut prepared.warnings);
            report.trimmed = std::mem::take(&mut prepared.context.records);
        }
        Answer { completion, report }
    }

    /// Step "judge" of a failure: the attempt's record, naming the transport fault and its phase
    /// when there was one.
    fn record_failure(
        &mut self,
        failure: &Classification,
        fault: Option<NamedFault>,
        target: Option<&str>,
    ) {
        let mut failed = record(
            self.next_n(),
            Some(failure),
            failure.http_status,
            self.elapsed_ms(),
        );
        if let Some(fault) = fault {
            failed.fault = Some(fault.name);
            failed.phase = fault.phase.map(Phase::as_str);
        }
        failed.target = target.map(str::to_owned);
        self.attempts.push(failed);
    }

    /// What the retry decision sees after the attempts so far.
    fn state(&self) -> AttemptState {
        AttemptState {
            deadline_ms: self.client.config.timeouts.deadline_ms,
            stream_delivered: self.delivered,
            cancelled: self.cancel.is_cancelled(),
            ..AttemptState::from_records(&self.attempts)
        }
    }

    /// After a context overflow: one trim and a retry at once (per `context.on_overflow`),
    /// announced to the event hook as a retry. Whether the request was trimmed.
    fn retry_trimmed(&mut self, prepared: &mut Prepared, failure: &Classification) -> bool {
        let after_attempt = self.attempts.last().map(|attempt| attempt.n);
        let trimmed = super::context_fit::retry_trimmed(
            self.client,
            &mut prepared.context,
            &mut prepared.body,
            failure,
            self.delivered,
            after_attempt,
        );
        if trimmed {
            self.note_pause(Pause::Trim, 0);
            self.emit(Some(failure), Next::Retry);
        }
        trimmed
    }

    /// Step "decide": the pure retry decision, paid from the destination's retry budget.
    fn decide(
        &mut self,
        failure: &Classification,
        take_retry: impl FnOnce(u32) -> bool,
    ) -> Decision {
        let state = self.state();
        match retry::decide(failure, &state, &self.client.policy, &mut self.random) {
            Decision::Retry(plan) if !take_retry(plan.budget_cost) => {
                Decision::Stop(StopReason::BudgetExhausted)
            }
            decision => decision,
        }
    }

    /// Steps "wait" or "stop" after a decision: stop with the call's error, or record the delay on
    /// the last attempt, report it and sleep it (a cancel ends the sleep at once; the top of the
    /// loop reports it). The failure becomes the call's last.
    fn follow(&mut self, decision: Decision, failure: Classification) -> Result<(), ErrorObject> {
        let plan = match decision {
            Decision::Retry(plan) => plan,
            Decision::Stop(reason) => return Err(self.stop(reason, failure)),
        };
        self.note_pause(Pause::Retry(plan.delay_source), plan.delay_ms);
        self.emit(Some(&failure), Next::Retry);
        self.client.metrics.retrying(failure.class, plan.delay_ms);
        self.client
            .clock
            .sleep(Duration::from_millis(plan.delay_ms), self.cancel);
        self.last_failure = Some(failure);
        Ok(())
    }

    /// Records on the last attempt why and how long the call paused after it.
    pub(super) fn note_pause(&mut self, pause: Pause, delay_ms: u64) {
        if let Some(last) = self.attempts.last_mut() {
            last.delay_ms = delay_ms;
            last.delay_source = Some(pause.as_str().to_owned());
        }
    }

    /// Step "stop" after a failure: the call's error, reported to the event hook as the stop.
    pub(super) fn stop(&mut self, reason: StopReason, failure: Classification) -> ErrorObject {
        let state = self.state();
        self.emit(Some(&failure), Next::Stop(reason));
        ErrorObject {
            status: failure.class.status_name(),
            summary: retry::summary(reason, &failure, &state, &self.client.policy),
            stop_reason: Some(reason),
            attempts: std::mem::take(&mut self.attempts),
            classification: failure,
            validation: None,
            trimmed: Vec::new(),
            targets: Vec::new(),
        }
    }

    /// Step "stop" for a call the caller stopped, keeping what the last failure said.
    /// `interrupted` is the attempt (number) that was under way, if any.
    fn interrupted(
        &mut self,
        reason: StopReason,
        interrupted: Option<u32>,
        target: Option<&str>,
    ) -> ErrorObject {
        let who = if reason == StopReason::AbortedByCallback {
            "aborted by the stream callback"
        } else {
            "cancelled by the caller"
        };
        let when = match (interrupted, self.attempts.len()) {
            (Some(n), _) => format!("during attempt {n}"),
            (None, 0) => "before the first attempt".to_owned(),
            (None, made) => format!("after {made} attempt(s), while waiting to retry"),
        };
        let mut message = format!("{who} {when}");
        if let Some(last) = &self.last_failure {
            message.push_str(&format!(
                "; last failure: {} — {}",
                last.class, last.message
            ));
        }
        let mut error = ErrorObject::local(ErrorClass::Cancelled, message);
        if let Some(n) = interrupted {
            let mut stopped = record(n, Some(&error.classification), None, self.elapsed_ms());
            if reason == StopReason::Cancelled {
                stopped.fault = Some("cancelled");
                stopped.phase = watch::state().map(|(phase, _)| phase.as_str());
            }
            stopped.target = target.map(str::to_owned);
            self.attempts.push(stopped);
        }
        self.emit(Some(&error.classification), Next::Stop(reason));
        error.stop_reason = Some(reason);
        error.attempts = std::mem::take(&mut self.attempts);
        error
    }

    /// Reports the last attempt and what follows it to the event hook (JSON made only when a hook
    /// is installed).
    pub(super) fn emit(&self, failure: Option<&Classification>, next: Next) {
        let client = self.client;
        let hook = client
            .events
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let (Some(hook), Some(attempt)) = (hook, self.attempts.last()) else {
            return;
        };
        let message = failure.map(|c| client.redactor.text(&c.message));
        let (decision, stop_reason) = match next {
            Next::Retry => ("retry", None),
            Next::Stop(reason) => ("stop", Some(reason)),
            Next::Done => ("done", None),
        };
        let event = AttemptEvent {
            event: "attempt",
            call_id: self.id,
            attempt: attempt.n,
            outcome: if failure.is_some() {
                "failure"
            } else {
                "success"
            },
            class: failure.map(|c| c.class),
            http_status: attempt.http_status,
            elapsed_ms: attempt.elapsed_ms,
            decision,
            delay_ms: (next == Next::Retry).then_some(attempt.delay_ms),
            delay_source: attempt.delay_source.as_deref(),
            stop_reason,
            message: message.as_deref(),
            target: attempt.target.as_deref(),
        };
        if let Ok(json) = serde_json::to_string(&event) {
            hook(&json);
        }
    }
}

/// The destination of a client without targets: its own endpoint and the request prepared for it.
pub(super) struct OwnEndpoint<'c> {
    pub route: Route<'c>,
    pub prepared: &'c mut Prepared,
    pub retry_budget: &'c RetryBudget,
}

impl Destinations for OwnEndpoint<'_> {
    type Pick = ();

    fn pick(&mut self, _: &mut Call<'_>) -> Result<(), ErrorObject> {
        Ok(())
    }

    fn send(&mut self, call: &mut Call<'_>, _: &()) -> Outcome {
        call.send(&self.route, self.prepared)
    }

    fn prepared(&mut self, _: &()) -> Option<&mut Prepared> {
        Some(self.prepared)
    }

    fn target_name(&self, _: &()) -> Option<&str> {
        None
    }

    fn succeeded(&mut self, _: &Call<'_>, _: &(), _: &Completion, _: Option<u64>) {
        self.retry_budget.record_success();
    }

    fn failed(&mut self, _: &Call<'_>, _: &(), _: &Classification, _: bool) {}

    fn abandon(&mut self, _: &Call<'_>, _: ()) {}

    fn reroute(&mut self, _: &mut Call<'_>, _: &(), _: &Classification) -> bool {
        false
    }

    fn take_retry(&self, cost: u32) -> bool {
        self.retry_budget.try_acquire(cost)
    }
}

/// The call loop: pick, send, judge; then reroute, retry trimmed, or decide — and wait or stop.
pub(super) fn run<D: Destinations>(call: &mut Call<'_>, to: &mut D) -> Result<Answer, ErrorObject> {
    loop {
        // Stop: a cancel between attempts (or during a wait) ends the call before anything else.
        if let Err(error) = call.stop_if_cancelled() {
            to.release(call);
            return Err(error);
        }
        // Pick and send.
        let pick = to.pick(call)?;
        let outcome = to.send(call, &pick);
        let n = call.next_n();
        // Judge: a completion or the caller's stop ends the call; a failure goes on.
        let (mut failure, fault) = match outcome {
            Outcome::Success {
                completion,
                http_status,
                pace_ms,
            } => {
                to.succeeded(call, &pick, &completion, pace_ms);
                let target = to.target_name(&pick).map(str::to_owned);
                let prepared = to.prepared(&pick);
                return Ok(call.succeed(completion, http_status, prepared, target.as_deref()));
            }
            Outcome::Interrupted(reason) => {
                let target = to.target_name(&pick).map(str::to_owned);
                to.abandon(call, pick);
                return Err(call.interrupted(reason, Some(n), target.as_deref()));
            }
            Outcome::Failure(failure) => (failure, None),
            Outcome::Fault(failure, fault) => (failure, Some(fault)),
        };
        // Secrets go before anything keeps or reports the failure (store, record, events).
        call.client.redactor.classification(&mut failure);
        // Cut by the call's deadline: says nothing about the destination, and no time is left.
        let cut_by_deadline = fault.is_some_and(|f| f.limit == Some(Limit::Deadline));
        to.failed(call, &pick, &failure, cut_by_deadline);
        call.record_failure(&failure, fault, to.target_name(&pick));
        if cut_by_deadline {
            return Err(call.stop(StopReason::Deadline, failure));
        }
        // Decide, in order: another target now, the same one trimmed now, or the retry policy.
        if to.reroute(call, &pick, &failure) {
            call.last_failure = Some(failure);
            continue;
        }
        let trimmed = match to.prepared(&pick) {
            Some(prepared) => call.retry_trimmed(prepared, &failure),
            None => false,
        };
        if trimmed {
            call.last_failure = Some(failure);
            continue;
        }
        let decision = call.decide(&failure, |cost| to.take_retry(cost));
        // Wait (then loop) or stop.
        call.follow(decision, failure)?;
    }
}
