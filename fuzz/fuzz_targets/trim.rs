//! Trimming arbitrary requests to arbitrary budgets: no panic, and a trimmed request that fits the
//! budget it reports (or an error saying it cannot).
//!
//! Input layout: bytes 0–1 the budget, byte 2 picks the provider and the strategy; the rest is the
//! request text. The same text is also tried as the trim options JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use llmwire::context::{estimate_request_tokens, trim, trim_json, Strategy, TrimOptions};
use llmwire::provider::Provider;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = trim_json(
            r#"{"messages":[{"role":"user","content":"hi"}]}"#,
            Some(text),
        );
    }
    if data.len() < 3 {
        return;
    }
    let Ok(text) = std::str::from_utf8(&data[3..]) else {
        return;
    };
    let budget = u64::from(u16::from_be_bytes([data[0], data[1]]));
    let mut options = TrimOptions::with_budget(
        Provider::ALL[usize::from(data[2] >> 1) % Provider::ALL.len()],
        budget,
    );
    if data[2] & 1 == 1 {
        options.strategy = Strategy::DropOldest;
    }
    let Ok(request) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    if let Ok(trimmed) = trim(&request, &options) {
        assert!(
            trimmed.report.estimated_tokens_after <= trimmed.report.budget_tokens,
            "trimmed to {} over the budget {}",
            trimmed.report.estimated_tokens_after,
            trimmed.report.budget_tokens
        );
        assert_eq!(
            trimmed.report.estimated_tokens_after,
            estimate_request_tokens(&trimmed.request),
            "the report's figure is not the trimmed request's estimate"
        );
        let _ = trimmed.to_json();
    }
    let _ = trim_json(text, None);
});
