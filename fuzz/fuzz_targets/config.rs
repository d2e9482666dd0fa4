//! Client configuration parsing, and client creation from whatever parses: no panic, and every
//! refusal is an error object with a message. No network: creating a client sends nothing.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use llmwire::client::Client;
use llmwire::config::ClientConfig;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = ClientConfig::from_json(text) else {
        return;
    };
    let clock = Arc::new(llmwire::client::SystemClock::default());
    match Client::with_clock(config, clock, |_| None) {
        Ok(_) => {}
        Err(error) => {
            assert!(!error.classification.message.is_empty() && !error.summary.is_empty())
        }
    }
});
