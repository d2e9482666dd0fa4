//! llmwire: a robust core for programs that talk to OpenAI-compatible chat-completions endpoints.
//!
//! The crate is a functional core inside an imperative shell:
//!
//! - core (pure, no I/O): [`taxonomy`] names every failure, [`classify`] reads any provider's error
//!   response into a [`classify::Classification`];
//! - shell: [`ffi`] exports the stable C ABI, `src/bin/llmwire.rs` is the command-line tool.
//!
//! The core never reads the clock, sleeps, or touches the network: whatever it needs from the outside
//! world (the current time, a random source) is passed in.

// Errors carry the provider's whole story (classification, attempts); they are the cold path, and
// boxing them would only add an allocation and an indirection to every signature.
#![allow(clippy::result_large_err)]

pub mod classify;
pub mod client;
pub mod config;
pub mod context;
pub mod error;
pub mod ffi;
mod json;
pub mod mock;
pub mod profile;
pub mod provider;
pub mod retry;
pub mod stream;
pub mod taxonomy;
pub mod transport;
pub mod validate;

pub use classify::{classify, Classification, ClassifyInput};
pub use error::ErrorObject;
pub use taxonomy::ErrorClass;

/// The crate version, as in `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The C ABI version. Bumped only when a released C signature or status value changes meaning,
/// which the project's ABI rules forbid; additions do not bump it.
pub const ABI_VERSION: u32 = 1;
