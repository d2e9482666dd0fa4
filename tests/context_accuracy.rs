//! The token estimator measured against a real tokenizer (o200k_base, the encoding of GPT-4o and
//! later OpenAI models, from the `tiktoken-rs` dev-dependency) on the corpus of real text in
//! `tests/fixtures/context/` (sources in its README).
//!
//! Targets, asserted per kind of text and over everything: the estimate never under-counts a text
//! or a conversation by more than 5%, and over-counts by at most 15% on average.
//!
//! The table: `cargo test --test context_accuracy -- --nocapture`.

use std::path::PathBuf;
use std::sync::OnceLock;

use llmwire::context::{estimate_request_tokens, estimate_text_tokens};
use serde_json::{json, Value};
use tiktoken_rs::CoreBPE;

const KINDS: [&str; 6] = ["prose", "code", "json", "cjk", "other_scripts", "base64"];
const MAX_UNDER_ESTIMATE: f64 = 0.05;
const MAX_MEAN_OVER_ESTIMATE: f64 = 0.15;

fn o200k() -> &'static CoreBPE {
    static BPE: OnceLock<CoreBPE> = OnceLock::new();
    BPE.get_or_init(|| tiktoken_rs::o200k_base().expect("o200k_base is embedded in tiktoken-rs"))
}

fn tokens(text: &str) -> u64 {
    o200k().encode_ordinary(text).len() as u64
}

/// The samples of one kind, in file-name order: (file name, text).
fn samples(kind: &str) -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/context")
        .join(kind);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (
                name,
                std::fs::read_to_string(&path).expect("a UTF-8 sample"),
            )
        })
        .collect()
}

/// estimate / actual for each item, and a one-line summary.
struct Figures {
    ratios: Vec<(String, f64)>,
}

impl Figures {
    fn min(&self) -> (String, f64) {
        self.ratios
            .iter()
            .cloned()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("at least one item")
    }

    fn mean(&self) -> f64 {
        self.ratios.iter().map(|(_, r)| r).sum::<f64>() / self.ratios.len() as f64
    }

    fn max(&self) -> f64 {
        self.ratios.iter().map(|(_, r)| *r).fold(0.0, f64::max)
    }

    fn row(&self, label: &str) -> String {
        let (_, min) = self.min();
        format!(
            "| {label:<26} | {:>3} | {:>+8.1}% | {:>+9.1}% | {:>+8.1}% |",
            self.ratios.len(),
            (min - 1.0) * 100.0,
            (self.mean() - 1.0) * 100.0,
            (self.max() - 1.0) * 100.0,
        )
    }

    fn assert_targets(&self, label: &str) {
        let (worst, min) = self.min();
        assert!(
            min >= 1.0 - MAX_UNDER_ESTIMATE,
            "{label}: {worst} is under-estimated by {:.1}%",
            (1.0 - min) * 100.0
        );
        assert!(
            self.mean() <= 1.0 + MAX_MEAN_OVER_ESTIMATE,
            "{label}: mean over-estimate {:.1}%",
            (self.mean() - 1.0) * 100.0
        );
    }
}

fn text_figures(kind: &str) -> Figures {
    Figures {
        ratios: samples(kind)
            .into_iter()
            .map(|(name, text)| {
                let ratio = estimate_text_tokens(&text) as f64 / tokens(&text) as f64;
                (name, ratio)
            })
            .collect(),
    }
}

/// The reference count of a request in OpenAI's chat format (the cookbook's rule for o200k models):
/// per message 3 tokens plus the role and the content, plus the name and one more when there is
/// one; 3 for the reply primer. A tool call is counted as its function name and arguments plus 3
/// (OpenAI does not publish that format; the estimator charges 4).
fn reference_tokens(request: &Value) -> u64 {
    let mut total = 3;
    for message in request["messages"].as_array().expect("messages") {
        total += 3 + tokens(message["role"].as_str().expect("a role"));
        if let Some(content) = message["content"].as_str() {
            total += tokens(content);
        }
        if let Some(name) = message.get("name").and_then(Value::as_str) {
            total += tokens(name) + 1;
        }
        for call in message["tool_calls"].as_array().into_iter().flatten() {
            let function = &call["function"];
            total += 3
                + tokens(function["name"].as_str().expect("a name"))
                + tokens(function["arguments"].as_str().expect("arguments"));
        }
    }
    total
}

/// Conversations made of one kind's samples: each sample is one message, in turns of a user
/// message, an assistant tool call, its tool result and an assistant answer.
fn conversations(kind: &str) -> Vec<(String, Value)> {
    let texts = samples(kind);
    texts
        .chunks(4)
        .enumerate()
        .map(|(n, chunk)| {
            let mut messages = vec![json!({"role": "system", "content": "You are a careful assistant."})];
            for (i, (_, text)) in chunk.iter().enumerate() {
                match i % 4 {
                    0 => messages.push(json!({"role": "user", "content": text})),
                    1 => {
                        let id = format!("call_{n}_{i}");
                        messages.push(json!({"role": "assistant", "content": null, "tool_calls": [
                            {"id": id, "type": "function",
                             "function": {"name": "read_file", "arguments": "{\"path\":\"notes.txt\"}"}}]}));
                        messages.push(json!({"role": "tool", "tool_call_id": id, "content": text}));
                    }
                    _ => messages.push(json!({"role": "assistant", "content": text})),
                }
            }
            (format!("{kind} conversation {}", n + 1), json!({"model": "gpt-4o", "messages": messages}))
        })
        .collect()
}

/// Conversations mixing every kind: message `i` of conversation `n` is a sample of kind `n + i`.
fn mixed_conversations() -> Vec<(String, Value)> {
    let all: Vec<Vec<(String, String)>> = KINDS.iter().map(|kind| samples(kind)).collect();
    (0..8)
        .map(|n| {
            let mut messages = vec![json!({"role": "system", "content": "Answer briefly."})];
            for i in 0..6 {
                let kind = &all[(n + i) % KINDS.len()];
                let text = &kind[(n * 3 + i) % kind.len()].1;
                let role = if i % 2 == 0 { "user" } else { "assistant" };
                messages.push(json!({"role": role, "content": text}));
            }
            (
                format!("mixed conversation {}", n + 1),
                json!({"model": "gpt-4o", "messages": messages}),
            )
        })
        .collect()
}

fn conversation_figures(conversations: Vec<(String, Value)>) -> Figures {
    Figures {
        ratios: conversations
            .into_iter()
            .map(|(name, request)| {
                let ratio =
                    estimate_request_tokens(&request) as f64 / reference_tokens(&request) as f64;
                (name, ratio)
            })
            .collect(),
    }
}

#[test]
fn estimator_meets_the_targets_on_every_kind_of_text_and_prints_the_table() {
    // error = estimate / o200k_base count - 1: negative is an under-estimate.
    let header = "| kind                       |   n | min error | mean error | max error |";
    let mut table = vec![
        "texts (estimate_text_tokens vs o200k_base):".to_owned(),
        header.to_owned(),
        "|---|---|---|---|---|".to_owned(),
    ];
    let mut everything = Figures { ratios: Vec::new() };
    for kind in KINDS {
        let figures = text_figures(kind);
        table.push(figures.row(kind));
        figures.assert_targets(kind);
        everything.ratios.extend(figures.ratios);
    }
    table.push(everything.row("all texts"));
    everything.assert_targets("all texts");

    table.push(String::new());
    table.push(
        "conversations (estimate_request_tokens vs o200k_base in the chat format):".to_owned(),
    );
    table.push(header.to_owned());
    table.push("|---|---|---|---|---|".to_owned());
    let mut all_conversations = Figures { ratios: Vec::new() };
    for kind in KINDS {
        let figures = conversation_figures(conversations(kind));
        table.push(figures.row(kind));
        figures.assert_targets(&format!("{kind} conversations"));
        all_conversations.ratios.extend(figures.ratios);
    }
    let mixed = conversation_figures(mixed_conversations());
    table.push(mixed.row("mixed"));
    mixed.assert_targets("mixed conversations");
    all_conversations.ratios.extend(mixed.ratios);
    table.push(all_conversations.row("all conversations"));
    all_conversations.assert_targets("all conversations");
    println!("{}", table.join("\n"));
}

#[test]
fn corpus_is_small_and_every_kind_has_samples() {
    let mut bytes = 0;
    for kind in KINDS {
        let samples = samples(kind);
        assert!(samples.len() >= 8, "{kind}: {} samples", samples.len());
        bytes += samples.iter().map(|(_, text)| text.len()).sum::<usize>();
    }
    assert!(bytes < 1_000_000, "the corpus is {bytes} bytes");
}

#[test]
fn json_definitions_are_not_under_estimated() {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/requests/valid/openai_strict_tools.json");
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    let request = &fixture["request"];
    assert!(request["tools"].is_array());
    let tools_text = serde_json::to_string(&request["tools"]).unwrap();
    let estimate = llmwire::context::estimate_definitions_tokens(request);
    assert!(estimate as f64 >= tokens(&tools_text) as f64 * (1.0 - MAX_UNDER_ESTIMATE));
}
