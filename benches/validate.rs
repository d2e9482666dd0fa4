//! Validator throughput: validating request text (parse included) against parsing it alone.
//!
//! Generates requests of about 0.2, 2 and 20 MB (100 to 10,000 messages with tool calls, tool
//! results, image parts, and 64 tools with nested schemas), then times `validate_json` for the Gemini
//! and OpenAI profiles and `serde_json::from_str::<Value>` on the same text. Prints MB/s and the
//! ratio validate/parse (target: at most 2x, growing linearly with size).
//!
//! Then two shapes built to find super-linear work, at about 0.2, 2 and 20 MB: Gemini tool schemas
//! full of `$ref`s into a chain of definitions, and one assistant message with tens of thousands of
//! tool calls answered one by one. For each it prints the time and the ratio to the previous size
//! (about 10x for linear work; quadratic work shows as about 100x). Run with
//! `cargo bench --bench validate`.

use std::hint::black_box;
use std::time::Duration;

mod common;

use common::median_time;
use llmwire::validate::{validate, validate_json, ValidateOptions};
use serde_json::{json, Value};

/// A 1x1 PNG, so image parts carry a real (small) base64 payload.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

const WORDS: &[&str] = &[
    "retry",
    "budget",
    "provider",
    "schema",
    "window",
    "token",
    "stream",
    "gemini",
    "request",
    "deadline",
    "jitter",
    "overloaded",
    "context",
    "message",
    "the",
    "a",
    "of",
    "and",
    "function",
    "result",
];

fn sentence(seed: usize, words: usize) -> String {
    let mut text = String::with_capacity(words * 8);
    for i in 0..words {
        if i > 0 {
            text.push(' ');
        }
        text.push_str(WORDS[(seed * 31 + i * 7) % WORDS.len()]);
    }
    text.push('.');
    text
}

fn nested_schema(depth: usize, seed: usize) -> Value {
    if depth == 0 {
        return json!({"type": "string", "description": sentence(seed, 6), "enum": ["a", "b", "c"]});
    }
    json!({
        "type": "object",
        "description": sentence(seed, 8),
        "properties": {
            "name": {"type": "string", "maxLength": 64},
            "count": {"type": "integer", "minimum": 0, "format": "int64"},
            "when": {"type": "string", "format": "date-time", "nullable": true},
            "tags": {"type": "array", "items": {"type": "string"}},
            "child": nested_schema(depth - 1, seed + 1)
        },
        "required": ["name", "child"]
    })
}

fn tools() -> Vec<Value> {
    (0..64)
        .map(|index| {
            json!({"type": "function", "function": {
                "name": format!("tool_{index}"),
                "description": sentence(index, 20),
                "parameters": nested_schema(3, index)
            }})
        })
        .collect()
}

/// A request of `turns` user/assistant rounds; every fourth round calls two tools in parallel.
fn request(turns: usize) -> String {
    let mut messages = vec![json!({"role": "system", "content": sentence(0, 60)})];
    for turn in 0..turns {
        if turn % 10 == 3 {
            messages.push(json!({"role": "user", "content": [
                {"type": "text", "text": sentence(turn, 40)},
                {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{PNG}")}}
            ]}));
        } else {
            messages.push(json!({"role": "user", "content": sentence(turn, 250 + turn % 200)}));
        }
        if turn % 4 == 1 {
            let ids = [format!("call_{turn}_a"), format!("call_{turn}_b")];
            messages.push(json!({"role": "assistant", "content": null, "tool_calls": [
                {"id": ids[0], "type": "function", "function": {"name": format!("tool_{}", turn % 64), "arguments": format!("{{\"name\": \"{}\", \"count\": {turn}}}", sentence(turn, 3))}},
                {"id": ids[1], "type": "function", "function": {"name": format!("tool_{}", (turn + 1) % 64), "arguments": "{\"name\": \"x\", \"child\": {}}"}}
            ]}));
            messages.push(
                json!({"role": "tool", "tool_call_id": ids[1], "content": sentence(turn + 1, 30)}),
            );
            messages.push(
                json!({"role": "tool", "tool_call_id": ids[0], "content": sentence(turn, 160)}),
            );
        }
        messages.push(json!({"role": "assistant", "content": sentence(turn + 2, 420)}));
    }
    messages.push(json!({"role": "user", "content": "Summarise."}));
    json!({"model": "gemini-2.5-pro", "messages": messages, "tools": tools(), "temperature": 0.4, "max_tokens": 4096})
        .to_string()
}

fn mb_per_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / 1e6 / time.as_secs_f64()
}

/// Gemini tools whose parameters hold a chain of `LINKS` definitions (each referring to the next)
/// and `props` properties, each a `$ref` into the chain: every reference expands to up to `LINKS`
/// nodes, just within the inlining limit.
fn ref_request(tools: usize, props: usize) -> String {
    const LINKS: usize = 250;
    let tools: Vec<Value> = (0..tools)
        .map(|tool| {
            let defs: serde_json::Map<String, Value> = (0..LINKS)
                .map(|i| {
                    let def = if i + 1 < LINKS {
                        json!({"type": "object", "description": sentence(i, 4),
                               "properties": {"next": {"$ref": format!("#/$defs/d{}", i + 1)}}})
                    } else {
                        json!({"type": "string"})
                    };
                    (format!("d{i}"), def)
                })
                .collect();
            let properties: serde_json::Map<String, Value> = (0..props)
                .map(|i| {
                    (
                        format!("p{i}"),
                        json!({"$ref": format!("#/$defs/d{}", i % 8)}),
                    )
                })
                .collect();
            json!({"type": "function", "function": {"name": format!("tool_{tool}"),
                   "parameters": {"type": "object", "properties": properties, "$defs": defs}}})
        })
        .collect();
    json!({"model": "gemini-2.5-pro", "messages": [{"role": "user", "content": "hi"}], "tools": tools})
        .to_string()
}

/// One assistant message calling `calls` tools at once, then one tool message per call.
fn tool_call_request(calls: usize) -> String {
    let tool_calls: Vec<Value> = (0..calls)
        .map(|i| {
            json!({"id": format!("call_{i:08}"), "type": "function",
                        "function": {"name": "lookup", "arguments": format!("{{\"n\": {i}}}")}})
        })
        .collect();
    let mut messages = vec![
        json!({"role": "user", "content": "Look everything up."}),
        json!({"role": "assistant", "content": null, "tool_calls": tool_calls}),
    ];
    messages.extend((0..calls).map(|i| {
        json!({"role": "tool", "tool_call_id": format!("call_{i:08}"), "content": format!("result {i}")})
    }));
    let tools = json!([{"type": "function", "function": {"name": "lookup",
                        "parameters": {"type": "object", "properties": {"n": {"type": "integer"}}}}}]);
    json!({"model": "gpt-4.1", "messages": messages, "tools": tools}).to_string()
}

/// A request shape: its name, the provider profile, how to build it at a scale, three scales.
type Shape = (&'static str, &'static str, fn(usize) -> String, [usize; 3]);

/// Times validation of the hostile shapes at three sizes, each ten times the last (only the first
/// `sizes` of them: `--sizes N` on the command line).
fn hostile_shapes(sizes: usize) {
    println!();
    println!(
        "{:>14} {:>8} {:>12} {:>11} {:>9}",
        "shape", "size", "validate ms", "MB/s", "x prev"
    );
    let shapes: [Shape; 2] = [
        (
            "gemini $refs",
            "gemini",
            |n| ref_request(n, 500),
            [5, 47, 470],
        ),
        (
            "tool calls",
            "openai",
            tool_call_request,
            [1_100, 11_000, 110_000],
        ),
    ];
    for (name, provider, build, scales) in shapes {
        let options = format!("{{\"provider\": \"{provider}\", \"window_tokens\": 100000000}}");
        let mut previous: Option<f64> = None;
        for (scale, runs) in scales.into_iter().zip([7, 3, 1]).take(sizes) {
            let text = build(scale);
            let time = median_time(runs, || {
                black_box(validate_json(black_box(&text), Some(&options)).ok());
            });
            let ms = time.as_secs_f64() * 1e3;
            println!(
                "{:>14} {:>6.2}MB {:>12.1} {:>11.1} {:>9}",
                name,
                text.len() as f64 / 1e6,
                ms,
                mb_per_s(text.len(), time),
                previous.map_or(String::from("-"), |p| format!("{:.1}x", ms / p)),
            );
            previous = Some(ms);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sizes = args
        .iter()
        .position(|arg| arg == "--sizes")
        .and_then(|at| args.get(at + 1)?.parse().ok())
        .unwrap_or(3);
    if args.iter().any(|arg| arg == "--hostile-only") {
        hostile_shapes(sizes);
        return;
    }
    println!(
        "{:>8} {:>9} {:>9} {:>11} {:>14} {:>12} {:>12} {:>7} {:>4}",
        "size",
        "messages",
        "provider",
        "parse MB/s",
        "validate MB/s",
        "validate ms",
        "checks only",
        "ratio",
        "ok"
    );
    for (turns, runs) in [(36, 101), (360, 31), (3_600, 9)] {
        let text = request(turns);
        let messages = serde_json::from_str::<Value>(&text)
            .map_or(0, |v| v["messages"].as_array().map_or(0, Vec::len));
        let parse = median_time(runs, || {
            black_box(serde_json::from_str::<Value>(black_box(&text)).ok());
        });
        for provider in ["gemini", "openai"] {
            // A window override keeps the 20 MB request "valid", so the whole pass is measured.
            let model = if provider == "gemini" {
                "gemini-2.5-pro"
            } else {
                "gpt-4.1"
            };
            let options = format!("{{\"provider\": \"{provider}\", \"model\": \"{model}\", \"window_tokens\": 100000000}}");
            let report =
                validate_json(&text, Some(&options)).expect("generated requests are valid JSON");
            let from_text = median_time(runs, || {
                black_box(validate_json(black_box(&text), Some(&options)).ok());
            });
            // The rules alone, on an already parsed request (no parse, no drop).
            let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
            let parsed_options = ValidateOptions::from_json(&options).expect("valid options");
            let checks = median_time(runs, || {
                black_box(validate(black_box(&parsed), &parsed_options));
            });
            println!(
                "{:>6.2}MB {:>9} {:>9} {:>11.1} {:>14.1} {:>12.2} {:>10.2}ms {:>6.2}x {:>4}",
                text.len() as f64 / 1e6,
                messages,
                provider,
                mb_per_s(text.len(), parse),
                mb_per_s(text.len(), from_text),
                from_text.as_secs_f64() * 1e3,
                checks.as_secs_f64() * 1e3,
                from_text.as_secs_f64() / parse.as_secs_f64(),
                if report.ok { "yes" } else { "no" },
            );
            if !report.ok {
                eprintln!(
                    "unexpected errors: {:?}",
                    &report.errors[..report.errors.len().min(3)]
                );
            }
        }
    }
    hostile_shapes(sizes);
}
