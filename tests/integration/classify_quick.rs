//! The quick proof of a usable completion never disagrees with the full reading: over generated
//! bodies (ordinary, odd and hostile), `plainly_usable` says yes only where `usable_completion`
//! accepts the body, and it does say yes for the ordinary ones.

use llmwire::classify::{plainly_usable, usable_completion};
use llmwire::retry::{RandomSource, SplitMix64};

struct Rng(SplitMix64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// An object of `count` members drawn by `member`, in the order drawn (duplicates allowed).
fn object(rng: &mut Rng, count: usize, member: impl Fn(&mut Rng) -> String) -> String {
    let members: Vec<String> = (0..count).map(|_| member(rng)).collect();
    format!("{{{}}}", members.join(","))
}

fn content(rng: &mut Rng) -> String {
    rng.pick(&[
        r#""hi""#,
        r#""Line one\nline \"two\"""#,
        r#""""#,
        r#""   ""#,
        r#""\n\t""#,
        "\"\u{a0}\"",
        r#""\u00a0x""#,
        "null",
        r#"[{"type":"text","text":"x"}]"#,
        r#"[{"type":"text","text":""}]"#,
        "1",
        "{}",
    ])
    .to_owned()
}

fn message(rng: &mut Rng) -> String {
    if rng.chance(5) {
        return rng.pick(&["null", "\"hi\"", "[]"]).to_owned();
    }
    let count = 1 + rng.below(4);
    object(rng, count, |rng| match rng.below(7) {
        0 | 1 => format!(r#""content":{}"#, content(rng)),
        2 => format!(
            r#""tool_calls":{}"#,
            rng.pick(&[
                "[]",
                r#"[{"id":"1","type":"function"}]"#,
                "null",
                "{}",
                "[null]"
            ])
        ),
        3 => r#""role":"assistant""#.to_owned(),
        4 => format!(r#""refusal":{}"#, rng.pick(&[r#""no""#, "null", r#""""#])),
        5 => format!(r#""function_call":{}"#, rng.pick(&["{}", "null"])),
        _ => r#""annotations":[]"#.to_owned(),
    })
}

fn error(rng: &mut Rng) -> &'static str {
    rng.pick(&[
        r#"{"message":"boom","code":500}"#,
        "null",
        r#""boom""#,
        "{}",
    ])
}

fn choice(rng: &mut Rng) -> String {
    if rng.chance(4) {
        return rng.pick(&["null", "[]", "1"]).to_owned();
    }
    let count = 1 + rng.below(4);
    object(rng, count, |rng| match rng.below(9) {
        0..=3 => format!(r#""message":{}"#, message(rng)),
        4 => format!(r#""delta":{}"#, message(rng)),
        5 => format!(r#""error":{}"#, error(rng)),
        6 => format!(
            r#""finish_reason":{}"#,
            rng.pick(&[r#""stop""#, r#""content_filter""#, r#""SAFETY""#, "null"])
        ),
        7 => format!(r#""text":{}"#, content(rng)),
        _ => r#""index":0"#.to_owned(),
    })
}

fn choices(rng: &mut Rng) -> String {
    match rng.below(12) {
        0 => "[]".to_owned(),
        1 => "null".to_owned(),
        2 => r#""none""#.to_owned(),
        _ => {
            let count = 1 + rng.below(3);
            let items: Vec<String> = (0..count).map(|_| choice(rng)).collect();
            format!("[{}]", items.join(","))
        }
    }
}

/// The shape most answers have, with generated content.
fn ordinary(rng: &mut Rng) -> String {
    let tool_calls = rng.pick(&["", r#","tool_calls":[]"#, r#","tool_calls":[{"id":"1"}]"#]);
    format!(
        r#"{{"id":"chatcmpl-1","object":"chat.completion","choices":[{{"index":0,"message":{{"role":"assistant","content":{}{tool_calls}}},"finish_reason":"stop"}}],"usage":{{"total_tokens":3}}}}"#,
        content(rng)
    )
}

fn body(rng: &mut Rng) -> String {
    let count = 1 + rng.below(5);
    let mut body = if rng.chance(40) {
        ordinary(rng)
    } else {
        object(rng, count, |rng| match rng.below(10) {
            0..=4 => format!(r#""choices":{}"#, choices(rng)),
            5 => format!(r#""error":{}"#, error(rng)),
            6 => r#""llmwire":{}"#.to_owned(),
            7 => format!(
                r#""{}":"error""#,
                rng.pick(&["object", "type", "message", "status"])
            ),
            8 => r#""usage":{"prompt_tokens":3,"completion_tokens":1}"#.to_owned(),
            _ => r#""id":"chatcmpl-1""#.to_owned(),
        })
    };
    match rng.below(20) {
        0 => body = format!("[{body}]"),
        1 => body.insert(0, '\u{feff}'),
        2 => body.push_str(" trailing"),
        3 => body.truncate(body.len() / 2),
        4 => body = format!("\n  {body}\n"),
        _ => {}
    }
    body
}

#[test]
fn quick_yes_always_agrees_with_the_full_reading() {
    let mut rng = Rng(SplitMix64::new(0x5eed_f91c));
    let (mut proven, mut usable) = (0, 0);
    for _ in 0..30_000 {
        let body = body(&mut rng);
        let full = usable_completion(body.as_bytes());
        if plainly_usable(&body) {
            proven += 1;
            assert!(
                full.is_ok(),
                "quick said usable, full reading said {full:?}: {body}"
            );
        }
        usable += usize::from(full.is_ok());
    }
    println!("{proven} of {usable} usable bodies proven quickly (of 30,000 generated)");
    // The proof must also fire: most usable bodies here are ordinary ones.
    assert!(
        proven * 3 >= usable,
        "only {proven} of {usable} usable bodies proven quickly"
    );
    assert!(proven > 1_000, "only {proven} bodies proven quickly");
}

#[test]
fn ordinary_provider_answers_are_proven() {
    for body in [
        // OpenAI
        r#"{"id":"chatcmpl-B9","object":"chat.completion","created":1741569952,"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I assist you today?","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29},"service_tier":"default"}"#,
        // Gemini's OpenAI-compatible endpoint
        r#"{"choices":[{"finish_reason":"stop","index":0,"message":{"content":"Hi there","role":"assistant"}}],"created":1740000000,"id":"abc","model":"gemini-2.5-flash","object":"chat.completion","usage":{"completion_tokens":2,"prompt_tokens":3,"total_tokens":5}}"#,
        // A tool call with no text
        r#"{"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}]}"#,
    ] {
        assert!(plainly_usable(body), "{body}");
        assert!(usable_completion(body.as_bytes()).is_ok());
    }
}
