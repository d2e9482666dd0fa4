//! The token estimator measured against a real tokenizer (o200k_base, the encoding of GPT-4o and
//! later OpenAI models, from the `tiktoken-rs` dev-dependency).
//!
//! Three sets of text:
//! - the corpus in `tests/fixtures/context/`: the project's own text (`prose/`, `code/`, …, see
//!   its README) and, under `external/`, excerpts of text the project did not write (man pages,
//!   licence texts, translation catalogues, source code, logs, checksums; origin and licence of
//!   each in `external/MANIFEST.tsv`). Their o200k_base counts are stored in
//!   `tests/fixtures/context/counts.tsv`, so the accuracy table needs no tokenizer;
//!   [`stored_counts_match_o200k_base`] checks them (and rewrites them with
//!   `LLMWIRE_BLESS_CONTEXT_COUNTS=1`);
//! - adversarial strings generated from a fixed seed for every Unicode block
//!   (`context_tables::adversarial`), counted with the tokenizer at run time;
//! - conversations built from the corpus, in OpenAI's chat format.
//!
//! Targets: no text and no conversation under-counted by more than 5%; on ordinary text a mean
//! over-estimate of at most 15% per kind. Adversarial strings are held to the same floor: no
//! string of any kind is under-counted by more than 5%.
//!
//! The table: `cargo test --test integration context_accuracy:: -- --nocapture` (a failing
//! target prints it too).

use crate::context_tables;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use llmwire::context::{estimate::FEATURE_WEIGHTS_MILLI, tally_text, TextScanner};
use llmwire::context::{estimate_request_tokens, estimate_text_tokens};
use serde_json::{json, Value};
use tiktoken_rs::CoreBPE;

/// The project's own kinds (folders of `tests/fixtures/context/`).
const OWN_KINDS: [&str; 6] = ["prose", "code", "json", "cjk", "other_scripts", "base64"];
const MAX_UNDER_ESTIMATE: f64 = 0.05;
const MAX_MEAN_OVER_ESTIMATE: f64 = 0.15;
/// The seed of the adversarial strings the estimator was first measured on.
const SEED: u64 = 0x2545_F491_4F6C_DD1D;

/// The seeds of the adversarial strings a re-fit uses besides `SEED` (see [`dump_features`]):
/// 1 to 60, 101 to 200 since the Latin pairs, 201 to 400 since the numbers and the lone first
/// letters (seeds 401 and up stay unseen).
const FIT_SEEDS: [std::ops::RangeInclusive<u64>; 3] = [1..=60, 101..=200, 201..=400];

/// Seeds the fit never saw, checked in every run besides `SEED`.
const UNSEEN_SEEDS: [u64; 4] = [1201, 1202, 1203, 1204];

/// The seeds of the checked adversarial strings: `SEED` and `UNSEEN_SEEDS`, or those that
/// `LLMWIRE_ADVERSARIAL_SEED` names (`N` or `FIRST-LAST`), to try the estimator on other strings.
fn seeds() -> Vec<u64> {
    match std::env::var("LLMWIRE_ADVERSARIAL_SEED") {
        Ok(seeds) => parse_seeds(&seeds),
        Err(_) => std::iter::once(SEED).chain(UNSEEN_SEEDS).collect(),
    }
}

/// `N` or `FIRST-LAST`.
fn parse_seeds(text: &str) -> Vec<u64> {
    let number = |n: &str| -> u64 {
        n.trim()
            .parse()
            .unwrap_or_else(|_| panic!("a seed or FIRST-LAST, not {text:?}"))
    };
    match text.split_once('-') {
        Some((first, last)) => (number(first)..=number(last)).collect(),
        None => vec![number(text)],
    }
}

/// The adversarial strings of `seed`: (label, text).
fn adversarial_strings(seed: u64) -> Vec<(String, String)> {
    let blocks = std::fs::read_to_string(fixtures().join("unicode-blocks.txt")).unwrap();
    context_tables::adversarial(&context_tables::blocks(&blocks), seed)
}

fn o200k() -> &'static CoreBPE {
    static BPE: OnceLock<CoreBPE> = OnceLock::new();
    BPE.get_or_init(|| tiktoken_rs::o200k_base().expect("o200k_base is embedded in tiktoken-rs"))
}

fn tokens(text: &str) -> u64 {
    o200k().encode_ordinary(text).len() as u64
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/context")
}

/// The `.txt` files of a folder, in name order: (path relative to the fixtures, text).
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(fixtures())
                .expect("under the fixtures")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("a UTF-8 sample");
            (name, text)
        })
        .collect()
}

/// The samples of one of the project's own kinds.
fn samples(kind: &str) -> Vec<(String, String)> {
    files(&fixtures().join(kind))
}

/// Every sample of the corpus by kind: the project's own (`llmwire: prose`, …) and the external
/// ones (`prose-cyrillic`, …).
fn corpus() -> BTreeMap<String, Vec<(String, String)>> {
    let mut kinds = BTreeMap::new();
    for kind in OWN_KINDS {
        kinds.insert(format!("llmwire: {kind}"), samples(kind));
    }
    let external = fixtures().join("external");
    for entry in std::fs::read_dir(&external).expect("tests/fixtures/context/external") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            let kind = path.file_name().unwrap().to_string_lossy().into_owned();
            kinds.insert(kind, files(&path));
        }
    }
    kinds
}

const COUNTS: &str = "counts.tsv";

/// The stored o200k_base counts: sample path → tokens.
fn stored_counts() -> BTreeMap<String, u64> {
    let text = std::fs::read_to_string(fixtures().join(COUNTS)).expect("counts.tsv");
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let (path, count) = line.split_once('\t').expect("path<TAB>count");
            (path.to_owned(), count.parse().expect("a count"))
        })
        .collect()
}

/// estimate / actual for each item.
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
            "| {label:<34} | {:>4} | {:>+8.1}% | {:>+9.1}% | {:>+8.1}% |",
            self.ratios.len(),
            (min - 1.0) * 100.0,
            (self.mean() - 1.0) * 100.0,
            (self.max() - 1.0) * 100.0,
        )
    }

    /// Adds this set's row to `table`, its missed targets (per item and on the mean) to `misses`,
    /// and its items to `all`.
    fn tabulate(
        self,
        label: &str,
        table: &mut Vec<String>,
        misses: &mut Vec<String>,
        all: &mut Figures,
    ) {
        table.push(self.row(label));
        misses.extend(self.misses(
            label,
            1.0 - MAX_UNDER_ESTIMATE,
            Some(MAX_MEAN_OVER_ESTIMATE),
        ));
        all.ratios.extend(self.ratios);
    }

    /// The targets this set misses, as messages.
    fn misses(&self, label: &str, floor: f64, mean_target: Option<f64>) -> Vec<String> {
        let mut misses = Vec::new();
        for (name, ratio) in &self.ratios {
            if *ratio < floor {
                misses.push(format!(
                    "{label}: {name} is under-estimated by {:.1}%",
                    (1.0 - ratio) * 100.0
                ));
            }
        }
        if let Some(target) = mean_target {
            if self.mean() > 1.0 + target {
                misses.push(format!(
                    "{label}: mean over-estimate {:.1}%",
                    (self.mean() - 1.0) * 100.0
                ));
            }
        }
        misses
    }
}

const HEADER: &str = "| kind                               |    n | min error | mean error | max error |\n|---|---|---|---|---|";

/// Prints the table, then fails with every missed target.
fn report(title: &str, table: &[String], misses: &[String]) {
    println!("{title} (error = estimate / o200k_base - 1; negative is an under-estimate):");
    println!("{HEADER}\n{}\n", table.join("\n"));
    assert!(misses.is_empty(), "targets missed:\n{}", misses.join("\n"));
}

#[test]
fn estimator_meets_the_targets_on_the_corpus_and_prints_the_table() {
    let counts = stored_counts();
    let mut table = Vec::new();
    let mut misses = Vec::new();
    let mut everything = Figures { ratios: Vec::new() };
    for (kind, samples) in corpus() {
        let figures = Figures {
            ratios: samples
                .into_iter()
                .map(|(name, text)| {
                    let actual = *counts.get(&name).unwrap_or_else(|| {
                        panic!("{name} has no count in {COUNTS}: bless them (see the module docs)")
                    });
                    (name, estimate_text_tokens(&text) as f64 / actual as f64)
                })
                .collect(),
        };
        figures.tabulate(&kind, &mut table, &mut misses, &mut everything);
    }
    table.push(everything.row("all texts"));
    report(
        "texts of the corpus (estimate_text_tokens)",
        &table,
        &misses,
    );
}

/// Pieces of about a hundred tokens of the corpus texts (a message, not a document), where the
/// mix of words varies far more: the fit holds them too, but not all of them can be kept within
/// 5% (see `docs/token-estimate.md`). Guards what it reached: at most 2% of the pieces more than
/// 5% under, none more than 15%.
#[test]
fn pieces_of_the_corpus_texts_are_seldom_under_estimated() {
    let mut table = Vec::new();
    let mut misses = Vec::new();
    let mut everything = Figures { ratios: Vec::new() };
    for (kind, samples) in corpus() {
        let mut figures = Figures { ratios: Vec::new() };
        for (name, text) in samples {
            for (i, piece) in pieces(&text, PIECE_BYTES).into_iter().enumerate() {
                let ratio = estimate_text_tokens(&piece) as f64 / tokens(&piece).max(1) as f64;
                figures
                    .ratios
                    .push((format!("{name} piece {}", i + 1), ratio));
            }
        }
        table.push(figures.row(&kind));
        misses.extend(figures.misses(&kind, 1.0 - MAX_PIECE_UNDER_ESTIMATE, None));
        everything.ratios.extend(figures.ratios);
    }
    table.push(everything.row("all pieces"));
    let under = everything
        .ratios
        .iter()
        .filter(|(_, ratio)| *ratio < 1.0 - MAX_UNDER_ESTIMATE)
        .count();
    let share = under as f64 / everything.ratios.len() as f64;
    println!("pieces more than 5% under: {under} ({:.1}%)", share * 100.0);
    if share > MAX_SHARE_OF_PIECES_UNDER {
        misses.push(format!("{under} pieces more than 5% under"));
    }
    report(
        "pieces of the corpus texts (estimate_text_tokens)",
        &table,
        &misses,
    );
}

/// See [`pieces_of_the_corpus_texts_are_seldom_under_estimated`].
const MAX_PIECE_UNDER_ESTIMATE: f64 = 0.15;
const MAX_SHARE_OF_PIECES_UNDER: f64 = 0.02;

/// The scanner's bulk paths (a word's letters at once, a base64 run scanned ahead) must count
/// what one character at a time counts: fed one byte per call, it never takes them.
#[test]
fn every_text_counts_the_same_fed_whole_and_byte_by_byte() {
    let corpus = corpus().into_values().flatten();
    let adversarial = adversarial_strings(SEED).into_iter();
    for (name, text) in corpus.chain(adversarial) {
        let mut scanner = TextScanner::new();
        for byte in text.as_bytes() {
            scanner.feed(std::slice::from_ref(byte));
        }
        assert_eq!(scanner.finish(), tally_text(&text), "{name}");
    }
}

#[test]
fn strings_of_words_marks_and_base64_count_the_same_fed_in_any_chunks() {
    // Pieces where the scanner's paths meet: words the word table looks up (after a space, a
    // tab, indentation or nothing), base64 that ends before a word, marks, line breaks, letters
    // beyond ASCII. Each string is fed in chunks of 1 to 5 bytes, which may cut a character.
    const PIECES: [&str; 36] = [
        " ",
        "  ",
        "    ",
        "\t",
        "\t\t",
        "\n",
        "\r\n",
        "The",
        "Sebastian",
        "Verfaillie",
        "Dieter",
        "return",
        "tentativo",
        "getValue",
        "HTTP",
        "x",
        "a",
        "(",
        " (",
        "_",
        ".",
        ",",
        "'s",
        "é",
        "Ж",
        "漢",
        "0",
        "42",
        "aGVsbG8gd29ybGQ=",
        "Zz9",
        "}",
        "*",
        "'",
        "Mc",
        "MIT",
        "I",
    ];
    let mut rng = context_tables::Rng(0xC4A7_0BDE_5EED_0001);
    for _ in 0..200_000 {
        let count = 1 + rng.below(12);
        let text: String = (0..count)
            .map(|_| PIECES[rng.below(PIECES.len())])
            .collect();
        let bytes = text.as_bytes();
        let mut scanner = TextScanner::new();
        let mut at = 0;
        while at < bytes.len() {
            let end = (at + 1 + rng.below(5)).min(bytes.len());
            scanner.feed(&bytes[at..end]);
            at = end;
        }
        assert_eq!(scanner.finish(), tally_text(&text), "{text:?}");
    }
}

#[test]
fn adversarial_strings_of_every_unicode_block_are_not_under_estimated() {
    let seeds = seeds();
    let mut strings = Vec::new();
    for &seed in &seeds {
        let drawn = adversarial_strings(seed);
        assert!(drawn.len() > 1_000, "{} strings", drawn.len());
        strings.extend(drawn.into_iter().map(|(label, text)| (seed, label, text)));
    }
    // Grouped by shape: "<block>: run" → "run"; emoji, mixed scripts and the rest by label.
    let mut groups: BTreeMap<String, Figures> = BTreeMap::new();
    let mut misses = Vec::new();
    for (seed, label, text) in strings {
        let ratio = estimate_text_tokens(&text) as f64 / tokens(&text).max(1) as f64;
        if ratio < 1.0 - MAX_UNDER_ESTIMATE {
            misses.push(format!(
                "seed {seed}, {label}: under-estimated by {:.1}%: {text:?}",
                (1.0 - ratio) * 100.0
            ));
        }
        let group = match label.rsplit_once(": ") {
            Some((block, shape)) if block.starts_with("ASCII") => format!("ASCII: {shape}"),
            Some((block, shape)) if block.starts_with("alphabet") => format!("alphabets: {shape}"),
            Some(("identifiers", shape)) => format!("identifiers: {shape}"),
            Some((_, shape)) => format!("per block: {shape}"),
            None => label
                .trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ')
                .to_owned(),
        };
        let figures = groups
            .entry(group)
            .or_insert(Figures { ratios: Vec::new() });
        figures
            .ratios
            .push((format!("seed {seed}, {label}"), ratio));
    }
    let table: Vec<String> = groups
        .iter()
        .map(|(group, f)| format!("{} worst: {}", f.row(group), f.min().0))
        .collect();
    report(
        &format!("adversarial strings of seeds {seeds:?} (estimate_text_tokens)"),
        &table,
        &misses,
    );
}

#[test]
fn short_random_texts_are_not_under_estimated() {
    // Without a margin for short texts, about one in 40 of these was more than 5% under (`unse`:
    // 2 tokens, estimated 1).
    let mut rng = context_tables::Rng(SEED);
    let mut misses = Vec::new();
    let mut figures = Figures { ratios: Vec::new() };
    for (name, alphabet) in context_tables::SHORT_TEXT_ALPHABETS {
        for _ in 0..1_000 {
            let text = context_tables::short_text(&mut rng, alphabet);
            let ratio = estimate_text_tokens(&text) as f64 / tokens(&text) as f64;
            if ratio < 1.0 - MAX_UNDER_ESTIMATE {
                misses.push(format!(
                    "{name}: {text:?} under-estimated by {:.0}%",
                    (1.0 - ratio) * 100.0
                ));
            }
            figures.ratios.push((format!("{name}: {text:?}"), ratio));
        }
    }
    report(
        "short random texts of 1 to 12 characters (estimate_text_tokens)",
        &[figures.row("ASCII lower case, letters, printable")],
        &misses,
    );
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
    let all: Vec<Vec<(String, String)>> = OWN_KINDS.iter().map(|kind| samples(kind)).collect();
    (0..8)
        .map(|n| {
            let mut messages = vec![json!({"role": "system", "content": "Answer briefly."})];
            for i in 0..6 {
                let kind = &all[(n + i) % OWN_KINDS.len()];
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
fn conversations_meet_the_targets() {
    let mut table = Vec::new();
    let mut misses = Vec::new();
    let mut all = Figures { ratios: Vec::new() };
    for kind in OWN_KINDS {
        let figures = conversation_figures(conversations(kind));
        figures.tabulate(
            &format!("{kind} conversations"),
            &mut table,
            &mut misses,
            &mut all,
        );
    }
    let mixed = conversation_figures(mixed_conversations());
    mixed.tabulate("mixed conversations", &mut table, &mut misses, &mut all);
    table.push(all.row("all conversations"));
    report(
        "conversations (estimate_request_tokens vs o200k_base in the chat format)",
        &table,
        &misses,
    );
}

#[test]
fn corpus_is_small_and_every_kind_has_samples() {
    let manifest = std::fs::read_to_string(fixtures().join("external/MANIFEST.tsv")).unwrap();
    for (kind, samples) in corpus() {
        if kind.starts_with("llmwire: ") {
            continue;
        }
        for (name, _) in samples {
            let entry = name.trim_start_matches("external/");
            assert!(
                manifest
                    .lines()
                    .any(|line| line.starts_with(&format!("{entry}\t"))),
                "{name} is not in external/MANIFEST.tsv"
            );
        }
    }
    let mut bytes = 0;
    for (kind, samples) in corpus() {
        assert!(samples.len() >= 4, "{kind}: {} samples", samples.len());
        bytes += samples.iter().map(|(_, text)| text.len()).sum::<usize>();
    }
    assert!(bytes < 1_500_000, "the corpus is {bytes} bytes");
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

/// A run of ASCII marks of two kinds or more, a space before it or not, from three bytes to 127
/// marks, is counted as o200k_base's BPE counts it (two, a pair, are charged by the pair table): a few marks at random (where BPE's order of merges
/// decides) and runs of any marks.
#[test]
fn runs_of_ascii_marks_are_counted_as_o200k_base_counts_them() {
    const MARKS: &[u8] = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    let mut rng = context_tables::Rng(0x3A2C_5EED_0000_0001);
    let mut wrong = Vec::new();
    for _ in 0..20_000 {
        let most = if rng.below(2) == 0 { 3 } else { 30 };
        let kinds = 2 + rng.below(most);
        let pool: Vec<u8> = (0..kinds).map(|_| MARKS[rng.below(MARKS.len())]).collect();
        let mut run = if rng.below(3) == 0 { " " } else { "" }.to_owned();
        for _ in 0..2 + rng.below(126) {
            run.push(char::from(pool[rng.below(pool.len())]));
        }
        let marks = run.trim_start_matches(' ');
        if run.len() < 3 || marks.bytes().all(|mark| mark == marks.as_bytes()[0]) {
            continue;
        }
        if tally_text(&run).punct_runs != tokens(&run) {
            wrong.push(run);
        }
    }
    let shown = &wrong[..wrong.len().min(5)];
    assert!(wrong.is_empty(), "{} miscounted: {shown:?}", wrong.len());
}

/// Numbers beyond ASCII (digits of other scripts, full-width digits, fractions, circled
/// numbers) are split from the letters around them, in groups of up to three, and each is charged
/// at least what o200k_base spends on it: every one alone, and random groups of one to three of
/// one run of consecutive numbers between letters of the script before them.
#[test]
fn numbers_of_other_scripts_are_charged_at_least_what_o200k_base_spends() {
    let numbers: Vec<char> = ('\u{80}'..=char::MAX).filter(|c| c.is_numeric()).collect();
    assert!(numbers.len() > 1000, "{}", numbers.len());
    let mut under = Vec::new();
    for &number in &numbers {
        let text = number.to_string();
        if estimate_text_tokens(&text) < tokens(&text) {
            under.push(text);
        }
    }
    let mut rng = context_tables::Rng(0x0DDD_1617_5EED);
    for _ in 0..3000 {
        let start = numbers[rng.below(numbers.len())] as u32;
        let run: Vec<char> = (start.saturating_sub(9)..start + 10)
            .filter_map(char::from_u32)
            .filter(|c| c.is_numeric())
            .collect();
        let group: String = (0..1 + rng.below(3))
            .map(|_| run[rng.below(run.len())])
            .collect();
        for text in [group.clone(), format!("क{group}ख"), format!("ab{group}cd")] {
            if estimate_text_tokens(&text) < tokens(&text) {
                under.push(text);
            }
        }
    }
    assert!(under.is_empty(), "under-estimated: {under:?}");
    // Between Devanagari letters, a Devanagari digit ends the word piece.
    let tally = tally_text("क७ख १२३४");
    assert_eq!((tally.word_pieces, tally.digit_groups), (2, 3), "{tally:?}");
}

/// The stored counts are o200k_base's: recounts every sample (about a second once the
/// tokenizer is loaded). `LLMWIRE_BLESS_CONTEXT_COUNTS=1` rewrites them instead.
#[test]
fn stored_counts_match_o200k_base() {
    let mut fresh = BTreeMap::new();
    for samples in corpus().into_values() {
        for (name, text) in samples {
            fresh.insert(name, tokens(&text));
        }
    }
    if std::env::var_os("LLMWIRE_BLESS_CONTEXT_COUNTS").is_some() {
        let mut out = String::from(
            "# o200k_base token counts of the corpus samples (tiktoken-rs encode_ordinary), written by\n\
             # LLMWIRE_BLESS_CONTEXT_COUNTS=1 cargo test --test integration stored_counts\n",
        );
        for (name, count) in &fresh {
            out.push_str(&format!("{name}\t{count}\n"));
        }
        std::fs::write(fixtures().join(COUNTS), out).unwrap();
        return;
    }
    assert_eq!(stored_counts(), fresh, "bless them: see the module docs");
}

/// Rewrites `src/context/vocab.rs` from o200k_base and the Unicode block list (see
/// `context_tables`), and `tests/fixtures/context/unicode-blocks.txt` is what it read the blocks
/// from. Slow (it encodes every code point): run it on purpose.
#[test]
#[ignore]
fn regenerate_vocab_tables() {
    let path = context_tables::blocks_txt_path();
    let blocks_txt = std::fs::read_to_string(&path).unwrap();
    let version = blocks_txt
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("# ");
    let source = context_tables::generate(o200k(), &blocks_txt, &format!("{version} ({path})"));
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/context/vocab.rs");
    std::fs::write(target, source).unwrap();
}

/// Writes what a re-fit of `FEATURE_WEIGHTS_MILLI` needs to the file `LLMWIRE_FEATURES_TSV`: per
/// corpus sample and adversarial string, its set, kind (for adversarial strings, the seed),
/// name, o200k_base count and `TextTally::features()`; the current weights head the file. The
/// adversarial strings are those of the test's seed and of the seeds of `FIT_SEEDS`, so that
/// the weights hold beyond the strings the test happens to draw (seeds above `FIT_SEEDS` are
/// left to check that). `scripts/fit-estimate-weights.py` reads the file (see
/// `docs/token-estimate.md`).
#[test]
#[ignore]
fn dump_features() {
    let path = std::env::var("LLMWIRE_FEATURES_TSV").expect("LLMWIRE_FEATURES_TSV: where to write");
    let row = |set: &str, kind: &str, name: &str, text: &str, count: u64| {
        let features = tally_text(text)
            .features()
            .map(|n| n.to_string())
            .join("\t");
        format!("{set}\t{kind}\t{name:?}\t{count}\t{features}\n")
    };
    let weights = FEATURE_WEIGHTS_MILLI.map(|w| w.to_string()).join("\t");
    let mut out = format!("weights\t\t\t\t{weights}\n");
    let counts = stored_counts();
    for (kind, samples) in corpus() {
        for (name, text) in samples {
            out.push_str(&row("corpus", &kind, &name, &text, counts[&name]));
            for (i, piece) in pieces(&text, PIECE_BYTES).into_iter().enumerate() {
                let name = format!("{name} piece {}", i + 1);
                out.push_str(&row("piece", &kind, &name, &piece, tokens(&piece)));
            }
        }
    }
    let seeds = match std::env::var("LLMWIRE_FEATURE_SEEDS") {
        Ok(seeds) => parse_seeds(&seeds),
        Err(_) => std::iter::once(SEED)
            .chain(FIT_SEEDS.into_iter().flatten())
            .collect(),
    };
    for seed in seeds {
        for (label, text) in adversarial_strings(seed) {
            let kind = seed.to_string();
            out.push_str(&row("adversarial", &kind, &label, &text, tokens(&text)));
        }
    }
    std::fs::write(path, out).unwrap();
}

/// `text` cut at line ends into pieces of at least `bytes` bytes, and the rest if it is half that
/// or more.
fn pieces(text: &str, bytes: usize) -> Vec<String> {
    let mut pieces = vec![String::new()];
    for line in text.split_inclusive('\n') {
        let piece = pieces.last_mut().expect("never empty");
        piece.push_str(line);
        if piece.len() >= bytes {
            pieces.push(String::new());
        }
    }
    pieces.retain(|piece| piece.len() >= bytes / 2);
    pieces
}

/// The pieces of the corpus texts that the fit and the accuracy test hold ([`pieces`]): about a
/// hundred tokens, a message of a conversation, where the mix of words varies far more than over
/// a whole text.
const PIECE_BYTES: usize = 400;

/// Measures the estimate on text files the corpus does not hold: the UTF-8 files listed one per
/// line in the file `LLMWIRE_SCAN_FILES` names, cut at line ends into pieces of about
/// `LLMWIRE_SCAN_BYTES` bytes (2,000 by default; [`pieces`], so a file's last half piece too;
/// pieces under 20 tokens are skipped). Prints the mean error, the pieces more than 5% under and
/// the worst `LLMWIRE_SCAN_SHOW` of them (20): for checking the fit on text it never saw (man
/// pages, changelogs, source code of the cargo registry, …).
#[test]
#[ignore]
fn scan_text_files() {
    let list = std::env::var("LLMWIRE_SCAN_FILES").expect("LLMWIRE_SCAN_FILES: a list of files");
    let size: usize = std::env::var("LLMWIRE_SCAN_BYTES").map_or(2_000, |s| s.parse().unwrap());
    let list = std::fs::read_to_string(list).expect("the list of files");
    let mut ratios = Vec::new();
    for path in list.lines().filter(|line| !line.is_empty()) {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue; // not UTF-8, or gone
        };
        for piece in pieces(&text, size) {
            let count = tokens(&piece);
            if count >= 20 {
                let ratio = estimate_text_tokens(&piece) as f64 / count as f64;
                let start: String = piece.chars().take(60).collect();
                ratios.push((format!("{path}: {start:?}"), ratio));
            }
        }
    }
    let figures = Figures { ratios };
    let mut under: Vec<&(String, f64)> = figures
        .ratios
        .iter()
        .filter(|(_, ratio)| *ratio < 1.0 - MAX_UNDER_ESTIMATE)
        .collect();
    under.sort_by(|a, b| a.1.total_cmp(&b.1));
    println!("{}", figures.row("scanned pieces"));
    println!("{} pieces more than 5% under", under.len());
    let shown = std::env::var("LLMWIRE_SCAN_SHOW").map_or(20, |s| {
        s.parse()
            .expect("LLMWIRE_SCAN_SHOW: how many pieces to print")
    });
    for (name, ratio) in under.iter().take(shown) {
        println!("  {:+.1}% {name}", (ratio - 1.0) * 100.0);
    }
}

/// Prints the o200k_base pieces of the text in `LLMWIRE_SHOW_TEXT` next to the estimate and its
/// tally: for looking into a string the estimate gets wrong. With `LLMWIRE_SHOW_SEED`, the text
/// is the adversarial string of that seed with the label `LLMWIRE_SHOW_TEXT` (as the fit
/// script's `--check` names them).
#[test]
#[ignore]
fn show_tokens() {
    let mut text = std::env::var("LLMWIRE_SHOW_TEXT").expect("LLMWIRE_SHOW_TEXT: the text");
    if let Ok(seed) = std::env::var("LLMWIRE_SHOW_SEED") {
        let seed = seed.parse().expect("LLMWIRE_SHOW_SEED: a number");
        text = adversarial_strings(seed)
            .into_iter()
            .find_map(|(label, string)| (label == text).then_some(string))
            .expect("no adversarial string of that seed has that label");
        println!("{text:?}");
    }
    let pieces: Vec<String> = o200k()
        .split_by_token_ordinary(&text)
        .expect("o200k_base decodes its own tokens");
    println!("o200k_base: {} tokens {pieces:?}", pieces.len());
    println!(
        "estimate: {} {:?}",
        estimate_text_tokens(&text),
        tally_text(&text)
    );
}
