//! `trim`: properties over generated conversations (multi-turn, parallel tool calls, long tool
//! outputs, system and developer messages), and the behaviours the report promises.
//!
//! For every generated conversation, provider, budget and strategy: either the trimmed request
//! validates without errors for that provider and fits the budget, keeping every system/developer
//! message and the newest user turn; or the error says nothing fits, and the minimum it names is
//! really over the budget.

use llmwire::context::{
    estimate_request_tokens, trim, trim_json, Strategy, TrimError, TrimOptions,
};
use llmwire::provider::Provider;
use llmwire::retry::{RandomSource, SplitMix64};
use llmwire::taxonomy::ErrorClass;
use llmwire::validate::{validate, ValidateOptions};
use serde_json::{json, Value};

/// SplitMix64: a small deterministic generator, so every failure is reproducible from its seed.
struct Rng(SplitMix64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const WORDS: [&str; 16] = [
    "the", "request", "tokens", "window", "provider", "retry", "answer", "file", "weather",
    "Paris", "城市", "天気", "données", "résumé", "function", "result",
];

/// Between `min` and `min + spread - 1` words.
fn text(rng: &mut Rng, min: u64, spread: u64) -> String {
    let words = min + rng.below(spread);
    let mut out = String::new();
    for i in 0..words.max(1) {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    out
}

fn tool_output(rng: &mut Rng) -> String {
    if rng.chance(30) {
        // A long output (a file, a listing): shortenable.
        let lines = 100 + rng.below(600);
        (0..lines)
            .map(|i| format!("{{\"line\": {i}, \"text\": \"{}\"}}\n", text(rng, 6, 1)))
            .collect()
    } else {
        format!("{{\"ok\": true, \"value\": \"{}\"}}", text(rng, 1, 30))
    }
}

const TOOLS: [&str; 3] = ["read_file", "get_weather", "search"];

/// A valid conversation: optional system prompt, turns of a user message, tool rounds with
/// parallel calls, and an answer (the last turn may stop after its tool results, mid-loop).
fn conversation(rng: &mut Rng, model: &str) -> Value {
    let mut messages = Vec::new();
    if rng.chance(80) {
        messages.push(json!({"role": "system", "content": text(rng, 5, 40)}));
    }
    let turns = 1 + rng.below(12);
    for turn in 0..turns {
        if rng.chance(10) && turn > 0 {
            messages.push(json!({"role": "system", "content": text(rng, 6, 1)}));
        }
        messages.push(json!({"role": "user", "content": text(rng, 1, 80)}));
        let last = turn + 1 == turns;
        for round in 0..rng.below(3) {
            let calls: Vec<Value> = (0..1 + rng.below(3))
                .map(|k| {
                    let name = TOOLS[rng.below(TOOLS.len() as u64) as usize];
                    json!({"id": format!("call_{turn}_{round}_{k}"), "type": "function",
                           "function": {"name": name, "arguments": format!("{{\"q\": \"{}\"}}", text(rng, 2, 1))}})
                })
                .collect();
            let ids: Vec<String> = calls
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect();
            messages.push(json!({"role": "assistant", "content": null, "tool_calls": calls}));
            for id in ids {
                messages
                    .push(json!({"role": "tool", "tool_call_id": id, "content": tool_output(rng)}));
            }
        }
        if !last || rng.chance(50) {
            messages.push(json!({"role": "assistant", "content": text(rng, 1, 120)}));
        }
    }
    let tools: Vec<Value> = TOOLS
        .iter()
        .map(|name| json!({"type": "function", "function": {"name": name, "description": "A tool.",
            "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}}))
        .collect();
    json!({"model": model, "messages": messages, "tools": tools})
}

const PROVIDERS: [(Provider, &str); 4] = [
    (Provider::OpenAI, "gpt-4o"),
    (Provider::Gemini, "gemini-2.5-flash"),
    (Provider::Anthropic, "claude-sonnet-4-5"),
    (Provider::Generic, "local-model"),
];

fn errors(request: &Value, provider: Provider) -> Vec<String> {
    validate(request, &ValidateOptions::for_provider(provider))
        .errors
        .iter()
        .map(|f| format!("{} at {}: {}", f.code, f.path, f.message))
        .collect()
}

fn roles(request: &Value) -> Vec<String> {
    request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap().to_owned())
        .collect()
}

/// The part trimming must keep: every system/developer message, and the last user message with
/// everything after it.
fn kept_part(request: &Value) -> Vec<Value> {
    let messages = request["messages"].as_array().unwrap();
    let last_user = messages.iter().rposition(|m| m["role"] == "user").unwrap();
    messages
        .iter()
        .enumerate()
        .filter(|(i, m)| *i >= last_user || m["role"] == "system" || m["role"] == "developer")
        .map(|(_, m)| m.clone())
        .collect()
}

#[test]
fn trimmed_conversations_validate_and_fit_or_the_error_says_why() {
    let (mut fitted, mut cannot_fit, mut shortened) = (0, 0, 0);
    for seed in 0..400_u64 {
        let mut rng = Rng(SplitMix64::new(seed));
        let (provider, model) = PROVIDERS[(seed % PROVIDERS.len() as u64) as usize];
        let request = conversation(&mut rng, model);
        assert_eq!(
            errors(&request, provider),
            Vec::<String>::new(),
            "seed {seed}: generated request"
        );
        let estimate = estimate_request_tokens(&request);
        let budget = 100 + rng.below(estimate);
        let strategy = if rng.chance(50) {
            Strategy::DropOldest
        } else {
            Strategy::ShortenToolOutputsThenDrop
        };
        let options = TrimOptions {
            strategy,
            ..TrimOptions::with_budget(provider, budget)
        };
        match trim(&request, &options) {
            Ok(trimmed) => {
                fitted += 1;
                let result = &trimmed.request;
                let report = &trimmed.report;
                assert_eq!(
                    errors(result, provider),
                    Vec::<String>::new(),
                    "seed {seed}: {}",
                    report.summary()
                );
                assert!(report.estimated_tokens_after <= budget, "seed {seed}");
                assert_eq!(
                    report.estimated_tokens_after,
                    estimate_request_tokens(result),
                    "seed {seed}"
                );
                assert_eq!(report.estimated_tokens_before, estimate);
                // The kept part is all there, in order (tool outputs possibly shortened).
                let kept = kept_part(&request);
                let result_messages = result["messages"].as_array().unwrap();
                let tail = &result_messages[result_messages.len()
                    - (kept.len() - count_instructions_before_last_user(&request))..];
                assert_eq!(
                    tail.len() + count_instructions_before_last_user(&request),
                    kept.len()
                );
                for message in &kept {
                    let same_role_and_id = |m: &&Value| {
                        m["role"] == message["role"]
                            && m.get("tool_call_id") == message.get("tool_call_id")
                    };
                    assert!(
                        result_messages.iter().any(|m| same_role_and_id(&m)),
                        "seed {seed}"
                    );
                }
                let dropped = report.dropped_messages;
                assert_eq!(
                    dropped.user + dropped.assistant + dropped.tool + dropped.other,
                    report.dropped_indices.len() as u64
                );
                assert_eq!(
                    roles(&request).len(),
                    result_messages.len() + report.dropped_indices.len()
                );
                if strategy == Strategy::DropOldest {
                    assert!(report.shortened_tool_outputs.is_empty());
                }
                if !report.shortened_tool_outputs.is_empty() {
                    shortened += 1;
                }
            }
            Err(TrimError::CannotFit {
                budget_tokens,
                minimum_tokens,
                ..
            }) => {
                cannot_fit += 1;
                assert_eq!(budget_tokens, budget);
                assert!(minimum_tokens > budget, "seed {seed}");
                // The kept part alone (unshortened) is at least the minimum: nothing else could go.
                let minimal = json!({"model": model, "messages": kept_part(&request), "tools": request["tools"]});
                assert!(
                    estimate_request_tokens(&minimal) >= minimum_tokens,
                    "seed {seed}"
                );
            }
            Err(other) => panic!("seed {seed}: {other}"),
        }
    }
    // The generator exercises every branch.
    assert!(
        fitted > 100 && cannot_fit > 20 && shortened > 10,
        "{fitted} {cannot_fit} {shortened}"
    );
}

fn count_instructions_before_last_user(request: &Value) -> usize {
    let messages = request["messages"].as_array().unwrap();
    let last_user = messages.iter().rposition(|m| m["role"] == "user").unwrap();
    messages[..last_user]
        .iter()
        .filter(|m| m["role"] == "system" || m["role"] == "developer")
        .count()
}

#[test]
fn trimming_is_idempotent_and_a_fitting_request_is_untouched() {
    for seed in 0..100_u64 {
        let mut rng = Rng(SplitMix64::new(seed));
        let request = conversation(&mut rng, "gpt-4o");
        let budget = 200 + rng.below(estimate_request_tokens(&request));
        let options = TrimOptions::with_budget(Provider::OpenAI, budget);
        if let Ok(first) = trim(&request, &options) {
            let second = trim(&first.request, &options).unwrap();
            assert!(!second.report.trimmed, "seed {seed}");
            assert_eq!(second.request, first.request, "seed {seed}");
        }
    }
}

fn tool_round_request() -> Value {
    json!({"model": "gpt-4o", "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "What is in the two files?"},
        {"role": "assistant", "content": null, "tool_calls": [
            {"id": "a", "type": "function", "function": {"name": "read_file", "arguments": "{\"path\": \"a.txt\"}"}},
            {"id": "b", "type": "function", "function": {"name": "read_file", "arguments": "{\"path\": \"b.txt\"}"}}]},
        {"role": "tool", "tool_call_id": "a", "content": "alpha ".repeat(3_000)},
        {"role": "tool", "tool_call_id": "b", "content": "beta"},
        {"role": "assistant", "content": "a.txt repeats alpha; b.txt says beta."},
        {"role": "user", "content": "Thanks. And the weather in Paris?"}]})
}

#[test]
fn drop_oldest_removes_a_tool_call_message_with_all_its_results() {
    let request = tool_round_request();
    let options = TrimOptions {
        strategy: Strategy::DropOldest,
        ..TrimOptions::with_budget(Provider::OpenAI, 60)
    };
    let trimmed = trim(&request, &options).unwrap();
    assert_eq!(trimmed.report.dropped_indices, vec![1, 2, 3, 4, 5]);
    assert_eq!(trimmed.report.dropped_turns, 1);
    let dropped = trimmed.report.dropped_messages;
    assert_eq!((dropped.user, dropped.assistant, dropped.tool), (1, 2, 2));
    assert_eq!(roles(&trimmed.request), ["system", "user"]);
}

#[test]
fn the_default_strategy_shortens_the_long_output_before_dropping_anything() {
    let request = tool_round_request();
    let before = estimate_request_tokens(&request);
    let trimmed = trim(&request, &TrimOptions::with_budget(Provider::OpenAI, 1_500)).unwrap();
    assert!(before > 1_500);
    assert!(trimmed.report.dropped_indices.is_empty());
    let shortened = &trimmed.report.shortened_tool_outputs;
    assert_eq!(shortened.len(), 1);
    assert_eq!(shortened[0].index, 3);
    assert_eq!(shortened[0].characters_removed, 18_000 - 2_000);
    let output = trimmed.request["messages"][3]["content"].as_str().unwrap();
    assert!(
        output.contains("\n[… 16,000 characters trimmed by llmwire …]\n"),
        "{output}"
    );
    assert!(output.starts_with("alpha alpha"));
}

#[test]
fn nothing_fits_is_context_length_exceeded_and_changes_nothing() {
    let request = tool_round_request();
    let error = trim(&request, &TrimOptions::with_budget(Provider::OpenAI, 10)).unwrap_err();
    assert_eq!(error.class(), ErrorClass::ContextLengthExceeded);
    let message = error.to_string();
    assert!(message.contains("budget of 10 tokens"), "{message}");
    assert!(message.contains("newest user turn"), "{message}");
}

#[test]
fn the_window_defaults_from_the_profile_minus_the_requested_output() {
    let text = " word".repeat(7_500); // 7,500 o200k_base tokens: over the 7,192 budget
    let request = json!({"model": "gpt-4", "max_tokens": 1_000, "messages": [
        {"role": "user", "content": text}, {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "go on"}]});
    let options = TrimOptions {
        provider: Provider::OpenAI,
        ..TrimOptions::default()
    };
    let trimmed = trim(&request, &options).unwrap();
    assert_eq!(trimmed.report.window_tokens, Some(8_192));
    assert_eq!(trimmed.report.reserve_output_tokens, Some(1_000));
    assert_eq!(trimmed.report.budget_tokens, 7_192);
    assert_eq!(trimmed.report.dropped_indices, vec![0, 1]);
}

#[test]
fn json_entry_point_reports_positions_and_names_keys() {
    let error = trim_json("{\"messages\": [}", None).unwrap_err();
    assert_eq!(error.class(), ErrorClass::InvalidArgument);
    assert!(error.to_string().contains("line 1 column"), "{error}");
    let error = trim_json("{\"messages\": []}", Some("{\"budgett_tokens\": 3}")).unwrap_err();
    assert!(error.to_string().contains("\"budgett_tokens\""), "{error}");
    let error = trim_json("{\"messages\": []}", Some("{\"strategy\": \"random\"}")).unwrap_err();
    assert!(error.to_string().contains("random"), "{error}");
    let ok = trim_json(
        "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
        Some("{\"budget_tokens\": 100}"),
    )
    .unwrap();
    let value: Value = serde_json::from_str(&ok.to_json()).unwrap();
    assert_eq!(value["report"]["trimmed"], false);
    assert_eq!(
        value["report"]["strategy"],
        "shorten_tool_outputs_then_drop"
    );
    assert_eq!(value["request"]["messages"][0]["content"], "hi");
}
