//! `llmwire`: the command-line face of the library. Thin by design: every command parses its
//! arguments, calls the library, and prints what it returns.
//!
//! Exit codes: 0 success; 1 the operation ran and reported a failure (an invalid request, a failed
//! call); 2 usage or unreadable input.

mod chat_cmd;
mod classify_cmd;
mod mock_cmd;
mod trim_cmd;
mod validate_cmd;

use std::process::ExitCode;

const USAGE: &str = "\
llmwire: robust calls to OpenAI-compatible chat-completions endpoints

usage: llmwire <command> [options]

commands:
  chat        send one prompt through the robust client and print the answer
  classify    read a failure (classification JSON, or a bare body with --status); print its class
  validate    check a request against a provider profile (and --repair it) before sending
  trim        fit a request's history to a token budget (drop oldest turns, shorten tool outputs)
  mock        run the bundled simulated provider (every provider fault, on loopback)
  version     print the version
  help [CMD]  print this help, or that command's

Run `llmwire help <command>` or `llmwire <command> --help` for a command's options.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    ExitCode::from(dispatch(command, rest))
}

/// Runs one command with its arguments; returns the exit code.
fn dispatch(command: &str, rest: &[String]) -> u8 {
    match command {
        "chat" => chat_cmd::run(rest),
        "classify" => classify_cmd::run(rest),
        "validate" => validate_cmd::run(rest),
        "trim" => trim_cmd::run(rest),
        "mock" => u8::try_from(mock_cmd::run_cli(rest)).unwrap_or(1),
        "version" | "--version" | "-V" => {
            print_stdout(&format!(
                "llmwire {} (C ABI {})",
                llmwire::VERSION,
                llmwire::ABI_VERSION
            ));
            0
        }
        "help" | "--help" | "-h" => match rest.first() {
            // `llmwire help chat` is `llmwire chat --help`.
            Some(topic) if !matches!(topic.as_str(), "help" | "--help" | "-h") => {
                dispatch(topic, &["--help".to_owned()])
            }
            _ => {
                print_stdout(USAGE);
                0
            }
        },
        other => {
            eprintln!("llmwire: unknown command \"{other}\"\n\n{USAGE}");
            2
        }
    }
}

/// Reads all of stdin as UTF-8, or explains why it could not.
pub(crate) fn read_stdin_utf8() -> Result<String, String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "stdin is not valid UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Reads a command's input: the file at `source`, or stdin when it is `-`.
pub(crate) fn read_input(source: &str) -> Result<String, String> {
    if source == "-" {
        read_stdin_utf8()
    } else {
        std::fs::read_to_string(source).map_err(|e| format!("cannot read {source}: {e}"))
    }
}

/// Writes one line to stdout. A closed pipe (`llmwire … | head`) is not an error worth a panic:
/// the reader has what it wanted.
pub(crate) fn print_stdout(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}").and_then(|()| stdout.flush());
}

/// True when the arguments ask for help.
pub(crate) fn wants_help(args: &[String]) -> bool {
    args.iter().any(|a| a == "--help" || a == "-h")
}
