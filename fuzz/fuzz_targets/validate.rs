//! Request validation (and repair) of arbitrary JSON for every provider profile: no panic, a report
//! that serialises, and a repaired request that validation accepts as it stands or reports on
//! without panicking again.
//!
//! Input layout: byte 0 picks the provider and whether to repair; the rest is the request text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use llmwire::provider::Provider;
use llmwire::validate::{validate, validate_json, validate_to_json, ValidateOptions};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let provider = Provider::ALL[usize::from(selector >> 1) % Provider::ALL.len()];
    let repair = selector & 1 == 1;
    let _ = validate_json(text, None);
    let _ = validate_json("{}", Some(text));
    if let Ok((json, _)) = validate_to_json(text, provider.as_str(), repair) {
        assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
    }
    if let Ok(request) = serde_json::from_str::<serde_json::Value>(text) {
        let options = ValidateOptions {
            repair,
            ..ValidateOptions::for_provider(provider)
        };
        let report = validate(&request, &options);
        if let Some(repaired) = &report.request {
            let _ = validate(repaired, &ValidateOptions::for_provider(provider));
        }
    }
});
