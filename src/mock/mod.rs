//! The bundled simulated provider behind `llmwire mock`: a loopback HTTP/1.1 server that plays
//! normal chat completions and every provider fault llmwire must survive, so that llmwire's own
//! tests (Rust, C, Python, Node) and users' applications can be tested against real HTTP.
//!
//! Built only with the `mock` cargo feature (on by default, through `cli`): the shipped C library
//! leaves it out. Not for: production traffic, TLS, or being a general web server. It has no dependencies
//! beyond std and serde_json, and its only `unsafe` sets `SO_LINGER` for real resets.
//!
//! Modules: `server` (lifecycle, threads), `serve` (one connection, endpoints), `http` (request
//! parsing), `response` (response framing), `route` (selection syntax), `state` (per-session
//! progress and request log), `scenario` (the model), `file` (scenario files), `builtin` and
//! `corpus` (the built-in scenarios and their real bodies), `reply` (completions), `play` (bytes
//! on the wire). The command line, `llmwire mock`, is `src/bin/llmwire/mock_cmd.rs`.
//!
#![doc = include_str!("README.md")]

mod builtin;
mod corpus;
mod file;
mod http;
mod play;
mod quota;
mod reply;
mod response;
mod route;
mod scenario;
mod serve;
mod server;
mod state;

pub use http::Limits;
pub use quota::{Outage, OutageMode, QuotaOptions};
pub use server::{check_scenario_files, MockOptions, MockServer};

/// The built-in scenarios as `(name, parameters with defaults, summary)`, in catalogue order.
pub fn builtin_scenarios() -> Vec<(&'static str, String, &'static str)> {
    builtin::BUILTINS
        .iter()
        .map(|b| (b.name, b.params_summary(), b.summary))
        .collect()
}

/// The catalogue `llmwire mock --list-scenarios` prints: per built-in scenario its name, its
/// parameters with defaults, a summary and the public source of its bodies.
pub fn builtin_scenario_listing() -> String {
    let listing: Vec<String> = builtin::BUILTINS
        .iter()
        .map(|builtin| {
            format!(
                "{}  [{}]\n    {}\n    source: {}",
                builtin.name,
                builtin.params_summary(),
                builtin.summary,
                builtin.source
            )
        })
        .collect();
    listing.join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_documented_table_lists_every_builtin_scenario_and_nothing_else() {
        let readme = include_str!("README.md");
        let section = readme
            .split("## Built-in scenarios")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap_or("");
        let table: Vec<&str> = section
            .lines()
            .filter(|line| line.starts_with("| `"))
            .filter_map(|line| line.split('`').nth(1))
            .collect();
        let names: Vec<&str> = super::builtin::BUILTINS.iter().map(|b| b.name).collect();
        assert_eq!(table, names);
    }
}
