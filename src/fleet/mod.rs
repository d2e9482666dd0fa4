//! Fleet: one call spread over an ordered list of targets (endpoint, provider, model, key), with
//! per-target cooldowns, circuit breakers and client-side rate limits. Design: docs/fleet.md.
//!
//! For: the pure decisions ([`policy`], [`breaker`], [`limits`]) and the state they act on,
//! behind [`state::TargetStateStore`] so that a shared backend can replace the in-memory one.
//! Not for: sending, sleeping or reading the clock (the client loop does that and passes `now`).

pub mod breaker;
pub mod limits;
pub mod policy;
pub mod state;
pub mod targets;

pub use breaker::{BreakerConfig, BreakerState, BreakerTransition};
pub use limits::Limits;
pub use policy::{effect_of, fails_over, Effect, FleetPolicy};
pub use state::{
    Acquire, Grant, MemoryStore, Outcome, TargetKey, TargetSnapshot, TargetStateStore, Transition,
    Unavailable,
};
pub use targets::{TargetConfig, DEFAULT_TARGET_NAME};
