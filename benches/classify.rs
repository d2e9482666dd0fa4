//! Classification cost against the cost of parsing the same body with `serde_json` alone.
//!
//! For every corpus body (tests/fixtures/errors.jsonl) and a few 10 MB bodies: the median time of
//! one classification over many iterations, and its ratio to `serde_json::from_slice::<Value>` of
//! the same bytes (for bodies that parse; other bodies report absolute time). Prints a table, the
//! median ratio and the worst case. Run with `cargo bench --bench classify`.

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

mod common;

use common::{batch, calls_per_batch, median};
use llmwire::classify::{classify, ClassifyInput};
use serde_json::Value;

struct Row {
    name: String,
    bytes: usize,
    parse: Option<Duration>,
    classify: Duration,
    /// Median over batch pairs of classify time / parse time (pairs run back to back, so both
    /// halves see the same machine load).
    ratio: Option<f64>,
}

fn input_of(case: &Value, body: Vec<u8>) -> ClassifyInput {
    let headers = case["headers"]
        .as_object()
        .map(|h| {
            h.iter()
                .map(|(n, v)| {
                    (
                        n.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    ClassifyInput {
        provider: None,
        status: case["status"].as_u64().map(|s| s as u16),
        headers,
        body,
        transport: None,
    }
}

fn measure(name: String, input: ClassifyInput, target: Duration, batches: usize) -> Row {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000);
    let body = input.body.clone();
    let mut run_classify = || {
        black_box(classify(black_box(&input), now));
    };
    let mut run_parse = || {
        let _ = black_box(serde_json::from_slice::<Value>(black_box(&body)));
    };
    let parses = serde_json::from_slice::<Value>(&body).is_ok();
    let classify_calls = calls_per_batch(&mut run_classify, target);
    let parse_calls = calls_per_batch(&mut run_parse, target);
    let mut classify_times = Vec::with_capacity(batches);
    let mut parse_times = Vec::with_capacity(batches);
    let mut ratios = Vec::with_capacity(batches);
    for _ in 0..batches {
        let classify_time = batch(&mut run_classify, classify_calls);
        classify_times.push(classify_time);
        if parses {
            let parse_time = batch(&mut run_parse, parse_calls);
            parse_times.push(parse_time);
            ratios.push(classify_time.as_secs_f64() / parse_time.as_secs_f64().max(1e-12));
        }
    }
    Row {
        name,
        bytes: body.len(),
        parse: parses.then(|| median(parse_times)),
        classify: median(classify_times),
        ratio: parses.then(|| median(ratios)),
    }
}

fn big_bodies() -> Vec<(String, u16, Vec<u8>)> {
    let size = 10 * 1024 * 1024;
    let pad = "x".repeat(size);
    let mut stream = String::with_capacity(size + 200);
    while stream.len() < size {
        stream.push_str("data: {\"choices\":[{\"delta\":{\"content\":\"token \"}}]}\n\n");
    }
    stream.push_str("data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n");
    let mut many = String::from("{\"error\":{\"message\":\"Invalid request\",\"details\":[");
    while many.len() < size {
        many.push_str("{\"@type\":\"type.googleapis.com/google.rpc.Help\",\"links\":[{\"url\":\"https://example.com\"}]},");
    }
    many.push_str("{}]}}");
    vec![
        (
            "10MB error message (JSON)".into(),
            400,
            format!(r#"{{"error":{{"message":"maximum context length {pad}","code":"context_length_exceeded"}}}}"#).into_bytes(),
        ),
        (
            "10MB completion (JSON, 200)".into(),
            200,
            format!(r#"{{"choices":[{{"message":{{"content":"{pad}"}}}}]}}"#).into_bytes(),
        ),
        ("10MB details list (JSON)".into(), 400, many.into_bytes()),
        ("10MB SSE stream, error at end".into(), 200, stream.into_bytes()),
        ("10MB HTML page".into(), 502, format!("<html><title>502 Bad Gateway</title>{pad}").into_bytes()),
        ("10MB truncated JSON".into(), 429, format!(r#"{{"error":{{"message":"{pad}"#).into_bytes()),
    ]
}

fn ratio(row: &Row) -> Option<f64> {
    row.ratio
}

fn print_rows(rows: &[Row]) {
    println!(
        "{:<72} {:>9} {:>11} {:>11} {:>7}",
        "case", "bytes", "parse", "classify", "ratio"
    );
    for row in rows {
        let parse = row.parse.map_or("-".to_string(), |p| format!("{p:.2?}"));
        let ratio = ratio(row).map_or("n/a".to_string(), |r| format!("{r:.2}x"));
        let name: String = row.name.chars().take(72).collect();
        println!(
            "{name:<72} {:>9} {parse:>11} {:>11} {ratio:>7}",
            row.bytes,
            format!("{:.2?}", row.classify)
        );
    }
}

fn summary(label: &str, rows: &[Row]) {
    let mut ratios: Vec<(f64, &str)> = rows
        .iter()
        .filter_map(|r| ratio(r).map(|x| (x, r.name.as_str())))
        .collect();
    ratios.sort_by(|a, b| a.0.total_cmp(&b.0));
    if let (Some(worst), false) = (ratios.last(), ratios.is_empty()) {
        let median = ratios[ratios.len() / 2].0;
        println!(
            "{label}: {} bodies parse; median ratio {median:.2}x; worst {:.2}x ({})",
            ratios.len(),
            worst.0,
            worst.1
        );
    }
    let others: Vec<&Row> = rows.iter().filter(|r| r.parse.is_none()).collect();
    if !others.is_empty() {
        let mut times: Vec<Duration> = others.iter().map(|r| r.classify).collect();
        times.sort_unstable();
        println!(
            "{label}: {} bodies do not parse as JSON; classify median {:.2?}, max {:.2?}",
            others.len(),
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
}

fn main() {
    // `cargo bench --bench classify -- corpus` (or `-- big`) runs one part only.
    // Any other argument keeps only the corpus cases whose id contains it.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if args.first().map(String::as_str) == Some("profile-parse") {
        // `-- profile-parse <id> [runs]`: the serde_json baseline of the same body.
        let runs = args
            .get(2)
            .and_then(|n| n.parse().ok())
            .unwrap_or(1_000_000);
        profile_parse(args.get(1).map_or("", String::as_str), runs);
        return;
    }
    if args.first().map(String::as_str) == Some("profile") {
        // `-- profile <id> [runs]`: classify one corpus case many times (for perf, callgrind).
        let runs = args
            .get(2)
            .and_then(|n| n.parse().ok())
            .unwrap_or(1_000_000);
        profile(args.get(1).map_or("", String::as_str), runs);
        return;
    }
    let only = args.iter().find(|a| *a == "corpus" || *a == "big").cloned();
    let filter = args.iter().find(|a| *a != "corpus" && *a != "big").cloned();
    if only.as_deref() != Some("big") {
        bench_corpus(filter.as_deref());
    }
    if only.as_deref() != Some("corpus") {
        bench_big();
    }
}

fn corpus_case(id: &str) -> Option<Value> {
    include_str!("../tests/fixtures/errors.jsonl")
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|c| c["id"].as_str().is_some_and(|i| i.contains(id)))
}

fn profile_parse(id: &str, runs: u32) {
    let Some(case) = corpus_case(id) else {
        eprintln!("no corpus case matches {id:?}");
        return;
    };
    let body = case["body"].as_str().unwrap_or("").as_bytes().to_vec();
    let start = Instant::now();
    for _ in 0..runs {
        let _ = black_box(serde_json::from_slice::<Value>(black_box(&body)));
    }
    println!("{}: {:.2?} per parse", case["id"], start.elapsed() / runs);
}

fn profile(id: &str, runs: u32) {
    let Some(case) = corpus_case(id) else {
        eprintln!("no corpus case matches {id:?}");
        return;
    };
    let body = case["body"].as_str().unwrap_or("").as_bytes().to_vec();
    let input = input_of(&case, body);
    let now = SystemTime::UNIX_EPOCH;
    let start = Instant::now();
    for _ in 0..runs {
        black_box(classify(black_box(&input), now));
    }
    println!(
        "{}: {:.2?} per classification",
        case["id"],
        start.elapsed() / runs
    );
}

fn bench_corpus(filter: Option<&str>) {
    let corpus = include_str!("../tests/fixtures/errors.jsonl");
    let mut rows = Vec::new();
    for line in corpus.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(case) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if !case["transport"].is_null() {
            continue;
        }
        let id = case["id"].as_str().unwrap_or("?").to_string();
        if filter.is_some_and(|f| !id.contains(f)) {
            continue;
        }
        let body = case["body"].as_str().unwrap_or("").as_bytes().to_vec();
        rows.push(measure(
            id.clone(),
            input_of(&case, body),
            Duration::from_millis(1),
            31,
        ));
        if let Some(wire) = case["body_json"].as_str() {
            let input = input_of(&case, wire.as_bytes().to_vec());
            rows.push(measure(
                format!("{id} [body_json]"),
                input,
                Duration::from_millis(1),
                31,
            ));
        }
    }
    println!("corpus bodies (medians over 31 back-to-back batch pairs of ~1 ms):");
    print_rows(&rows);
    summary("corpus", &rows);
}

fn bench_big() {
    let mut big = Vec::new();
    for (name, status, body) in big_bodies() {
        let input = ClassifyInput {
            status: Some(status),
            body,
            ..ClassifyInput::default()
        };
        big.push(measure(name, input, Duration::from_millis(50), 5));
    }
    println!("10 MB bodies (median of 5 runs):");
    print_rows(&big);
    summary("10 MB", &big);
}
