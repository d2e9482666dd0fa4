//! `llmwire validate`: check a request locally against a provider profile, optionally repairing it.

use llmwire::validate::validate_to_json;

const USAGE: &str = "\
usage: llmwire validate [--provider P] [--repair] FILE|-

Validates a chat-completions request (JSON, from FILE or stdin with -) against the provider's
profile (default: generic) and prints the report as JSON: ok, errors, warnings (each with a code,
a JSON Pointer path and a message), estimated_prompt_tokens; with --repair also the repairs made
and the repaired request under \"request\".
Exit 0 valid, 1 invalid, 2 usage or unreadable input.";

pub fn run(args: &[String]) -> u8 {
    if crate::wants_help(args) {
        crate::print_stdout(USAGE);
        return 0;
    }
    let (mut provider, mut repair, mut source) = (String::from("generic"), false, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--provider" => match args.next() {
                Some(name) => provider = name.clone(),
                None => return usage("--provider needs a value"),
            },
            "--repair" => repair = true,
            other if other.starts_with("--") => return usage(&format!("unknown option {other}")),
            other if source.is_none() => source = Some(other.to_owned()),
            other => return usage(&format!("unexpected argument \"{other}\"")),
        }
    }
    let Some(source) = source else {
        return usage("a FILE (or - for stdin) is required");
    };
    let text = crate::read_input(&source);
    let text = match text {
        Ok(text) => text,
        Err(reason) => {
            eprintln!("llmwire validate: {reason}");
            return 2;
        }
    };
    match validate_to_json(&text, &provider, repair) {
        Ok((report, ok)) => {
            crate::print_stdout(&report);
            if ok {
                0
            } else {
                1
            }
        }
        Err(error) => {
            eprintln!("llmwire validate: {error}");
            2
        }
    }
}

fn usage(reason: &str) -> u8 {
    eprintln!("llmwire validate: {reason}\n\n{USAGE}");
    2
}
