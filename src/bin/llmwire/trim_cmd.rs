//! `llmwire trim`: fit a request's history to a token budget locally, printing the trimmed request
//! and what was removed.

use llmwire::context::{trim, Strategy, TrimError, TrimOptions};
use llmwire::provider::Provider;

const USAGE: &str = "\
usage: llmwire trim [--provider P] [--budget N | --window N] [--reserve N] [--drop-oldest] FILE|-

Trims a chat-completions request (JSON, from FILE or stdin with -) so its estimated size fits:
keeps system/developer messages and the newest user turn, shortens tool outputs over 3,000
characters (keeping their first and last 1,000), then drops the oldest turns (an assistant
tool call always goes with its results). Prints {\"request\": <trimmed>, \"report\": {...}}.

  --provider P   provider profile whose rules and model windows apply (default: generic)
  --budget N     the most the trimmed request may estimate to, in tokens
  --window N     the model's context window (default: the profile's, for a known model)
  --reserve N    tokens kept free for the answer (default: the request's max_tokens, else 4096)
  --drop-oldest  never shorten tool outputs; only drop turns

Exit 0 trimmed or already fitting, 1 cannot fit (the kept part alone is over the budget),
2 usage or unreadable input.";

pub fn run(args: &[String]) -> u8 {
    if crate::wants_help(args) {
        crate::print_stdout(USAGE);
        return 0;
    }
    let mut options = TrimOptions::default();
    let mut source = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut count = |name: &str| -> Result<u64, String> {
            let value = args.next().ok_or_else(|| format!("{name} needs a value"))?;
            value
                .parse()
                .map_err(|_| format!("{name} needs a whole number of tokens, not \"{value}\""))
        };
        let parsed = match arg.as_str() {
            "--provider" => match args.next() {
                Some(name) => Provider::from_name(name)
                    .map(|provider| options.provider = provider)
                    .ok_or_else(|| format!("unknown provider \"{name}\"")),
                None => Err("--provider needs a value".to_owned()),
            },
            "--budget" => count("--budget").map(|n| options.budget_tokens = Some(n)),
            "--window" => count("--window").map(|n| options.window_tokens = Some(n)),
            "--reserve" => count("--reserve").map(|n| options.reserve_output_tokens = Some(n)),
            "--drop-oldest" => {
                options.strategy = Strategy::DropOldest;
                Ok(())
            }
            other if other.starts_with("--") => Err(format!("unknown option {other}")),
            other if source.is_none() => {
                source = Some(other.to_owned());
                Ok(())
            }
            other => Err(format!("unexpected argument \"{other}\"")),
        };
        if let Err(reason) = parsed {
            return usage(&reason);
        }
    }
    if options.budget_tokens.is_some()
        && (options.window_tokens.is_some() || options.reserve_output_tokens.is_some())
    {
        return usage("--budget is the whole prompt budget: give it without --window or --reserve");
    }
    let Some(source) = source else {
        return usage("a FILE (or - for stdin) is required");
    };
    let text = crate::read_input(&source);
    let request = match text.and_then(|text| {
        serde_json::from_str(&text).map_err(|e| format!("the request is not valid JSON: {e}"))
    }) {
        Ok(request) => request,
        Err(reason) => {
            eprintln!("llmwire trim: {reason}");
            return 2;
        }
    };
    match trim(&request, &options) {
        Ok(trimmed) => {
            eprintln!("llmwire trim: {}", trimmed.report.summary());
            crate::print_stdout(&trimmed.to_json());
            0
        }
        Err(error @ TrimError::CannotFit { .. }) => {
            eprintln!("llmwire trim: {error}");
            1
        }
        Err(error) => {
            eprintln!("llmwire trim: {error}");
            2
        }
    }
}

fn usage(reason: &str) -> u8 {
    eprintln!("llmwire trim: {reason}\n\n{USAGE}");
    2
}
