//! Scenario files: the JSON format users write their own scenarios in (documented in the module
//! docs of `mock`), read into the scenario model with errors that name the file, the place and the
//! offending key.
//!
//! Not for: built-in scenarios (they are built in Rust, `builtin.rs`).

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value};

use super::scenario::{
    check_template, Action, Body, Canned, ErrorFormat, Fault, FaultKind, Gate, Reply, ReplyKind,
    Scenario, Step, StreamFault,
};

/// Reads and checks a scenario file.
pub fn load_file(path: &Path) -> Result<Vec<Scenario>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read scenario file: {e}", path.display()))?;
    parse_document(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads and checks a scenario document: `{"scenarios": {"name": {"description", "steps"}}}`.
pub fn parse_document(text: &str) -> Result<Vec<Scenario>, String> {
    let document: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let root = as_object(&document, "the document")?;
    check_keys(root, "the document", &["scenarios", "limits", "outage"])?;
    let settings_only = root.contains_key("limits") || root.contains_key("outage");
    let scenarios = match root.get("scenarios") {
        Some(scenarios) => scenarios,
        // A document may only set the quota and the outage (see `quota::parse_settings`).
        None if settings_only => return Ok(Vec::new()),
        None => return Err("the document has no \"scenarios\" object".into()),
    };
    let scenarios = as_object(scenarios, "scenarios")?;
    if scenarios.is_empty() {
        return Err("\"scenarios\" is empty".into());
    }
    scenarios
        .iter()
        .map(|(name, scenario)| parse_scenario(name, scenario))
        .collect()
}

/// Whether `name` may name a scenario: `[a-z0-9_-]`, starting with a letter or digit.
pub fn is_valid_name(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn parse_scenario(name: &str, value: &Value) -> Result<Scenario, String> {
    let at = format!("scenarios.{name}");
    if !is_valid_name(name) {
        return Err(format!(
            "{at}: invalid scenario name (use lowercase letters, digits, '_' and '-')"
        ));
    }
    let object = as_object(value, &at)?;
    check_keys(object, &at, &["description", "steps"])?;
    let description = match object.get("description") {
        None => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(_) => return Err(format!("{at}.description: expected a string")),
    };
    let steps_at = format!("{at}.steps");
    let steps = match object.get("steps") {
        Some(Value::Array(steps)) if !steps.is_empty() => steps,
        Some(Value::Array(_)) => return Err(format!("{steps_at}: needs at least one step")),
        Some(_) => return Err(format!("{steps_at}: expected an array of steps")),
        None => return Err(format!("{at}: missing \"steps\"")),
    };
    let steps = steps
        .iter()
        .enumerate()
        .map(|(i, step)| parse_step(step, &format!("{steps_at}[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(Step {
        action: Action::Gate(_),
        ..
    }) = steps.last()
    {
        return Err(format!(
            "{steps_at}: the last step is a gate; a gate needs a step after it to pass to"
        ));
    }
    Ok(Scenario {
        name: name.to_string(),
        description,
        steps,
    })
}

fn parse_step(value: &Value, at: &str) -> Result<Step, String> {
    let object = as_object(value, at)?;
    let repeat = match object.get("repeat") {
        None => 1,
        Some(value) => {
            let repeat = as_u64(value, &format!("{at}.repeat"))?;
            if repeat == 0 || repeat > u64::from(u32::MAX) {
                return Err(format!("{at}.repeat: must be between 1 and {}", u32::MAX));
            }
            repeat as u32
        }
    };
    if object.contains_key("not_before_ms") {
        if object.contains_key("repeat") {
            return Err(format!("{at}: a gate has no \"repeat\""));
        }
        return Ok(Step::once(parse_gate(object, at)?));
    }
    Ok(Step {
        repeat,
        action: parse_action(object, at, &["repeat"])?,
    })
}

fn parse_gate(object: &Map<String, Value>, at: &str) -> Result<Action, String> {
    check_keys(object, at, &["not_before_ms", "else"])?;
    let not_before_ms = required_u64(object, at, "not_before_ms")?;
    let otherwise_at = format!("{at}.else");
    let otherwise = object
        .get("else")
        .ok_or_else(|| format!("{at}: a gate needs an \"else\" step"))?;
    let otherwise = as_object(otherwise, &otherwise_at)?;
    if otherwise.contains_key("not_before_ms") {
        return Err(format!(
            "{otherwise_at}: a gate's \"else\" cannot be a gate"
        ));
    }
    let otherwise = parse_action(otherwise, &otherwise_at, &[])?;
    Ok(Action::Gate(Gate {
        not_before_ms,
        otherwise: Box::new(otherwise),
    }))
}

/// A response, fault or reply step; `extra` lists keys the caller handles (e.g. `repeat`).
fn parse_action(object: &Map<String, Value>, at: &str, extra: &[&str]) -> Result<Action, String> {
    match (object.contains_key("fault"), object.contains_key("reply")) {
        (true, true) => Err(format!(
            "{at}: a step has either \"fault\" or \"reply\", not both"
        )),
        (true, false) => parse_fault(object, at, extra).map(Action::Fault),
        (false, true) => parse_reply(object, at, extra).map(Action::Reply),
        (false, false) => parse_canned(object, at, extra).map(Action::Respond),
    }
}

fn parse_canned(object: &Map<String, Value>, at: &str, extra: &[&str]) -> Result<Canned, String> {
    let allowed = with_extra(&["status", "headers", "body", "delay_ms"], extra);
    check_keys(object, at, &allowed)?;
    if !object.contains_key("status") {
        return Err(format!(
            "{at}: a step needs \"status\" (a response), \"fault\", \"reply\" or \"not_before_ms\" (a gate)"
        ));
    }
    Ok(Canned {
        status: parse_status(object, at)?.unwrap_or(200),
        headers: parse_headers(object, at)?,
        body: parse_body(object, at)?.unwrap_or(Body::Text(String::new())),
        delay_ms: optional_u64(object, at, "delay_ms")?.unwrap_or(0),
    })
}

fn parse_fault(object: &Map<String, Value>, at: &str, extra: &[&str]) -> Result<Fault, String> {
    let name = required_str(object, at, "fault")?;
    let kind = FaultKind::ALL
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(kind, _)| *kind)
        .ok_or_else(|| unknown_name(at, "fault", name, FaultKind::ALL.iter().map(|(_, n)| *n)))?;
    let own: &[&str] = match kind {
        FaultKind::ResetBeforeHeaders | FaultKind::CloseWithoutResponse => &["delay_ms"],
        FaultKind::ResetMidBody | FaultKind::TruncatedChunked => {
            &["status", "headers", "body", "delay_ms"]
        }
        FaultKind::SlowBody => &[
            "status",
            "headers",
            "body",
            "delay_ms",
            "pieces",
            "interval_ms",
        ],
        FaultKind::StallStream => &["headers", "delay_ms", "chunks", "stall_ms"],
    };
    let allowed = with_extra(&with_extra(&["fault"], own), extra);
    check_keys(object, at, &allowed)?;
    let mut fault = Fault::new(kind);
    fault.delay_ms = optional_u64(object, at, "delay_ms")?.unwrap_or(fault.delay_ms);
    fault.status = parse_status(object, at)?.unwrap_or(fault.status);
    fault.headers = parse_headers(object, at)?;
    fault.body = parse_body(object, at)?;
    fault.pieces = optional_u32(object, at, "pieces")?
        .unwrap_or(fault.pieces)
        .max(1);
    fault.interval_ms = optional_u64(object, at, "interval_ms")?.unwrap_or(fault.interval_ms);
    fault.chunks = optional_u32(object, at, "chunks")?.unwrap_or(fault.chunks);
    fault.stall_ms = optional_u64(object, at, "stall_ms")?.unwrap_or(fault.stall_ms);
    Ok(fault)
}

fn parse_reply(object: &Map<String, Value>, at: &str, extra: &[&str]) -> Result<Reply, String> {
    let name = required_str(object, at, "reply")?;
    let kind = ReplyKind::ALL
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(kind, _)| *kind)
        .ok_or_else(|| unknown_name(at, "reply", name, ReplyKind::ALL.iter().map(|(_, n)| *n)))?;
    let stream_fault = match object.get("stream_fault") {
        None => None,
        Some(value) => {
            let name = as_str(value, &format!("{at}.stream_fault"))?;
            let all = StreamFault::ALL.iter();
            Some(
                all.clone()
                    .find(|(_, n)| *n == name)
                    .map(|(fault, _)| *fault)
                    .ok_or_else(|| unknown_name(at, "stream_fault", name, all.map(|(_, n)| *n)))?,
            )
        }
    };
    let mut own = vec![
        "reply",
        "headers",
        "delay_ms",
        "chunk_delay_ms",
        "stream_fault",
    ];
    own.extend(match kind {
        ReplyKind::Echo | ReplyKind::ToolCall => &["content"][..],
        ReplyKind::HugeBody => &["size"][..],
        _ => &[][..],
    });
    if kind == ReplyKind::ToolCall {
        own.push("parallel");
    }
    own.extend(match stream_fault {
        Some(StreamFault::ErrorAfterChunks) => &["chunks", "error_format", "error"][..],
        Some(StreamFault::StallAfterChunks) => &["chunks", "stall_ms"][..],
        Some(StreamFault::KeepAliveAfterChunks) => &["chunks", "stall_ms", "keepalive_ms"][..],
        Some(StreamFault::EndWithoutDone) | None => &[][..],
    });
    check_keys(object, at, &with_extra(&own, extra))?;
    let mut reply = Reply::new(kind);
    reply.stream_fault = stream_fault;
    reply.delay_ms = optional_u64(object, at, "delay_ms")?.unwrap_or(0);
    reply.headers = parse_headers(object, at)?;
    reply.chunk_delay_ms = optional_u64(object, at, "chunk_delay_ms")?.unwrap_or(0);
    if let Some(value) = object.get("content") {
        let content = as_str(value, &format!("{at}.content"))?;
        check_template(content).map_err(|e| format!("{at}.content: {e}"))?;
        reply.content = Some(content.to_string());
    }
    reply.size = optional_u64(object, at, "size")?.unwrap_or(reply.size);
    reply.parallel = optional_u32(object, at, "parallel")?.unwrap_or(1).max(1);
    reply.chunks = optional_u32(object, at, "chunks")?.unwrap_or(reply.chunks);
    reply.stall_ms = optional_u64(object, at, "stall_ms")?.unwrap_or(reply.stall_ms);
    reply.keepalive_ms = optional_u64(object, at, "keepalive_ms")?
        .unwrap_or(reply.keepalive_ms)
        .max(1);
    if let Some(value) = object.get("error_format") {
        let name = as_str(value, &format!("{at}.error_format"))?;
        reply.error_format = Some(ErrorFormat::from_name(name).ok_or_else(|| {
            unknown_name(at, "error_format", name, ["openai", "gemini"].into_iter())
        })?);
    }
    reply.error_event = object.get("error").cloned();
    Ok(reply)
}

fn parse_status(object: &Map<String, Value>, at: &str) -> Result<Option<u16>, String> {
    match optional_u64(object, at, "status")? {
        None => Ok(None),
        Some(status @ 200..=599) => Ok(Some(status as u16)),
        Some(other) => Err(format!("{at}.status: {other} is not between 200 and 599")),
    }
}

fn parse_headers(object: &Map<String, Value>, at: &str) -> Result<Vec<(String, String)>, String> {
    let Some(value) = object.get("headers") else {
        return Ok(Vec::new());
    };
    let at = format!("{at}.headers");
    let headers = as_object(value, &at)?;
    let mut out = Vec::new();
    for (name, value) in headers {
        let header_at = format!("{at}.{name}");
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
        {
            return Err(format!("{header_at}: invalid header name"));
        }
        let value = match value {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            _ => return Err(format!("{header_at}: expected a string or a number")),
        };
        if value.contains(['\r', '\n']) {
            return Err(format!(
                "{header_at}: a header value cannot contain a line break"
            ));
        }
        check_template(&value).map_err(|e| format!("{header_at}: {e}"))?;
        out.push((name.to_ascii_lowercase(), value));
    }
    Ok(out)
}

fn parse_body(object: &Map<String, Value>, at: &str) -> Result<Option<Body>, String> {
    let Some(value) = object.get("body") else {
        return Ok(None);
    };
    let body = match value {
        Value::String(text) => Body::Text(text.clone()),
        other => Body::Json(other.clone()),
    };
    check_body_templates(value).map_err(|e| format!("{at}.body: {e}"))?;
    Ok(Some(body))
}

fn check_body_templates(value: &Value) -> Result<(), String> {
    match value {
        Value::String(text) => check_template(text),
        Value::Array(items) => items.iter().try_for_each(check_body_templates),
        Value::Object(map) => map.values().try_for_each(check_body_templates),
        _ => Ok(()),
    }
}

fn check_keys(object: &Map<String, Value>, at: &str, allowed: &[&str]) -> Result<(), String> {
    let unknown: Vec<&str> = object
        .keys()
        .map(String::as_str)
        .filter(|key| !allowed.contains(key))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let allowed: BTreeSet<&str> = allowed.iter().copied().collect();
    let allowed: Vec<&str> = allowed.into_iter().collect();
    Err(format!(
        "{at}: unknown key{} {} (allowed here: {})",
        if unknown.len() > 1 { "s" } else { "" },
        unknown
            .iter()
            .map(|k| format!("\"{k}\""))
            .collect::<Vec<_>>()
            .join(", "),
        allowed.join(", ")
    ))
}

fn unknown_name<'a>(
    at: &str,
    key: &str,
    name: &str,
    known: impl Iterator<Item = &'a str>,
) -> String {
    format!(
        "{at}.{key}: unknown {key} \"{name}\" (known: {})",
        known.collect::<Vec<_>>().join(", ")
    )
}

fn with_extra<'a>(own: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    own.iter().chain(extra).copied().collect()
}

fn as_object<'v>(value: &'v Value, at: &str) -> Result<&'v Map<String, Value>, String> {
    value
        .as_object()
        .ok_or_else(|| format!("{at}: expected an object"))
}

fn as_str<'v>(value: &'v Value, at: &str) -> Result<&'v str, String> {
    value
        .as_str()
        .ok_or_else(|| format!("{at}: expected a string"))
}

fn as_u64(value: &Value, at: &str) -> Result<u64, String> {
    value
        .as_u64()
        .ok_or_else(|| format!("{at}: expected a non-negative integer"))
}

fn required_str<'v>(
    object: &'v Map<String, Value>,
    at: &str,
    key: &str,
) -> Result<&'v str, String> {
    as_str(&object[key], &format!("{at}.{key}"))
}

fn required_u64(object: &Map<String, Value>, at: &str, key: &str) -> Result<u64, String> {
    optional_u64(object, at, key)?.ok_or_else(|| format!("{at}: missing \"{key}\""))
}

fn optional_u64(object: &Map<String, Value>, at: &str, key: &str) -> Result<Option<u64>, String> {
    object
        .get(key)
        .map(|value| as_u64(value, &format!("{at}.{key}")))
        .transpose()
}

fn optional_u32(object: &Map<String, Value>, at: &str, key: &str) -> Result<Option<u32>, String> {
    match optional_u64(object, at, key)? {
        None => Ok(None),
        Some(n) => u32::try_from(n)
            .map(Some)
            .map_err(|_| format!("{at}.{key}: {n} is too large")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(document: &str) -> String {
        match parse_document(document) {
            Ok(scenarios) => panic!("expected an error, got {scenarios:?}"),
            Err(error) => error,
        }
    }

    #[test]
    fn a_full_document_parses_into_steps() {
        let scenarios = parse_document(
            r#"{"scenarios": {"gated": {"description": "d", "steps": [
                {"status": 429, "headers": {"retry-after": 1}, "body": {"error": {}}, "repeat": 2},
                {"not_before_ms": 1000, "else": {"status": 429, "body": "slow down"}},
                {"fault": "slow_body", "pieces": 3, "interval_ms": 10},
                {"reply": "echo", "stream_fault": "error_after_chunks", "chunks": 1, "error_format": "gemini"}
            ]}}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let steps = &scenarios[0].steps;
        assert_eq!(steps.len(), 4);
        assert_eq!(steps[0].repeat, 2);
        let Action::Respond(canned) = &steps[0].action else {
            panic!("{:?}", steps[0])
        };
        assert_eq!(canned.headers, vec![("retry-after".into(), "1".into())]);
        assert!(matches!(&steps[1].action, Action::Gate(g) if g.not_before_ms == 1000));
        assert!(matches!(&steps[2].action, Action::Fault(f) if f.pieces == 3));
        assert!(matches!(&steps[3].action,
            Action::Reply(r) if r.error_format == Some(ErrorFormat::Gemini) && r.chunks == 1));
    }

    #[test]
    fn unknown_keys_are_named_with_their_place() {
        let error = error_of(r#"{"scenarios": {"x": {"steps": [{"status": 200, "stauts": 1}]}}}"#);
        assert!(error.contains("scenarios.x.steps[0]"), "{error}");
        assert!(error.contains("\"stauts\""), "{error}");
        let error = error_of(r#"{"scenarios": {}, "extra": 1}"#);
        assert!(error.contains("\"extra\""), "{error}");
        let error = error_of(
            r#"{"scenarios": {"x": {"steps": [{"fault": "reset_before_headers", "body": "x"}]}}}"#,
        );
        assert!(error.contains("\"body\""), "{error}");
    }

    #[test]
    fn bad_values_are_explained() {
        for (document, expected) in [
            (
                r#"{"scenarios": {"x": {"steps": [{"fault": "explode"}]}}}"#,
                "unknown fault \"explode\"",
            ),
            (
                r#"{"scenarios": {"x": {"steps": [{"reply": "poem"}]}}}"#,
                "unknown reply \"poem\"",
            ),
            (
                r#"{"scenarios": {"x": {"steps": [{"status": 99}]}}}"#,
                "not between 200 and 599",
            ),
            (
                r#"{"scenarios": {"x": {"steps": [{"status": 200, "repeat": 0}]}}}"#,
                "repeat",
            ),
            (
                r#"{"scenarios": {"x": {"steps": [{"not_before_ms": 5, "else": {"status": 429}}]}}}"#,
                "last step is a gate",
            ),
            (
                r#"{"scenarios": {"x": {"steps": [{"headers": {}}]}}}"#,
                "needs \"status\"",
            ),
            (
                r#"{"scenarios": {"x": {"steps": [{"status": 200, "body": "{{oops}}"}]}}}"#,
                "unknown placeholder",
            ),
            (
                r#"{"scenarios": {"X Y": {"steps": [{"status": 200}]}}}"#,
                "invalid scenario name",
            ),
            (
                r#"{"scenarios": {"x": {"steps": []}}}"#,
                "at least one step",
            ),
            (
                r#"{"scenarios": {"x": {"steps": [{"reply": "echo", "stall_ms": 5}]}}}"#,
                "\"stall_ms\"",
            ),
            ("{", "not valid JSON"),
        ] {
            let error = error_of(document);
            assert!(error.contains(expected), "{document}: {error}");
        }
    }
}
