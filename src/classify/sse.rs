//! Server-sent-event bodies: finding the error event in a stream (or judging the stream a usable
//! completion when it has none).
//!
//! A stream that already answered 200 reports failures as an event: `data: {"error": …}`,
//! Anthropic's `event: error` + `data: {"type": "error", …}`, or a plain-string error. This module
//! splits the text into events, parses only what it must, and hands error payloads to
//! `body::read_value`. Not a general SSE client (the shell's stream reader is).
//!
//! Why a second line reader beside [`crate::stream::sse`]: that one is the incremental parser for
//! live bytes (split anywhere, a cap per event that fails the stream, lone-CR line ends, the BOM),
//! and its errors are part of the call's outcome. This one reads a whole body already in memory
//! (at most `TEXT_SCAN_LIMIT` bytes), possibly cut short or corrupt, and must never fail: it takes
//! what it can (trimmed event names, only `data` and `event`) and stops at the first error event.
//! Built on the strict parser, a body over its cap or with a bad line would lose its error event.

use serde_json::Value;

use super::body;
use super::completion::{StreamJudge, Verdict};
use super::lenient;
use super::provider_error::ProviderError;

/// What a stream body held.
pub(crate) struct StreamRead {
    pub error: Option<ProviderError>,
    pub verdict: Verdict,
}

/// True when the body's first non-blank line is an SSE field (`data:`, `event:`, `id:`, `retry:`)
/// or comment (`:`).
pub(crate) fn looks_like_sse(text: &str) -> bool {
    let Some(first) = text.lines().map(str::trim_start).find(|l| !l.is_empty()) else {
        return false;
    };
    first.starts_with("data:")
        || first.starts_with("event:")
        || first.starts_with("id:")
        || first.starts_with("retry:")
        || (first.starts_with(':') && !first.starts_with("::"))
}

/// Reads a stream: the first error event wins; otherwise the stream is judged as a completion.
pub(crate) fn read(text: &str) -> StreamRead {
    let mut judge = StreamJudge::default();
    let mut event_name = String::new();
    let mut data = String::new();
    let mut has_data = false;
    for line in text.lines().chain(std::iter::once("")) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            if has_data {
                if let Some(error) = dispatch(&event_name, &data, &mut judge) {
                    return StreamRead {
                        error: Some(error),
                        verdict: judge.finish(),
                    };
                }
            }
            event_name.clear();
            data.clear();
            has_data = false;
            continue;
        }
        if let Some(value) = field(line, "data") {
            if has_data {
                data.push('\n');
            }
            data.push_str(value);
            has_data = true;
        } else if let Some(value) = field(line, "event") {
            event_name.clear();
            event_name.push_str(value.trim());
        }
        // `id:`, `retry:` and `:` comments carry nothing for classification.
    }
    StreamRead {
        error: None,
        verdict: judge.finish(),
    }
}

/// The value of an SSE field line `name: value` (one optional space after the colon).
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(name)?.strip_prefix(':')?;
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// Handles one event; returns the error it carries, if any.
fn dispatch(event_name: &str, data: &str, judge: &mut StreamJudge) -> Option<ProviderError> {
    let payload = data.trim();
    if payload == "[DONE]" {
        judge.done();
        return None;
    }
    let may_be_error = event_name == "error" || payload.contains("error");
    if !may_be_error && judge.has_content() {
        // Content already arrived; only an error could change the verdict.
        judge.count_chunk();
        return None;
    }
    let value = serde_json::from_str::<Value>(payload)
        .ok()
        .or_else(|| lenient::parse(payload));
    let Some(value) = value else {
        if event_name == "error" {
            return text_error(payload);
        }
        judge.count_unparseable();
        return None;
    };
    if may_be_error {
        if let Some(error) = body::read_value(&value, 0) {
            return Some(error);
        }
        if event_name == "error" {
            return text_error(payload);
        }
    }
    judge.feed(&value);
    None
}

fn text_error(payload: &str) -> Option<ProviderError> {
    Some(ProviderError {
        message: super::text::clean_message(payload)
            .or_else(|| Some("the stream sent an error event".to_string())),
        ..ProviderError::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_an_error_event_after_content() {
        let stream = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n\
                      event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
        let read = read(stream);
        let error = read.error.unwrap();
        assert_eq!(error.error_type.as_deref(), Some("overloaded_error"));
    }

    #[test]
    fn a_stream_with_content_is_usable_and_keepalives_are_not() {
        let stream = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n";
        assert!(matches!(read(stream).verdict, Verdict::Usable));
        assert!(matches!(
            read(": keep-alive\n\n: keep-alive\n\n").verdict,
            Verdict::Unusable(_)
        ));
        assert!(looks_like_sse(": keep-alive\n"));
        assert!(!looks_like_sse("{\"data\": 1}"));
    }

    #[test]
    fn a_plain_string_error_event() {
        let read = read("data: {\"error\": \"thinking_budget is not supported\"}");
        assert_eq!(
            read.error.unwrap().message.as_deref(),
            Some("thinking_budget is not supported")
        );
    }
}
