//! llmwire: a robust core for programs that talk to OpenAI-compatible chat-completions endpoints.
//!
//! The crate is a functional core inside an imperative shell:
//!
//! - core (pure, no I/O): [`taxonomy`] names every failure, [`mod@classify`] reads any provider's error
//!   response into a [`classify::Classification`], [`validate`] checks (and repairs) a request for
//!   a provider's [`profile`], [`retry`] decides whether and when to try again, [`context`]
//!   estimates tokens and trims history, [`stream`] decodes and assembles server-sent events;
//! - shell: `transport` (HTTP over ureq), [`client`] (the attempt loop, the only place that
//!   sends, reads the clock or sleeps), [`coordination`] (where the fleet state lives: in memory,
//!   or shared through Redis), `ffi` (the stable C ABI), [`mock`] (the simulated
//!   provider), and the `llmwire` command-line tool (`src/bin/llmwire/`).
//!
//! The core never reads the clock, sleeps, or touches the network: whatever it needs from the outside
//! world (the current time, a random source) is passed in.
//!
//! ```
//! use llmwire::client::Client;
//! use llmwire::mock::{MockOptions, MockServer};
//! use llmwire::ErrorClass;
//! use serde_json::json;
//!
//! // The bundled simulated provider on loopback; each URL picks a scenario.
//! let mock = MockServer::start(MockOptions::default())?;
//! let client_for = |scenario: &str| {
//!     let config = json!({
//!         "base_url": mock.scenario_base_url(scenario, "crate-docs"),
//!         "api_key": "sk-test", "model": "gpt-4o-mini",
//!         "retry": {"initial_backoff_ms": 1, "max_backoff_ms": 5},
//!     });
//!     Client::new(&config.to_string())
//! };
//! let request = json!({"messages": [{"role": "user", "content": "Hello"}]});
//!
//! // Three "model overloaded" answers, then a completion: ridden out.
//! let completion = client_for("overloaded_then_ok:n=3")?.chat(&request, None)?;
//! assert_eq!(completion["llmwire"]["attempts"].as_array().map(Vec::len), Some(4));
//!
//! // The same call as JSON text, the provider's own bytes with the report appended (what the C
//! // API hands out: no `Value` is built on the way).
//! let text = client_for("echo")?.chat_json(&request, None)?;
//! assert!(text.ends_with("]}}") && text.contains(r#""llmwire":{"attempts""#));
//!
//! // A per-day quota is not retried, and the error says why, with every attempt.
//! let error = client_for("quota_exhausted")?.chat(&request, None).unwrap_err();
//! assert_eq!(error.class(), ErrorClass::QuotaExhausted);
//! assert_eq!(error.attempts.len(), 1);
//! println!("{}", error.summary);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Errors carry the provider's whole story (classification, attempts); they are the cold path, and
// boxing them would only add an allocation and an indirection to every signature.
#![allow(clippy::result_large_err)]
// `unsafe` is refused everywhere but where an allowance names its reason: the C boundary (`ffi`),
// and one socket option in the simulator (`mock::server`).
#![deny(unsafe_code)]
// Every public item says what it is for; `make lint` (clippy with `-D warnings`) makes a missing
// doc comment an error. Internals stay `pub(crate)` (docs/structure.md, "What the Rust API shows").
#![warn(missing_docs)]

pub mod classify;
pub mod client;
pub mod config;
pub mod context;
pub mod coordination;
pub mod error;
// The C ABI cannot be written without it: raw pointers from C, `#[no_mangle]` exports.
// Private: C reaches the exports by symbol name; Rust callers use the core and `client`.
#[allow(unsafe_code)]
mod ffi;
pub mod fleet;
mod json;
#[cfg(feature = "mock")]
pub mod mock;
pub mod profile;
pub mod provider;
pub mod redact;
pub mod retry;
pub mod stream;
pub mod taxonomy;
// Private: the client is its only caller; what a user sees of it are fault names in errors.
pub(crate) mod transport;
mod utf8;
pub mod validate;

pub use classify::{classify, Classification, ClassifyInput};
pub use error::ErrorObject;
pub use taxonomy::ErrorClass;

/// The crate version, as in `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The C ABI version. Bumped only when a released C signature or status value changes meaning,
/// which the project's ABI rules forbid; additions do not bump it.
pub const ABI_VERSION: u32 = 1;
