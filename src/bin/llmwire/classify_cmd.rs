//! `llmwire classify`: classification input JSON on stdin, classification JSON on stdout.

use std::time::SystemTime;

use llmwire::{classify, ClassifyInput};

const USAGE: &str = "\
usage: llmwire classify < input.json

Reads {\"provider\": \"auto\"|\"openai\"|\"gemini\"|…, \"status\": 429, \"headers\": {…}, \"body\": \"…\"}
or {\"transport\": \"connection_refused\"|\"connection_reset\"|\"timeout\"|\"dns\"|\"tls\"|\"truncated\"}
and prints the classification as one JSON object. Exit 0, or 2 when the input is unreadable.";

pub fn run(args: &[String]) -> u8 {
    if crate::wants_help(args) {
        crate::print_stdout(USAGE);
        return 0;
    }
    if let Some(extra) = args.first() {
        eprintln!("llmwire classify: unexpected argument \"{extra}\"\n\n{USAGE}");
        return 2;
    }
    let input = match crate::read_stdin_utf8()
        .and_then(|text| ClassifyInput::from_json(&text).map_err(|e| e.to_string()))
    {
        Ok(input) => input,
        Err(reason) => {
            eprintln!("llmwire classify: {reason}");
            return 2;
        }
    };
    let classification = classify(&input, SystemTime::now());
    match serde_json::to_string(&classification) {
        Ok(json) => {
            crate::print_stdout(&json);
            0
        }
        Err(e) => {
            eprintln!("llmwire classify: internal error: {e}");
            2
        }
    }
}
