//! The client: one call that validates, sends, classifies, and retries only what can succeed,
//! when it can succeed — and that says exactly why it stopped.
//!
//! This is the imperative shell around the pure core: the only place that sends, reads the clock
//! or sleeps. Time and randomness are injected ([`Clock`], the retry policy's seed) so tests are
//! exact. A `Client` is `Send + Sync`: any number of threads may call it at once, sharing one
//! connection pool, one retry budget and one set of metrics.

mod answer;
mod attempt;
mod call;
pub mod cancel;
pub mod clock;
mod context_fit;
pub mod events;
pub mod metrics;
pub(crate) mod pool;
mod prepare;
mod targets;
mod unusual;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use serde_json::Value;

use crate::config::ClientConfig;
use crate::error::ErrorObject;
use crate::retry::{RetryBudget, RetryPolicy};
use crate::stream::ChunkText;
use crate::transport::Transport;

pub use cancel::CancelToken;
pub use clock::{Clock, ManualClock, SystemClock};
pub use events::EventHook;
pub use metrics::Metrics;

/// What the caller's stream callback wants after a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkControl {
    /// Go on: deliver the next chunk.
    Continue,
    /// Stop the call now: it ends with `cancelled`, stop reason `aborted_by_callback`.
    Abort,
}

/// The crate's own stream sink: each chunk as the provider's JSON text (owned, so that a sink
/// handing chunks on as text neither serialises nor copies them), parsed only on demand.
pub(crate) type TextChunkSink<'s> = dyn FnMut(ChunkText) -> ChunkControl + 's;

/// When a call was handed to llmwire to run later (on a pool thread): the time it waits counts
/// against its `deadline_ms`. Made by [`Client::queue_mark`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Queued(Duration);

/// A thread-safe chat-completions client.
pub struct Client {
    config: ClientConfig,
    /// Removes the key and every other configured secret from errors and events.
    redactor: crate::redact::Redactor,
    policy: RetryPolicy,
    transport: Transport,
    /// `{base_url}/chat/completions`.
    chat_url: String,
    /// Unique to this client; a call's idempotency key is this and the call's number.
    idempotency_prefix: String,
    /// Jitter entropy, distinct per client (mixed with the call number per call) unless the retry
    /// policy fixes a seed. Derived once, so a call makes no system call for it.
    entropy: u64,
    retry_budget: Arc<RetryBudget>,
    metrics: Metrics,
    /// The targets and their state; `None` for a configuration without `targets` or `limits`.
    fleet: Option<targets::Fleet>,
    clock: Arc<dyn Clock>,
    events: RwLock<Option<EventHook>>,
    next_call_id: AtomicU64,
}

impl Client {
    /// Creates a client from its JSON configuration, reading the API key from the environment
    /// when the config names a variable instead of a key.
    pub fn new(config_json: &str) -> Result<Client, ErrorObject> {
        let config = ClientConfig::from_json(config_json)?;
        Client::with_clock(config, Arc::new(SystemClock::default()), |name| {
            std::env::var(name).ok()
        })
    }

    /// Creates a client with an injected clock and environment (for tests).
    pub fn with_clock(
        config: ClientConfig,
        clock: Arc<dyn Clock>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Client, ErrorObject> {
        let api_key = config.resolve_api_key(&env);
        let mut redactor = config.redactor(api_key.as_deref());
        // Every target's key and URL credentials are secrets of this client too.
        for target in &config.targets {
            if let Some(key) = target.resolve_api_key(&env) {
                redactor.add(&key);
            }
            for secret in crate::redact::url_credentials(&target.base_url) {
                redactor.add(secret);
            }
        }
        Client::build(config, clock, api_key, &redactor, &env).map_err(|mut error| {
            redactor.error_object(&mut error);
            error
        })
    }

    fn build(
        config: ClientConfig,
        clock: Arc<dyn Clock>,
        api_key: Option<String>,
        redactor: &crate::redact::Redactor,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Client, ErrorObject> {
        let policy = RetryPolicy::from_json(&config.retry)?;
        let profile = crate::profile::Profile::for_provider(config.provider);
        let retry_budget = Arc::new(RetryBudget::from_config(&policy.budget));
        let fleet = match config.fleet_enabled {
            true => Some(targets::Fleet::new(
                &config,
                Arc::clone(&retry_budget),
                &env,
            )?),
            false => None,
        };
        // The provider's own endpoint always wants a key: say so now rather than after a 401.
        // (Another base_url may be a proxy that adds the key itself.) Targets were checked above.
        if fleet.is_none()
            && api_key.is_none()
            && profile.base_url() == Some(config.base_url.as_str())
        {
            let source = config.api_key_env.as_deref().map_or(String::new(), |name| {
                format!(" or the {name} environment variable")
            });
            return Err(ErrorObject::local(
                crate::ErrorClass::InvalidConfig,
                format!(
                    "no API key for {}: set \"api_key\"{source}",
                    config.provider
                ),
            ));
        }
        let idempotency_prefix = prepare::idempotency_prefix();
        let auth = api_key.as_deref().map(|key| {
            let style = profile.auth_style();
            (style.header_name(), style.header_value(key))
        });
        Ok(Client {
            retry_budget,
            fleet,
            transport: Transport::new(&config, auth)?,
            chat_url: prepare::chat_url(&config.base_url),
            entropy: seed_from(&idempotency_prefix),
            idempotency_prefix,
            redactor: redactor.clone(),
            policy,
            metrics: Metrics::default(),
            clock,
            events: RwLock::new(None),
            next_call_id: AtomicU64::new(1),
            config,
        })
    }

    /// Sends a chat-completions request and returns the completion, with llmwire's report on the
    /// call (attempts, repairs, warnings, trims) under its `llmwire` key. A request with
    /// `"stream": true` is streamed internally and returned assembled.
    pub fn chat(
        &self,
        request: &Value,
        cancel: Option<&CancelToken>,
    ) -> Result<Value, ErrorObject> {
        self.run(request, None, cancel, None)?.into_value()
    }

    /// As [`Client::chat`], returning the completion as JSON text: the provider's own text,
    /// unchanged, with the `llmwire` report added as its last member. An ordinary answer is never
    /// parsed into a `Value` on the way (this is what the C API hands out).
    pub fn chat_json(
        &self,
        request: &Value,
        cancel: Option<&CancelToken>,
    ) -> Result<String, ErrorObject> {
        self.run(request, None, cancel, None)?.into_json()
    }

    /// Marks the moment a call is queued (see [`Client::chat_json_queued`]).
    pub(crate) fn queue_mark(&self) -> Queued {
        Queued(self.clock.now())
    }

    /// As [`Client::chat_json`], for a call queued at `queued`: its deadline counts from then, and
    /// a call whose deadline passed in the queue fails with `timeout` (stop reason `deadline`)
    /// without sending anything.
    pub(crate) fn chat_json_queued(
        &self,
        request: &Value,
        cancel: Option<&CancelToken>,
        queued: Queued,
    ) -> Result<String, ErrorObject> {
        self.run(request, None, cancel, Some(queued))?.into_json()
    }

    /// As [`Client::chat_stream`], for a call queued at `queued` (see [`Client::chat_json_queued`]).
    pub(crate) fn chat_stream_queued(
        &self,
        request: &Value,
        on_chunk: &mut TextChunkSink<'_>,
        cancel: Option<&CancelToken>,
        queued: Queued,
    ) -> Result<Value, ErrorObject> {
        self.run(request, Some(on_chunk), cancel, Some(queued))?
            .into_value()
    }

    /// As [`Client::chat_stream`], handing each chunk's JSON text too (see [`TextChunkSink`]).
    pub(crate) fn chat_stream_text(
        &self,
        request: &Value,
        on_chunk: &mut TextChunkSink<'_>,
        cancel: Option<&CancelToken>,
    ) -> Result<Value, ErrorObject> {
        self.run(request, Some(on_chunk), cancel, None)?
            .into_value()
    }

    /// Streams a request, handing each chunk to `on_chunk` as it arrives, and returns the assembled
    /// completion at the end. Retries happen only until a chunk with output reached `on_chunk`
    /// (one with only the role or empty text does not count).
    pub fn chat_stream(
        &self,
        request: &Value,
        on_chunk: &mut dyn FnMut(&Value) -> ChunkControl,
        cancel: Option<&CancelToken>,
    ) -> Result<Value, ErrorObject> {
        let mut sink = |chunk: ChunkText| on_chunk(&chunk.value());
        self.chat_stream_text(request, &mut sink, cancel)
    }

    /// The client's metrics as JSON.
    pub fn metrics_json(&self) -> Value {
        let mut metrics = self.metrics.to_json(self.retry_budget_levels());
        if let Some(fleet) = &self.fleet {
            metrics["targets"] = fleet.metrics_json(targets::wall_ms(self));
            if let Some(coordination) = &fleet.coordination {
                metrics["coordination"] = coordination.metrics_json();
            }
        }
        metrics
    }

    /// The client's metrics in the Prometheus text format.
    pub fn metrics_prometheus(&self) -> String {
        let mut text = self.metrics.to_prometheus(self.retry_budget_levels());
        if let Some(fleet) = &self.fleet {
            text.push_str(&fleet.metrics_prometheus(targets::wall_ms(self)));
            if let Some(coordination) = &fleet.coordination {
                text.push_str(&coordination.metrics_prometheus());
            }
        }
        text
    }

    /// Installs (or, with `None`, removes) the event hook.
    pub fn set_event_hook(&self, hook: Option<EventHook>) {
        if let Some(coordination) = self.fleet.as_ref().and_then(|f| f.coordination.as_ref()) {
            coordination.set_event_hook(hook.clone());
        }
        *self.events.write().unwrap_or_else(PoisonError::into_inner) = hook;
    }

    /// The parsed configuration (its `Debug` form never shows the key).
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    fn retry_budget_levels(&self) -> (u64, u64) {
        (
            u64::from(self.retry_budget.level()),
            u64::from(self.retry_budget.capacity()),
        )
    }

    fn run(
        &self,
        request: &Value,
        on_chunk: Option<&mut TextChunkSink<'_>>,
        cancel: Option<&CancelToken>,
        queued: Option<Queued>,
    ) -> Result<answer::Answer, ErrorObject> {
        let never_cancelled = CancelToken::new();
        let cancel = cancel.unwrap_or(&never_cancelled);
        let call_id = self.next_call_id.fetch_add(1, Ordering::Relaxed);
        self.metrics.call_started();
        // From here on, every blocking step of the call is bounded by the deadline and
        // interrupted by a cancel (see `transport::watch`). A call that waited in the pool's
        // queue has that much less time.
        let waited = queued.map_or(std::time::Duration::ZERO, |Queued(at)| {
            self.clock.now().saturating_sub(at)
        });
        let deadline = self.config.timeouts.deadline_ms.map(|ms| {
            std::time::Instant::now() + std::time::Duration::from_millis(ms).saturating_sub(waited)
        });
        let _watch = crate::transport::watch::begin_call(cancel, deadline);
        // The call holds the callback no longer than the client and the token.
        let on_chunk = on_chunk.map(|sink| sink as &mut TextChunkSink<'_>);
        if let Some(fleet) = &self.fleet {
            // A fleet call's elapsed time counts from here (the queue wait is checked below).
            let mut call = call::Call::new(self, call_id, cancel, on_chunk, None);
            let result = self
                .queue_wait_within_deadline(queued)
                .and_then(|()| targets::fleet_call(&mut call, fleet, request));
            return self.finished(result);
        }
        let result = self.queue_wait_within_deadline(queued).and_then(|()| {
            let mut estimate = context_fit::RequestEstimate::default();
            let streams = on_chunk.is_some();
            let mut prepared =
                prepare::prepare(self, call_id, request, streams, None, &mut estimate)?;
            // The call's time counts from its first attempt, or from when it was queued.
            let start = queued.map(|Queued(at)| at);
            let mut call = call::Call::new(self, call_id, cancel, on_chunk, start);
            let mut own = call::OwnEndpoint {
                route: self.own_route(),
                prepared: &mut prepared,
                retry_budget: &self.retry_budget,
            };
            call::run(&mut call, &mut own)
                .map_err(|error| context_fit::with_trim_records(error, &prepared.context))
        });
        self.finished(result)
    }

    /// Counts a call's end, with every secret gone from its error.
    fn finished<T>(&self, result: Result<T, ErrorObject>) -> Result<T, ErrorObject> {
        match result {
            Ok(answer) => {
                self.metrics.call_succeeded();
                Ok(answer)
            }
            Err(mut error) => {
                self.redactor.error_object(&mut error);
                self.metrics.call_failed(error.class());
                Err(error)
            }
        }
    }
}

impl Client {
    /// Fails a queued call whose deadline passed before a thread could run it.
    fn queue_wait_within_deadline(&self, queued: Option<Queued>) -> Result<(), ErrorObject> {
        let (Some(Queued(at)), Some(deadline_ms)) = (queued, self.config.timeouts.deadline_ms)
        else {
            return Ok(());
        };
        let waited_ms =
            u64::try_from(self.clock.now().saturating_sub(at).as_millis()).unwrap_or(u64::MAX);
        if waited_ms < deadline_ms {
            return Ok(());
        }
        let mut error = ErrorObject::local(
            crate::ErrorClass::Timeout,
            format!(
                "the call waited {waited_ms} ms for a library thread (all busy), past its \
                 deadline_ms of {deadline_ms}; nothing was sent"
            ),
        );
        error.stop_reason = Some(crate::taxonomy::StopReason::Deadline);
        Err(error)
    }
}

/// A seed from text unique to a client (its idempotency prefix: process, time, count).
fn seed_from(unique: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(unique)
}
