//! `llmwire chat`: one real call through the library, from the command line.

use std::io::Write;

use serde_json::{json, Map, Value};

use llmwire::client::{ChunkControl, Client};

const USAGE: &str = "\
usage: llmwire chat [--provider P] [--base-url URL] [--model M] [--api-key K] [--timeout-ms N]
                    [--config FILE] [--stream] [--json] PROMPT|-

Sends PROMPT (or stdin, with -) as one user message and prints the answer. The key comes from
--api-key, the config, or the provider's usual environment variable (e.g. OPENAI_API_KEY).
--config FILE is a client configuration (JSON); flags override it. --timeout-ms bounds the
whole call (every attempt and wait). --json prints exactly one JSON object:
{\"ok\": true, \"response\": …} or {\"ok\": false, \"error\": …}.
Exit 0 success, 1 the call failed, 2 usage.";

struct Options {
    config: Map<String, Value>,
    stream: bool,
    json: bool,
    prompt: String,
}

pub fn run(args: &[String]) -> u8 {
    if crate::wants_help(args) {
        crate::print_stdout(USAGE);
        return 0;
    }
    let options = match parse(args) {
        Ok(options) => options,
        Err(reason) => {
            eprintln!("llmwire chat: {reason}\n\n{USAGE}");
            return 2;
        }
    };
    let client = match Client::new(&Value::Object(options.config).to_string()) {
        Ok(client) => client,
        Err(error) => {
            eprintln!("llmwire chat: {}", error.summary);
            return 2;
        }
    };
    let request = json!({ "messages": [{ "role": "user", "content": options.prompt }] });
    let result = if options.stream && !options.json {
        let mut stdout = std::io::stdout();
        let mut print_delta = |chunk: &Value| {
            if let Some(text) = chunk
                .pointer("/choices/0/delta/content")
                .and_then(Value::as_str)
            {
                let _ = stdout.write_all(text.as_bytes());
                let _ = stdout.flush();
            }
            ChunkControl::Continue
        };
        client
            .chat_stream(&request, &mut print_delta, None)
            .inspect(|_| crate::print_stdout(""))
    } else {
        client.chat(&request, None)
    };
    match (result, options.json) {
        (Ok(response), true) => print_line(&json!({ "ok": true, "response": response })),
        (Ok(response), false) => {
            if !options.stream {
                let answer = response
                    .pointer("/choices/0/message/content")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                crate::print_stdout(answer);
            }
            0
        }
        (Err(error), true) => {
            print_line(&json!({ "ok": false, "error": error }));
            1
        }
        (Err(error), false) => {
            eprintln!("llmwire chat: {}", error.summary);
            1
        }
    }
}

fn print_line(value: &Value) -> u8 {
    crate::print_stdout(&value.to_string());
    0
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut config = Map::new();
    let mut flags = Map::new();
    let mut timeout_ms = None;
    let (mut stream, mut json_output, mut prompt) = (false, false, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--provider" => drop(flags.insert("provider".into(), Value::String(value(arg)?))),
            "--base-url" => drop(flags.insert("base_url".into(), Value::String(value(arg)?))),
            "--model" => drop(flags.insert("model".into(), Value::String(value(arg)?))),
            "--api-key" => drop(flags.insert("api_key".into(), Value::String(value(arg)?))),
            "--timeout-ms" => {
                let text = value(arg)?;
                timeout_ms = Some(
                    text.parse::<u64>()
                        .map_err(|_| format!("--timeout-ms \"{text}\" is not a number"))?,
                );
            }
            "--config" => {
                let path = value(arg)?;
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read {path}: {e}"))?;
                match serde_json::from_str(&text) {
                    Ok(Value::Object(map)) => config = map,
                    Ok(_) => return Err(format!("{path} must hold a JSON object")),
                    Err(e) => return Err(format!("{path} is not valid JSON: {e}")),
                }
            }
            "--stream" => stream = true,
            "--json" => json_output = true,
            "-" if prompt.is_none() => prompt = Some(crate::read_stdin_utf8()?),
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            other if prompt.is_none() => prompt = Some(other.to_owned()),
            other => {
                return Err(format!(
                    "unexpected argument \"{other}\" (quote the prompt)"
                ))
            }
        }
    }
    config.extend(flags);
    if let Some(ms) = timeout_ms {
        let timeouts = config.entry("timeouts").or_insert_with(|| json!({}));
        match timeouts {
            Value::Object(timeouts) => drop(timeouts.insert("deadline_ms".into(), json!(ms))),
            _ => return Err("config \"timeouts\" must be an object".into()),
        }
    }
    let prompt = prompt.ok_or("a PROMPT (or - for stdin) is required")?;
    Ok(Options {
        config,
        stream,
        json: json_output,
        prompt,
    })
}
