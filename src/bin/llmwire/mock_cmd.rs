//! `llmwire mock`: the command-line face of the simulated provider.
//!
//! For: parsing the arguments after `mock`, printing the one line tools parse
//! (`llmwire mock listening on http://127.0.0.1:PORT (port PORT)`), and serving until killed (or
//! until stdin closes, with `--until-stdin-eof`).
//!
//! Not for: anything else on stdout: after the first line, the mock writes nothing there.

use std::io::{self, Read, Write};
use std::path::PathBuf;

use llmwire::mock::{
    builtin_scenario_listing, check_scenario_files, MockOptions, MockServer, Outage,
};

/// The usage text of `llmwire mock`.
pub(crate) const USAGE: &str = "\
usage: llmwire mock [--host HOST] [--port PORT] [--scenarios FILE]... [--max-connections N]
                    [--until-stdin-eof] [--fast] [--rpm N] [--tpm N]
                    [--limit-window-ms MS] [--outage START_MS:DURATION_MS[:MODE]]
       llmwire mock --check FILE...
       llmwire mock --list-scenarios

Serves a simulated OpenAI-compatible provider on HOST:PORT (default 127.0.0.1, a free port).
The first line on stdout is:  llmwire mock listening on http://HOST:PORT (port PORT)
Then it serves until killed, or with --until-stdin-eof until stdin reaches end of file.

Point a client at http://HOST:PORT/s/SCENARIO/SESSION/v1 (or send the headers
x-llmwire-scenario and x-llmwire-session). SCENARIO is name[:key=value,...].

  --host HOST           address to listen on (anything but loopback exposes the mock)
  --port PORT           port to listen on; 0 (the default) picks a free one
  --scenarios FILE      load scenarios from a JSON file (repeatable)
  --max-connections N   connections served at once (default 2048)
  --until-stdin-eof     stop when stdin closes (for harnesses that spawn the mock)
  --fast                answer every request at once with one fixed completion: no
                        scenarios, no request log (an endpoint for benchmarking clients)
  --rpm N               at most N requests per minute per API key and model; over it,
                        a 429 in the endpoint's format with x-ratelimit-* and retry-after
  --tpm N               at most N tokens per minute per API key and model (prompt
                        estimate + max_tokens, counted on arrival)
  --limit-window-ms MS  the length of those windows (default 60000)
  --outage START:DUR    an outage DUR ms long, START ms after the server starts; MODE is
                        503 (default: overloaded answers), refuse (connections reset) or
                        503_then_refuse (the first half 503, the second refused)
  --check FILE...       validate scenario files and exit (0 valid, 1 invalid)
  --list-scenarios      print the built-in scenarios and exit
";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
// Built once per process from the command line: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum CliCommand {
    Serve {
        options: MockOptions,
        until_stdin_eof: bool,
    },
    Check(Vec<PathBuf>),
    ListScenarios,
    Help,
}

/// Parses the arguments after `mock`.
pub(crate) fn parse_cli_args(args: &[String]) -> Result<CliCommand, String> {
    let mut options = MockOptions::default();
    let mut until_stdin_eof = false;
    let mut check: Option<Vec<PathBuf>> = None;
    let mut list = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match &inline {
                Some(value) => Ok(value.clone()),
                None => args
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value")),
            }
        };
        match flag {
            "-h" | "--help" => return Ok(CliCommand::Help),
            "--host" => options.host = value("--host")?,
            "--port" => {
                let text = value("--port")?;
                options.port = text
                    .parse()
                    .map_err(|_| format!("--port {text}: not a port number"))?;
            }
            "--scenarios" => options
                .scenario_files
                .push(PathBuf::from(value("--scenarios")?)),
            "--max-connections" => {
                let text = value("--max-connections")?;
                options.limits.max_connections =
                    text.parse().ok().filter(|&n| n > 0).ok_or_else(|| {
                        format!("--max-connections {text}: expected a positive number")
                    })?;
            }
            "--rpm" => options.quota.rpm = Some(positive("--rpm", &value("--rpm")?)?),
            "--tpm" => options.quota.tpm = Some(positive("--tpm", &value("--tpm")?)?),
            "--limit-window-ms" => {
                options.quota.window_ms =
                    Some(positive("--limit-window-ms", &value("--limit-window-ms")?)?)
            }
            "--outage" => options.outage = Some(Outage::parse(&value("--outage")?)?),
            "--until-stdin-eof" => until_stdin_eof = true,
            "--fast" => options.fast = true,
            "--list-scenarios" => list = true,
            "--check" => check = Some(Vec::new()),
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            file => match check.as_mut() {
                Some(files) => files.push(PathBuf::from(file)),
                None => return Err(format!("unexpected argument {file}")),
            },
        }
    }
    if list {
        return Ok(CliCommand::ListScenarios);
    }
    if let Some(mut files) = check {
        files.extend(options.scenario_files);
        if files.is_empty() {
            return Err("--check needs at least one FILE".into());
        }
        return Ok(CliCommand::Check(files));
    }
    Ok(CliCommand::Serve {
        options,
        until_stdin_eof,
    })
}

fn positive(flag: &str, text: &str) -> Result<u64, String> {
    text.parse()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{flag} {text}: expected a positive number"))
}

/// Runs `llmwire mock` with the arguments after `mock`; returns the exit code (0 success,
/// 1 failure to start or invalid scenario files, 2 usage error).
pub(crate) fn run_cli(args: &[String]) -> i32 {
    let command = match parse_cli_args(args) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("llmwire mock: {message}\n\n{USAGE}");
            return 2;
        }
    };
    match command {
        CliCommand::Help => print_stdout(USAGE),
        CliCommand::ListScenarios => print_stdout(&builtin_scenario_listing()),
        CliCommand::Check(files) => check_files(&files),
        CliCommand::Serve {
            options,
            until_stdin_eof,
        } => serve(options, until_stdin_eof),
    }
}

/// Prints to stdout; a reader that went away (`… | head`) is not an error worth a panic.
fn print_stdout(text: &str) -> i32 {
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "{}", text.trim_end()).and_then(|()| stdout.flush());
    0
}

fn check_files(files: &[PathBuf]) -> i32 {
    match check_scenario_files(files) {
        Ok(names) => print_stdout(&format!(
            "ok: {} scenario(s): {}",
            names.len(),
            names.join(", ")
        )),
        Err(error) => {
            eprintln!("llmwire mock: {error}");
            1
        }
    }
}

fn serve(options: MockOptions, until_stdin_eof: bool) -> i32 {
    let server = match MockServer::start(options) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("llmwire mock: {error}");
            return 1;
        }
    };
    if !server.local_addr().ip().is_loopback() {
        eprintln!(
            "llmwire mock: warning: listening on {} — reachable from the network",
            server.local_addr()
        );
    }
    let mut stdout = io::stdout().lock();
    let announced = writeln!(
        stdout,
        "llmwire mock listening on {} (port {})",
        server.origin(),
        server.port()
    )
    .and_then(|()| stdout.flush());
    drop(stdout);
    if announced.is_err() {
        return 1;
    }
    if until_stdin_eof {
        let _ = io::copy(&mut io::stdin().lock().by_ref(), &mut io::sink());
        server.shutdown();
        return 0;
    }
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn serve_options_parse_in_both_spellings() {
        let command = parse_cli_args(&args(&[
            "--host",
            "::1",
            "--port=8080",
            "--scenarios",
            "a.json",
            "--scenarios=b.json",
            "--until-stdin-eof",
            "--fast",
        ]));
        let Ok(CliCommand::Serve {
            options,
            until_stdin_eof,
        }) = command
        else {
            panic!("{command:?}")
        };
        assert_eq!((options.host.as_str(), options.port), ("::1", 8080));
        assert_eq!(
            options.scenario_files,
            vec![PathBuf::from("a.json"), PathBuf::from("b.json")]
        );
        assert!(until_stdin_eof && options.fast);
        let Ok(CliCommand::Serve {
            options,
            until_stdin_eof,
        }) = parse_cli_args(&[])
        else {
            panic!()
        };
        assert_eq!(
            (
                options.host.as_str(),
                options.port,
                until_stdin_eof,
                options.fast
            ),
            ("127.0.0.1", 0, false, false)
        );
    }

    #[test]
    fn quota_and_outage_options_parse_and_bad_values_are_named() {
        let Ok(CliCommand::Serve { options, .. }) = parse_cli_args(&args(&[
            "--rpm",
            "1200",
            "--tpm=90000",
            "--limit-window-ms",
            "1000",
            "--outage",
            "20000:20000:503_then_refuse",
        ])) else {
            panic!()
        };
        assert_eq!(options.quota.rpm, Some(1200));
        assert_eq!(options.quota.tpm, Some(90_000));
        assert_eq!(options.quota.window_ms, Some(1_000));
        let outage = options.outage.unwrap();
        assert_eq!((outage.start_ms, outage.duration_ms), (20_000, 20_000));
        assert!(parse_cli_args(&args(&["--rpm", "0"]))
            .unwrap_err()
            .contains("--rpm 0"));
        assert!(parse_cli_args(&args(&["--outage", "5"]))
            .unwrap_err()
            .contains("duration"));
    }

    #[test]
    fn other_commands_and_usage_errors() {
        assert_eq!(parse_cli_args(&args(&["--help"])), Ok(CliCommand::Help));
        assert_eq!(
            parse_cli_args(&args(&["--list-scenarios"])),
            Ok(CliCommand::ListScenarios)
        );
        assert_eq!(
            parse_cli_args(&args(&["--check", "a.json", "b.json"])),
            Ok(CliCommand::Check(vec![
                PathBuf::from("a.json"),
                PathBuf::from("b.json")
            ]))
        );
        for bad in [
            &["--port", "x"][..],
            &["--port"],
            &["--bogus"],
            &["stray"],
            &["--check"],
            &["--max-connections", "0"],
        ] {
            assert!(parse_cli_args(&args(bad)).is_err(), "{bad:?}");
        }
    }
}
