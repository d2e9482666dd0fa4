//! Streaming chat completions: server-sent events in, chunks, errors and one assembled message out.
//!
//! For: the pure half of `stream: true` — [`SseParser`] cuts bytes into events, [`interpret`] says
//! what each event is ([`StreamItem`]), [`StreamDecoder`] does both, and [`StreamAssembler`] builds
//! the final message from the chunks, as a non-streaming call would have returned it, or says why
//! the stream is incomplete ([`StreamEnd`]). Not for: reading the socket, timeouts, delivering
//! chunks to callbacks, or classifying a provider's error text (the client hands
//! [`StreamItem::Error`]'s `raw` text to [`crate::classify()`]).
//!
//! The client's read loop, in outline:
//!
//! ```
//! use llmwire::stream::{StreamAssembler, StreamDecoder, StreamItem};
//!
//! let body: &[&[u8]] = &[
//!     b"data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]}\n\n",
//!     b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
//! ];
//! let mut decoder = StreamDecoder::new();
//! let mut assembler = StreamAssembler::new();
//! let mut items = Vec::new();
//! for bytes in body {
//!     decoder.feed(bytes, &mut items).unwrap(); // Err: an oversized event → response_too_large
//!     for item in items.drain(..) {
//!         match item {
//!             StreamItem::Chunk(chunk) => assembler.push(&chunk), // and deliver the chunk
//!             StreamItem::Done => {}
//!             StreamItem::Error { raw } => panic!("classify {raw}"),
//!             StreamItem::Malformed { message } => panic!("malformed_response: {message}"),
//!         }
//!     }
//! }
//! decoder.finish(&mut items).unwrap(); // at end of input; handle `items` as above
//! let message = assembler.finish(decoder.saw_done()).unwrap();
//! assert_eq!(message["choices"][0]["message"]["content"], "Hello");
//! ```

mod assemble;
mod sse;

pub use assemble::{StreamAssembler, StreamEnd};
pub use sse::{SseError, SseEvent, SseParser, SseTail, DEFAULT_MAX_EVENT_BYTES};

use serde_json::Value;

/// What one event of a chat-completions stream is.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamItem {
    /// A `chat.completion.chunk` object (or any JSON object that is not an error).
    Chunk(Value),
    /// The provider reported an error inside the stream: `event: error`, an object with an
    /// `error` member (object or string), Anthropic's `{"type": "error", …}`, or Google's list
    /// `[{"error": …}]`. `raw` is the event's data, verbatim, for the classifier.
    Error {
        /// The event's data (or the body that came instead of a stream), verbatim.
        raw: String,
    },
    /// The data is not usable (not JSON, or JSON but not an object): class `malformed_response`.
    Malformed {
        /// What was wrong, with an excerpt of the data.
        message: String,
    },
    /// `data: [DONE]`: the stream is complete.
    Done,
}

/// What `event` means; `None` for an event that carries nothing (empty data: a keep-alive).
///
/// Invalid JSON that mentions `"error"` (e.g. a truncated Google error list) is reported as
/// [`StreamItem::Error`] rather than [`StreamItem::Malformed`], so the classifier can still read it.
pub fn interpret(event: &SseEvent) -> Option<StreamItem> {
    interpret_data(event.event.as_deref(), &event.data)
}

/// As [`interpret`], taking the event by value: a chunk comes with the JSON text it was parsed
/// from (the event's data, trimmed), so that whoever hands chunks on as text need not serialise
/// the parsed object again. The text is valid JSON of the same object.
pub(crate) fn interpret_keeping_text(event: SseEvent) -> Option<(StreamItem, Option<String>)> {
    let item = interpret_data(event.event.as_deref(), &event.data)?;
    if !matches!(item, StreamItem::Chunk(_)) {
        return Some((item, None));
    }
    let mut text = event.data;
    let trimmed = text.trim();
    if trimmed.len() != text.len() {
        text = trimmed.to_string();
    }
    Some((item, Some(text)))
}

fn interpret_data(event_type: Option<&str>, raw_data: &str) -> Option<StreamItem> {
    let data = raw_data.trim();
    let error_event = event_type == Some("error");
    if data.is_empty() {
        return error_event.then(|| StreamItem::Error {
            raw: raw_data.to_string(),
        });
    }
    if data == "[DONE]" {
        return Some(StreamItem::Done);
    }
    match serde_json::from_str::<Value>(data) {
        Ok(value) if error_event || is_error_payload(&value) => Some(StreamItem::Error {
            raw: data.to_string(),
        }),
        Ok(value @ Value::Object(_)) => Some(StreamItem::Chunk(value)),
        Ok(_) => Some(StreamItem::Malformed {
            message: format!(
                "a stream event's data is JSON but not an object: {}",
                excerpt(data)
            ),
        }),
        Err(_) if error_event || data.contains("\"error\"") => Some(StreamItem::Error {
            raw: data.to_string(),
        }),
        Err(error) => Some(StreamItem::Malformed {
            message: format!(
                "a stream event's data is not valid JSON ({error}): {}",
                excerpt(data)
            ),
        }),
    }
}

/// Whether a parsed payload is one of the error shapes providers send mid-stream.
fn is_error_payload(value: &Value) -> bool {
    match value {
        Value::Object(object) => {
            matches!(
                object.get("error"),
                Some(Value::Object(_) | Value::String(_) | Value::Number(_))
            ) || object.get("type").and_then(Value::as_str) == Some("error")
        }
        Value::Array(items) => items
            .first()
            .is_some_and(|first| first.is_object() && is_error_payload(first)),
        _ => false,
    }
}

/// The first 200 characters of `text`, for messages.
fn excerpt(text: &str) -> String {
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// [`SseParser`] and [`interpret`] together, remembering whether `[DONE]` arrived.
///
/// Events after `[DONE]` are ignored. At the end of the input, [`StreamDecoder::finish`] flushes
/// the last event, drops it if the input was cut inside it (the assembler then reports the
/// truncation), and — when the whole body held no event at all — reports that body as an
/// [`StreamItem::Error`], since a server that answers a stream request with a plain JSON or HTML
/// error is common.
#[derive(Debug, Clone, Default)]
pub struct StreamDecoder {
    parser: SseParser,
    saw_done: bool,
    scratch: Vec<SseEvent>,
}

impl StreamDecoder {
    /// A decoder with the default maximum event size.
    pub fn new() -> StreamDecoder {
        StreamDecoder::default()
    }

    /// A decoder whose events may not exceed `max_event_bytes` (see [`SseParser::with_max_event_bytes`]).
    pub fn with_max_event_bytes(max_event_bytes: usize) -> StreamDecoder {
        StreamDecoder {
            parser: SseParser::with_max_event_bytes(max_event_bytes),
            ..StreamDecoder::default()
        }
    }

    /// Parses `bytes`, appending the items they complete to `items`.
    pub fn feed(&mut self, bytes: &[u8], items: &mut Vec<StreamItem>) -> Result<(), SseError> {
        self.feed_with(bytes, &mut |item, _| items.push(item))
    }

    /// Ends the input, appending what the last bytes held.
    pub fn finish(&mut self, items: &mut Vec<StreamItem>) -> Result<(), SseError> {
        self.finish_with(&mut |item, _| items.push(item))
    }

    /// As [`StreamDecoder::feed`], each chunk paired with its JSON text (see
    /// [`interpret_keeping_text`]); other items come with `None`.
    pub(crate) fn feed_keeping_text(
        &mut self,
        bytes: &[u8],
        items: &mut Vec<(StreamItem, Option<String>)>,
    ) -> Result<(), SseError> {
        self.feed_with(bytes, &mut |item, text| items.push((item, text)))
    }

    /// As [`StreamDecoder::finish`], keeping each chunk's text as [`StreamDecoder::feed_keeping_text`].
    pub(crate) fn finish_keeping_text(
        &mut self,
        items: &mut Vec<(StreamItem, Option<String>)>,
    ) -> Result<(), SseError> {
        self.finish_with(&mut |item, text| items.push((item, text)))
    }

    fn feed_with(
        &mut self,
        bytes: &[u8],
        out: &mut dyn FnMut(StreamItem, Option<String>),
    ) -> Result<(), SseError> {
        let result = self.parser.feed(bytes, &mut self.scratch);
        let mut events = std::mem::take(&mut self.scratch);
        for event in events.drain(..) {
            if let Some((item, text)) = interpret_keeping_text(event) {
                self.accept(item, text, out);
            }
        }
        self.scratch = events; // keep the allocation for the next read
        result
    }

    fn finish_with(
        &mut self,
        out: &mut dyn FnMut(StreamItem, Option<String>),
    ) -> Result<(), SseError> {
        let tail = self.parser.finish()?;
        if let Some((item, text)) = tail.event.and_then(interpret_keeping_text) {
            // Cut inside its last line, bad JSON is a truncation, not a provider's malformed data.
            let cut_short = tail.cut_mid_line && matches!(item, StreamItem::Malformed { .. });
            if !cut_short {
                self.accept(item, text, out);
            }
        }
        if self.parser.events() == 0 && !self.parser.stray_text().trim().is_empty() {
            let raw = self.parser.stray_text().to_string();
            out(StreamItem::Error { raw }, None);
        }
        Ok(())
    }

    /// Whether `data: [DONE]` arrived.
    pub fn saw_done(&self) -> bool {
        self.saw_done
    }

    /// The parser, for its counters ([`SseParser::comments`], …).
    pub fn parser(&self) -> &SseParser {
        &self.parser
    }

    fn accept(
        &mut self,
        item: StreamItem,
        text: Option<String>,
        out: &mut dyn FnMut(StreamItem, Option<String>),
    ) {
        if !self.saw_done {
            self.saw_done = matches!(item, StreamItem::Done);
            out(item, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_keeping_text(pieces: &[&[u8]]) -> Vec<(StreamItem, Option<String>)> {
        let mut decoder = StreamDecoder::new();
        let mut items = Vec::new();
        for piece in pieces {
            decoder.feed_keeping_text(piece, &mut items).unwrap();
        }
        decoder.finish_keeping_text(&mut items).unwrap();
        items
    }

    #[test]
    fn a_chunk_keeps_the_providers_text_which_parses_to_the_same_object() {
        // Spacing, an escaped character and a number written with an exponent: the text is the
        // provider's, not a re-serialisation, and still the same object.
        let data = r#"{ "id" : "c1", "choices": [{"index": 0, "delta": {"content": "caf\u00e9"}}], "n": 1e2 }"#;
        let body = format!("data:  {data}  \n\ndata: [DONE]\n\n");
        let items = decode_keeping_text(&[body.as_bytes()]);
        assert_eq!(items.len(), 2);
        let (StreamItem::Chunk(chunk), Some(text)) = &items[0] else {
            panic!("not a chunk with its text: {:?}", items[0]);
        };
        assert_eq!(text, data, "the data, trimmed");
        assert_eq!(&serde_json::from_str::<Value>(text).unwrap(), chunk);
        assert_eq!(items[1], (StreamItem::Done, None));
    }

    #[test]
    fn a_chunk_split_across_reads_and_lines_keeps_its_whole_text() {
        let items = decode_keeping_text(&[b"data: {\"a\":", b"\r\ndata: [1,\n", b"data: 2]}\n\n"]);
        let (StreamItem::Chunk(chunk), Some(text)) = &items[0] else {
            panic!("not a chunk with its text: {:?}", items[0]);
        };
        assert_eq!(text, "{\"a\":\n[1,\n2]}");
        assert_eq!(chunk, &serde_json::json!({"a": [1, 2]}));
    }

    #[test]
    fn only_chunks_carry_text_and_both_paths_give_the_same_items() {
        let body: &[&[u8]] = &[
            b"data: {\"choices\":[]}\n\n: keep-alive\n\n",
            b"event: error\ndata: {\"error\":{\"message\":\"overloaded\"}}\n\n",
            b"data: [1]\n\ndata: {\"choices\":[]}\n\ndata: [DONE]\n\ndata: {\"late\":1}\n\n",
        ];
        let kept = decode_keeping_text(body);
        let texts: Vec<bool> = kept.iter().map(|(_, text)| text.is_some()).collect();
        assert_eq!(texts, [true, false, false, true, false]);
        let mut decoder = StreamDecoder::new();
        let mut items = Vec::new();
        for piece in body {
            decoder.feed(piece, &mut items).unwrap();
        }
        decoder.finish(&mut items).unwrap();
        let without_text: Vec<StreamItem> = kept.into_iter().map(|(item, _)| item).collect();
        assert_eq!(without_text, items);
    }

    #[test]
    fn a_body_that_is_not_a_stream_is_one_error_without_text() {
        let items = decode_keeping_text(&[b"{\"error\":{\"message\":\"bad key\"}}"]);
        assert!(
            matches!(&items[..], [(StreamItem::Error { raw }, None)] if raw.contains("bad key")),
            "{items:?}"
        );
    }
}
