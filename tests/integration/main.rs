//! Every Rust integration test of llmwire, in one test binary.
//!
//! Each module below was a test binary of its own until every one of them linked its own copy of
//! the library, the simulated provider and the Redis client; one binary is compiled and linked
//! once (docs/structure.md, "Tests", has the figures). A test's name is its module and its
//! function, so one area runs alone with a filter:
//!
//! ```text
//! cargo test --test integration client_deadline::
//! cargo test --test integration header:: -- --exact   # or `make bless-header` to refresh it
//! ```
//!
//! The tests share one process, so none of them may change what the others rely on: no test sets
//! an environment variable or the working directory (they are only read, and set on child
//! processes). Two things are process-wide on purpose:
//! - `mock_server::garbage_from_clients_never_panics_a_server_thread_or_stops_the_server` installs
//!   a panic hook that flags a panic on any simulator thread (and chains to the previous hook);
//! - `coordination_fleet` runs this binary again as its child processes, filtered down to
//!   `coordination_fleet::child_worker`, which does nothing unless its variable is set.

// Helpers the test modules share; each is named after what it holds.

/// The generator of `src/context/vocab.rs` and the adversarial strings of `context_accuracy`.
mod context_tables;
/// Mock targets on loopback and clients over them, for the fleet and coordination tests.
mod fleet_setup;
/// A raw-socket HTTP/1.1 client that shows what the simulator puts on the wire.
mod raw_http;
/// A real `redis-server` on a free loopback port, for the coordination tests.
mod redis_server;
/// Failures, attempt states and policies for the retry decision tests.
mod retry_builders;
/// Validation shortcuts and assertions on validation reports.
mod validate_checks;

/// A mock session id unique to this process and call site, so that tests sharing one simulator
/// never read each other's requests or scenario state.
pub fn session(name: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

// The tests, one module per area.

mod classify_corpus;
mod classify_edges;
mod classify_families;
mod classify_hints;
mod classify_properties;
mod classify_quick;
mod classify_token_limits;
mod cli;
mod client_answer;
mod client_deadline;
mod client_faults;
mod client_hostile;
mod client_tls;
mod context_accuracy;
mod context_cli;
mod context_client;
mod context_trim;
mod coordination_fleet;
mod coordination_store;
mod fleet_failover;
mod fleet_limits;
mod header;
mod mock_scenarios;
mod mock_server;
mod retry_backoff;
mod retry_budget;
mod retry_config;
mod retry_decide;
mod retry_properties;
mod retry_summary;
mod stream_assemble;
mod stream_items;
mod stream_sse;
mod validate_api;
mod validate_fixtures;
mod validate_repair;
mod validate_rules_messages;
mod validate_rules_params;
mod validate_rules_tools;
