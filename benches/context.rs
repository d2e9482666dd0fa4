//! Benchmark of context management (std only, no harness): trimming a generated 5,000-message
//! conversation with tool calls to a 128k-token budget (target: median ≤ 10 ms), and the text
//! estimator's throughput on the corpus of real text and on the conversation.
//!
//! Run: `cargo bench --bench context`.

use llmwire::retry::{RandomSource, SplitMix64};
use std::path::Path;
use std::time::Duration;

mod common;

use common::sorted_times;
use llmwire::context::{estimate_request_tokens, estimate_text_tokens, trim, TrimOptions};
use llmwire::provider::Provider;
use serde_json::{json, Value};

const MESSAGES: usize = 5_000;
const BUDGET_TOKENS: u64 = 128_000;

/// SplitMix64, for a conversation that is the same on every run.
struct Rng(SplitMix64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn below(&mut self, bound: u64) -> usize {
        (self.next() % bound) as usize
    }
}

const WORDS: [&str; 24] = [
    "the",
    "request",
    "tokens",
    "window",
    "provider",
    "retry",
    "answer",
    "file",
    "weather",
    "Paris",
    "function",
    "result",
    "context",
    "message",
    "history",
    "assistant",
    "user",
    "tool",
    "output",
    "budget",
    "estimate",
    "trim",
    "turn",
    "model",
];

fn words(rng: &mut Rng, count: usize) -> String {
    let mut out = String::with_capacity(count * 8);
    for i in 0..count {
        if i > 0 {
            out.push(if i % 12 == 0 { '.' } else { ' ' });
            if i % 12 == 0 {
                out.push(' ');
            }
        }
        out.push_str(WORDS[rng.below(WORDS.len() as u64)]);
    }
    out
}

fn tool_output(rng: &mut Rng) -> String {
    let spread = if rng.below(10) == 0 { 60 } else { 8 };
    let rows = 2 + rng.below(spread);
    let rows: Vec<String> = (0..rows)
        .map(|i| {
            let name = words(rng, 3);
            format!(
                "{{\"id\":{i},\"name\":\"{name}\",\"score\":0.{}}}",
                rng.below(1000)
            )
        })
        .collect();
    format!("[{}]", rows.join(","))
}

/// About 5,000 messages: turns of a user question, 0–2 tool rounds with 1–3 parallel calls and
/// their JSON results, and an answer.
fn conversation() -> Value {
    let mut rng = Rng(SplitMix64::new(42));
    let mut messages = vec![json!({"role": "system", "content": words(&mut rng, 60)})];
    let mut turn = 0;
    while messages.len() < MESSAGES {
        let question = 10 + rng.below(60);
        messages.push(json!({"role": "user", "content": words(&mut rng, question)}));
        let rounds = rng.below(3);
        for round in 0..rounds {
            let parallel = 1 + rng.below(3);
            let calls: Vec<Value> = (0..parallel)
                .map(|k| {
                    let query = words(&mut rng, 4);
                    json!({"id": format!("call_{turn}_{round}_{k}"), "type": "function",
                        "function": {"name": "search", "arguments": format!("{{\"query\":\"{query}\"}}")}})
                })
                .collect();
            let ids: Vec<String> = calls
                .iter()
                .map(|c| c["id"].as_str().unwrap_or("").to_owned())
                .collect();
            messages.push(json!({"role": "assistant", "content": null, "tool_calls": calls}));
            for id in ids {
                messages.push(
                    json!({"role": "tool", "tool_call_id": id, "content": tool_output(&mut rng)}),
                );
            }
        }
        let answer = 20 + rng.below(120);
        messages.push(json!({"role": "assistant", "content": words(&mut rng, answer)}));
        turn += 1;
    }
    messages.truncate(MESSAGES - 1);
    messages.push(json!({"role": "user", "content": "Summarise everything so far."}));
    json!({"model": "gpt-4o", "messages": messages, "tools": [{"type": "function", "function": {
        "name": "search", "description": "Search the index.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}}]})
}

fn text_bytes(request: &Value) -> usize {
    request["messages"]
        .as_array()
        .map(|messages| {
            messages
                .iter()
                .map(|m| {
                    m["content"].as_str().map_or(0, str::len)
                        + m["tool_calls"].as_array().map_or(0, |calls| {
                            calls
                                .iter()
                                .map(|c| c["function"]["arguments"].as_str().map_or(0, str::len))
                                .sum()
                        })
                })
                .sum()
        })
        .unwrap_or(0)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn corpus() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/context");
    let mut text = String::new();
    for kind in ["prose", "code", "json", "cjk", "other_scripts", "base64"] {
        let Ok(entries) = std::fs::read_dir(root.join(kind)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            text.push_str(&std::fs::read_to_string(path).unwrap_or_default());
        }
    }
    text
}

fn main() {
    let request = conversation();
    let bytes = text_bytes(&request);
    let estimate = estimate_request_tokens(&request);
    let options = TrimOptions::with_budget(Provider::OpenAI, BUDGET_TOKENS);
    let report = match trim(&request, &options) {
        Ok(trimmed) => trimmed.report,
        Err(error) => panic!("the benchmark conversation must fit once trimmed: {error}"),
    };
    println!(
        "conversation: {} messages, {:.2} MB of text, estimated {} tokens; trimmed to {} tokens \
         ({} messages dropped in {} turns)",
        MESSAGES,
        bytes as f64 / 1e6,
        estimate,
        report.estimated_tokens_after,
        report.dropped_indices.len(),
        report.dropped_turns,
    );

    let times = sorted_times(60, || trim(&request, &options));
    let median = times[times.len() / 2];
    println!(
        "trim to {BUDGET_TOKENS} tokens: median {:.2} ms, min {:.2} ms, p90 {:.2} ms (target ≤ 10 ms)",
        ms(median),
        ms(times[0]),
        ms(times[times.len() * 9 / 10]),
    );

    let times = sorted_times(60, || estimate_request_tokens(&request));
    let median = times[times.len() / 2];
    println!(
        "estimate_request_tokens (whole conversation): median {:.2} ms, {:.0} MB/s of message text",
        ms(median),
        bytes as f64 / 1e6 / median.as_secs_f64()
    );

    let text = corpus();
    let times = sorted_times(100, || estimate_text_tokens(&text));
    let median = times[times.len() / 2];
    println!(
        "estimate_text_tokens (real-text corpus, {:.2} MB): median {:.2} ms, {:.0} MB/s",
        text.len() as f64 / 1e6,
        ms(median),
        text.len() as f64 / 1e6 / median.as_secs_f64()
    );
}
