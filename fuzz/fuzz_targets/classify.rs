//! Classification of arbitrary responses: never panics, always serialises, and a completion the
//! classifier calls usable parses as JSON.
//!
//! Input layout: byte 0 picks the provider (or auto), bytes 1–2 the status, then header lines
//! (`name: value`) up to a blank line, then the body. The same bytes are also tried as the CLI's
//! classification input JSON.
#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use llmwire::classify::{classify, completion_is_usable, usable_completion, ClassifyInput};
use llmwire::provider::Provider;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(input) = ClassifyInput::from_json(text) {
            check(&input);
        }
    }
    if data.len() < 3 {
        return;
    }
    let provider = Provider::ALL.get(usize::from(data[0])).copied();
    let status = u16::from_be_bytes([data[1], data[2]]) % 1000;
    let rest = &data[3..];
    let split = rest.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match split {
        Some(at) => (&rest[..at], &rest[at + 2..]),
        None => (&[][..], rest),
    };
    let headers = String::from_utf8_lossy(head)
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let input = ClassifyInput {
        provider,
        status: Some(status),
        headers,
        body: body.to_vec(),
        transport: None,
    };
    check(&input);
    if completion_is_usable(body).is_ok() {
        assert!(usable_completion(body).is_ok(), "usable but not parsed");
    }
});

fn check(input: &ClassifyInput) {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let classification = classify(input, now);
    assert!(serde_json::to_string(&classification).is_ok());
    assert_eq!(classification.http_status, input.status);
}
