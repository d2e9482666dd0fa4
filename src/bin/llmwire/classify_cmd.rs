//! `llmwire classify`: a failure in, its classification JSON out.

use std::time::SystemTime;

use llmwire::provider::Provider;
use llmwire::{classify, ClassifyInput};

const USAGE: &str = "\
usage: llmwire classify [FILE|-]
       llmwire classify --status N [--provider P] [--header 'NAME: VALUE']... [FILE|-]

Classifies a failure and prints the classification as one JSON object. The input comes from FILE,
or from stdin (with - or no FILE).

Without --status the input is the classification input JSON:
  {\"provider\": \"auto\"|\"openai\"|\"gemini\"|…, \"status\": 429, \"headers\": {…}, \"body\": …}
where the body is the provider's body as a string or as the JSON it was (an object, a list), or
  {\"transport\": \"connection_refused\"|\"connection_reset\"|\"timeout\"|\"dns\"|\"tls\"|\"truncated\"}.
With --status the input is the provider's bare body, exactly as it came:
  --status N     the HTTP status the body came with
  --provider P   the provider called (default: auto, detected from the body): PROVIDERS
  --header H     a response header, `NAME: VALUE` (repeatable), e.g. 'retry-after: 2'

Exit 0, or 2 when the input or the arguments are unusable.";

fn usage() -> String {
    let providers = Provider::ALL.map(Provider::as_str).join(", ");
    USAGE.replace("PROVIDERS", &providers)
}

/// A bare body's description, from the flags.
#[derive(Default)]
struct Bare {
    status: Option<u16>,
    provider: Option<Provider>,
    headers: Vec<(String, String)>,
}

pub fn run(args: &[String]) -> u8 {
    if crate::wants_help(args) {
        crate::print_stdout(&usage());
        return 0;
    }
    let (bare, source) = match parse(args) {
        Ok(parsed) => parsed,
        Err(reason) => {
            eprintln!("llmwire classify: {reason}\n\n{}", usage());
            return 2;
        }
    };
    let input = crate::read_input(&source).and_then(|text| match bare.status {
        Some(status) => Ok(ClassifyInput {
            provider: bare.provider,
            status: Some(status),
            headers: bare.headers,
            body: text.into_bytes(),
            transport: None,
        }),
        None => ClassifyInput::from_json(&text).map_err(|e| {
            format!("{e} (for a bare provider body, give its status with --status N)")
        }),
    });
    let input = match input {
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

fn parse(args: &[String]) -> Result<(Bare, String), String> {
    let mut bare = Bare::default();
    let mut source = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--status" => {
                let text = value()?;
                let status = text
                    .parse::<u16>()
                    .ok()
                    .filter(|status| (100..=999).contains(status))
                    .ok_or_else(|| format!("--status \"{text}\" is not an HTTP status"))?;
                bare.status = Some(status);
            }
            "--provider" => {
                let name = value()?;
                bare.provider = match name.as_str() {
                    "auto" => None,
                    name => Some(
                        Provider::from_name(name)
                            .ok_or_else(|| format!("unknown provider \"{name}\""))?,
                    ),
                };
            }
            "--header" => {
                let text = value()?;
                let (name, header_value) = text
                    .split_once(':')
                    .filter(|(name, _)| !name.trim().is_empty())
                    .ok_or_else(|| format!("--header \"{text}\" is not NAME: VALUE"))?;
                bare.headers
                    .push((name.trim().to_owned(), header_value.trim().to_owned()));
            }
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            other if source.is_none() => source = Some(other.to_owned()),
            other => return Err(format!("unexpected argument \"{other}\"")),
        }
    }
    if bare.status.is_none() && (bare.provider.is_some() || !bare.headers.is_empty()) {
        return Err(
            "--provider and --header describe a bare body: give its --status too (or put them in the JSON input)"
                .into(),
        );
    }
    Ok((bare, source.unwrap_or_else(|| "-".to_owned())))
}
