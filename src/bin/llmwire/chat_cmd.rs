//! `llmwire chat`: one real call through the library, from the command line.

use std::io::Write;

use serde_json::{json, Map, Value};

use llmwire::client::{ChunkControl, Client};
use llmwire::error::ErrorObject;
use llmwire::provider::Provider;
use llmwire::ErrorClass;

const USAGE: &str = "\
usage: llmwire chat [--provider P] [--base-url URL] [--model M] [--api-key K] [--timeout-ms N]
                    [--config FILE] [--stream] [--json] PROMPT|-

Sends PROMPT (or stdin, with -) as one user message and prints the answer.

  --provider P     the provider profile (default: openai): PROVIDERS
  --base-url URL   the endpoint (default: the provider's own), e.g. a proxy or `llmwire mock`
  --model M        the model (or the config's \"model\")
  --api-key K      the key; otherwise the config's \"api_key\", or the provider's usual
                   environment variable (e.g. OPENAI_API_KEY, GEMINI_API_KEY)
  --timeout-ms N   bounds the whole call, every attempt and wait (config: timeouts.deadline_ms)
  --config FILE    a client configuration (JSON); flags override it. Retries and timeouts are
                   set there: \"retry\": {\"max_attempts\", \"initial_backoff_ms\", \"multiplier\",
                   \"max_backoff_ms\", \"jitter\", \"max_server_delay_ms\", \"classes\", \"budget\"},
                   \"timeouts\": {\"connect_ms\", \"attempt_ms\", \"stream_idle_ms\", \"deadline_ms\"}
                   (README, \"Configuration\")
  --stream         print the answer as it arrives
  --json           print JSON on stdout: one object, {\"ok\": true, \"response\": …} or
                   {\"ok\": false, \"error\": …} (usage and configuration errors included).
                   With --stream, first one line {\"chunk\": …} per chunk as it arrives, then
                   that final {\"ok\": …} line.

Exit 0 success, 1 the call failed, 2 usage or configuration.";

fn usage() -> String {
    let providers = Provider::ALL.map(Provider::as_str).join(", ");
    USAGE.replace("PROVIDERS", &providers)
}

struct Options {
    config: Map<String, Value>,
    stream: bool,
    prompt: String,
}

pub fn run(args: &[String]) -> u8 {
    if crate::wants_help(args) {
        crate::print_stdout(&usage());
        return 0;
    }
    // Known before parsing, so that a usage error is reported in the promised shape too.
    let json_output = args.iter().any(|arg| arg == "--json");
    let options = match parse(args) {
        Ok(options) => options,
        Err((class, reason)) if json_output => {
            return fail_json(&ErrorObject::local(class, reason), 2)
        }
        Err((_, reason)) => {
            eprintln!("llmwire chat: {reason}\n\n{}", usage());
            return 2;
        }
    };
    let client = match Client::new(&Value::Object(options.config).to_string()) {
        Ok(client) => client,
        Err(error) if json_output => return fail_json(&error, 2),
        Err(error) => {
            eprintln!("llmwire chat: {}", error.summary);
            return 2;
        }
    };
    let request = json!({ "messages": [{ "role": "user", "content": options.prompt }] });
    match (options.stream, json_output) {
        (true, true) => stream_json(&client, &request),
        (true, false) => stream_text(&client, &request),
        (false, true) => match client.chat(&request, None) {
            Ok(response) => print_line(&json!({ "ok": true, "response": response }), 0),
            Err(error) => fail_json(&error, 1),
        },
        (false, false) => match client.chat(&request, None) {
            Ok(response) => {
                let answer = response
                    .pointer("/choices/0/message/content")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                crate::print_stdout(answer);
                0
            }
            Err(error) => fail_text(&error),
        },
    }
}

/// `--stream`: the text as it arrives, then a line break; a failure starts on a line of its own.
fn stream_text(client: &Client, request: &Value) -> u8 {
    let mut stdout = std::io::stdout();
    let mut mid_line = false;
    let mut print_delta = |chunk: &Value| {
        if let Some(text) = chunk
            .pointer("/choices/0/delta/content")
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty())
        {
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            mid_line = !text.ends_with('\n');
        }
        ChunkControl::Continue
    };
    let result = client.chat_stream(request, &mut print_delta, None);
    // The answer (or what came of it) ends its line before anything else is said.
    if mid_line || result.is_ok() {
        crate::print_stdout("");
    }
    match result {
        Ok(_) => 0,
        Err(error) => fail_text(&error),
    }
}

/// `--stream --json`: one `{"chunk": …}` line per chunk as it arrives, then the `{"ok": …}` line.
fn stream_json(client: &Client, request: &Value) -> u8 {
    let mut print_chunk = |chunk: &Value| {
        crate::print_stdout(&json!({ "chunk": chunk }).to_string());
        ChunkControl::Continue
    };
    match client.chat_stream(request, &mut print_chunk, None) {
        Ok(response) => print_line(&json!({ "ok": true, "response": response }), 0),
        Err(error) => fail_json(&error, 1),
    }
}

fn fail_text(error: &ErrorObject) -> u8 {
    eprintln!("llmwire chat: {}", error.summary);
    1
}

fn fail_json(error: &ErrorObject, code: u8) -> u8 {
    print_line(&json!({ "ok": false, "error": error }), code)
}

fn print_line(value: &Value, code: u8) -> u8 {
    crate::print_stdout(&value.to_string());
    code
}

/// Reads the arguments; a refusal is `invalid_argument` (a usage error) or `invalid_config` (an
/// unusable `--config` file), with the reason.
fn parse(args: &[String]) -> Result<Options, (ErrorClass, String)> {
    let usage_error = |reason: String| (ErrorClass::InvalidArgument, reason);
    let config_error = |reason: String| (ErrorClass::InvalidConfig, reason);
    let mut config = Map::new();
    let mut flags = Map::new();
    let mut timeout_ms = None;
    let (mut stream, mut prompt) = (false, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| usage_error(format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--provider" => drop(flags.insert("provider".into(), Value::String(value(arg)?))),
            "--base-url" => drop(flags.insert("base_url".into(), Value::String(value(arg)?))),
            "--model" => drop(flags.insert("model".into(), Value::String(value(arg)?))),
            "--api-key" => drop(flags.insert("api_key".into(), Value::String(value(arg)?))),
            "--timeout-ms" => {
                let text = value(arg)?;
                timeout_ms = Some(text.parse::<u64>().map_err(|_| {
                    usage_error(format!("--timeout-ms \"{text}\" is not a number"))
                })?);
            }
            "--config" => {
                let path = value(arg)?;
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| config_error(format!("cannot read {path}: {e}")))?;
                match serde_json::from_str(&text) {
                    Ok(Value::Object(map)) => config = map,
                    Ok(_) => return Err(config_error(format!("{path} must hold a JSON object"))),
                    Err(e) => return Err(config_error(format!("{path} is not valid JSON: {e}"))),
                }
            }
            "--stream" => stream = true,
            "--json" => {}
            "-" if prompt.is_none() => {
                prompt = Some(crate::read_stdin_utf8().map_err(usage_error)?)
            }
            other if other.starts_with("--") => {
                return Err(usage_error(format!("unknown option {other}")))
            }
            other if prompt.is_none() => prompt = Some(other.to_owned()),
            other => {
                return Err(usage_error(format!(
                    "unexpected argument \"{other}\" (quote the prompt)"
                )))
            }
        }
    }
    config.extend(flags);
    if let Some(ms) = timeout_ms {
        let timeouts = config.entry("timeouts").or_insert_with(|| json!({}));
        match timeouts {
            Value::Object(timeouts) => drop(timeouts.insert("deadline_ms".into(), json!(ms))),
            _ => return Err(config_error("config \"timeouts\" must be an object".into())),
        }
    }
    let prompt =
        prompt.ok_or_else(|| usage_error("a PROMPT (or - for stdin) is required".into()))?;
    Ok(Options {
        config,
        stream,
        prompt,
    })
}
