//! Streaming chat completions: server-sent events in, chunks, errors and one assembled message out.
//!
//! For: the pure half of `stream: true` — [`SseParser`] cuts bytes into events, [`interpret`] says
//! what each event is ([`StreamItem`]), [`StreamDecoder`] does both, and [`StreamAssembler`] builds
//! the final message from the chunks, as a non-streaming call would have returned it, or says why
//! the stream is incomplete ([`StreamEnd`]); [`completion_as_chunk`] turns a whole completion
//! that came where a stream was asked for into the one chunk that carries it. Not for: reading the socket, timeouts, delivering
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
mod ordinary;
mod sse;
mod whole;

pub use assemble::{StreamAssembler, StreamEnd};
pub use sse::{SseError, SseEvent, SseParser, SseTail, DEFAULT_MAX_EVENT_BYTES};
pub use whole::{completion_as_chunk, starts_as_json};

use std::borrow::Cow;

use serde_json::Value;

use ordinary::Ordinary;

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

/// The event's data without the whitespace around it, reusing its allocation when there is none.
fn trimmed(data: String) -> String {
    match data.trim() {
        trimmed if trimmed.len() == data.len() => data,
        trimmed => trimmed.to_string(),
    }
}

/// A chunk as the client's read loop hands it on: the provider's JSON text (the event's data,
/// trimmed), and the parsed object when the read built one (it builds none for a chunk the
/// assembler took straight from the text, see [`StreamAssembler::push_ordinary`]).
#[derive(Debug)]
pub(crate) struct ChunkText {
    /// Valid JSON of the chunk object, as the provider wrote it.
    pub(crate) text: String,
    parsed: Option<Value>,
}

impl ChunkText {
    /// A chunk llmwire made rather than read (see [`completion_as_chunk`]).
    pub(crate) fn made(chunk: Value) -> ChunkText {
        ChunkText {
            text: chunk.to_string(),
            parsed: Some(chunk),
        }
    }

    /// Whether the chunk gives the caller anything: a choice's delta with a member besides `role`
    /// that is not null, an empty string or an empty array (content, tool calls, reasoning, a
    /// refusal, …). A chunk with only a role, empty content or usage gives nothing, so a stream
    /// that fails after such chunks alone may still be sent again.
    pub(crate) fn carries_output(&self) -> bool {
        let given = |(key, value): (&String, &Value)| {
            key != "role"
                && match value {
                    Value::Null => false,
                    Value::String(text) => !text.is_empty(),
                    Value::Array(items) => !items.is_empty(),
                    _ => true,
                }
        };
        let value = self.value();
        let choices = value.get("choices").and_then(Value::as_array);
        choices.into_iter().flatten().any(|choice| {
            choice
                .get("delta")
                .and_then(Value::as_object)
                .is_some_and(|delta| delta.iter().any(given))
        })
    }

    /// The chunk as a `Value`: the one the read built, or one parsed from the text now.
    pub(crate) fn value(&self) -> Cow<'_, Value> {
        match &self.parsed {
            Some(value) => Cow::Borrowed(value),
            // The text was read as an object already, so this parse cannot fail.
            None => Cow::Owned(serde_json::from_str(&self.text).unwrap_or_default()),
        }
    }
}

/// What [`StreamDecoder::feed_assembling`] hands on: a chunk (already merged), or any other item
/// (never [`StreamItem::Chunk`]).
#[derive(Debug)]
pub(crate) enum Decoded {
    /// A chunk, with its text.
    Chunk(ChunkText),
    /// An error, malformed data, or `[DONE]`.
    Item(StreamItem),
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
        self.feed_into(bytes, items)
    }

    /// Ends the input, appending what the last bytes held.
    pub fn finish(&mut self, items: &mut Vec<StreamItem>) -> Result<(), SseError> {
        self.finish_into(items)
    }

    /// As [`StreamDecoder::feed`], for the client's read loop: each chunk is merged into
    /// `assembler` here (the common ones straight from their text, without building a `Value`)
    /// and handed on with its text.
    pub(crate) fn feed_assembling(
        &mut self,
        bytes: &[u8],
        assembler: &mut StreamAssembler,
        decoded: &mut Vec<Decoded>,
    ) -> Result<(), SseError> {
        self.feed_into(bytes, &mut Assembling { assembler, decoded })
    }

    /// As [`StreamDecoder::finish`], for the reader of [`StreamDecoder::feed_assembling`].
    pub(crate) fn finish_assembling(
        &mut self,
        assembler: &mut StreamAssembler,
        decoded: &mut Vec<Decoded>,
    ) -> Result<(), SseError> {
        self.finish_into(&mut Assembling { assembler, decoded })
    }

    fn feed_into(&mut self, bytes: &[u8], reader: &mut dyn Reader) -> Result<(), SseError> {
        let result = self.parser.feed(bytes, &mut self.scratch);
        let mut events = std::mem::take(&mut self.scratch);
        for event in events.drain(..) {
            // Events after [DONE] are ignored.
            if !self.saw_done {
                self.saw_done = reader.event(event, false);
            }
        }
        self.scratch = events; // keep the allocation for the next read
        result
    }

    fn finish_into(&mut self, reader: &mut dyn Reader) -> Result<(), SseError> {
        let tail = self.parser.finish()?;
        if let Some(event) = tail.event {
            if !self.saw_done {
                self.saw_done = reader.event(event, tail.cut_mid_line);
            }
        }
        if self.parser.events() == 0 && !self.parser.stray_text().trim().is_empty() {
            let raw = self.parser.stray_text().to_string();
            reader.item(StreamItem::Error { raw });
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
}

/// Where a decoder's items go: a list of items, or the client's assembling read.
trait Reader {
    /// Takes one event; returns whether it was `[DONE]`. `cut`: the input ended inside the
    /// event's last line, so bad JSON in it is a truncation (dropped; the assembler then reports
    /// it), not a provider's malformed data.
    fn event(&mut self, event: SseEvent, cut: bool) -> bool;

    /// Takes an item no event carried (a body that was not a stream at all).
    fn item(&mut self, item: StreamItem);
}

impl Reader for Vec<StreamItem> {
    fn event(&mut self, event: SseEvent, cut: bool) -> bool {
        match interpret(&event) {
            Some(StreamItem::Malformed { .. }) if cut => false,
            Some(item) => {
                let done = item == StreamItem::Done;
                self.push(item);
                done
            }
            None => false,
        }
    }

    fn item(&mut self, item: StreamItem) {
        self.push(item);
    }
}

/// The client's read: chunks merged into the assembler as they are decoded.
struct Assembling<'r> {
    assembler: &'r mut StreamAssembler,
    decoded: &'r mut Vec<Decoded>,
}

impl Reader for Assembling<'_> {
    fn event(&mut self, event: SseEvent, cut: bool) -> bool {
        // The common chunk needs no `Value`; anything else (including what an error event
        // carries) is interpreted in full.
        let merged = event.event.as_deref() != Some("error")
            && Ordinary::read(event.data.trim())
                .is_some_and(|chunk| self.assembler.push_ordinary(&chunk));
        if merged {
            let text = trimmed(event.data);
            self.decoded
                .push(Decoded::Chunk(ChunkText { text, parsed: None }));
            return false;
        }
        match interpret(&event) {
            Some(StreamItem::Chunk(value)) => {
                self.assembler.push(&value);
                let text = trimmed(event.data);
                self.decoded.push(Decoded::Chunk(ChunkText {
                    text,
                    parsed: Some(value),
                }));
                false
            }
            Some(StreamItem::Malformed { .. }) if cut => false,
            Some(item) => {
                let done = item == StreamItem::Done;
                self.decoded.push(Decoded::Item(item));
                done
            }
            None => false,
        }
    }

    fn item(&mut self, item: StreamItem) {
        self.decoded.push(Decoded::Item(item));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `pieces` as the client reads them, returning what was handed on and the assembler.
    fn read_assembling(pieces: &[&[u8]]) -> (Vec<Decoded>, StreamAssembler) {
        let mut decoder = StreamDecoder::new();
        let mut assembler = StreamAssembler::new();
        let mut reads = Vec::new();
        for piece in pieces {
            decoder
                .feed_assembling(piece, &mut assembler, &mut reads)
                .unwrap();
        }
        decoder
            .finish_assembling(&mut assembler, &mut reads)
            .unwrap();
        (reads, assembler)
    }

    /// Decodes `pieces` through the public path.
    fn decode(pieces: &[&[u8]]) -> Vec<StreamItem> {
        let mut decoder = StreamDecoder::new();
        let mut items = Vec::new();
        for piece in pieces {
            decoder.feed(piece, &mut items).unwrap();
        }
        decoder.finish(&mut items).unwrap();
        items
    }

    #[test]
    fn a_chunk_keeps_the_providers_text_which_parses_to_the_same_object() {
        // Spacing, an escaped character and a number written with an exponent: the text is the
        // provider's, not a re-serialisation, and still the same object.
        let data = r#"{ "id" : "c1", "choices": [{"index": 0, "delta": {"content": "caf\u00e9"}}], "n": 1e2 }"#;
        let body = format!("data:  {data}  \n\ndata: [DONE]\n\n");
        let (reads, _) = read_assembling(&[body.as_bytes()]);
        assert_eq!(reads.len(), 2);
        let Decoded::Chunk(chunk) = &reads[0] else {
            panic!("not a chunk: {:?}", reads[0]);
        };
        assert_eq!(chunk.text, data, "the data, trimmed");
        assert_eq!(*chunk.value(), serde_json::from_str::<Value>(data).unwrap());
        assert!(matches!(reads[1], Decoded::Item(StreamItem::Done)));
    }

    #[test]
    fn a_chunk_split_across_reads_and_lines_keeps_its_whole_text() {
        let (reads, _) = read_assembling(&[b"data: {\"a\":", b"\r\ndata: [1,\n", b"data: 2]}\n\n"]);
        let Decoded::Chunk(chunk) = &reads[0] else {
            panic!("not a chunk: {:?}", reads[0]);
        };
        assert_eq!(chunk.text, "{\"a\":\n[1,\n2]}");
        assert_eq!(*chunk.value(), serde_json::json!({"a": [1, 2]}));
    }

    #[test]
    fn ordinary_chunks_after_the_first_are_merged_from_their_text_alone() {
        let first = br#"data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#;
        let next = br#"data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"Hi \"there\""},"logprobs":null,"finish_reason":null}]}"#;
        let last = br#"data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#;
        let body = [
            &first[..],
            b"\n\n",
            next,
            b"\n\n",
            last,
            b"\n\ndata: [DONE]\n\n",
        ]
        .concat();
        let (reads, assembler) = read_assembling(&[&body]);
        let parsed: Vec<bool> = reads
            .iter()
            .filter_map(|read| match read {
                Decoded::Chunk(chunk) => Some(chunk.parsed.is_some()),
                Decoded::Item(_) => None,
            })
            .collect();
        // The first adds the header's members, so it is parsed; the others need no `Value`.
        assert_eq!(parsed, [true, false, false]);
        let message = assembler.finish(true).unwrap();
        assert_eq!(message["choices"][0]["message"]["content"], "Hi \"there\"");
        assert_eq!(message["choices"][0]["finish_reason"], "stop");
    }

    #[test]
    fn both_paths_give_the_same_items_and_only_chunks_carry_text() {
        let body: &[&[u8]] = &[
            b"data: {\"choices\":[]}\n\n: keep-alive\n\n",
            b"event: error\ndata: {\"error\":{\"message\":\"overloaded\"}}\n\n",
            b"data: [1]\n\ndata: {\"choices\":[]}\n\ndata: [DONE]\n\ndata: {\"late\":1}\n\n",
        ];
        let (reads, _) = read_assembling(body);
        let items = decode(body);
        assert_eq!(reads.len(), items.len());
        for (read, item) in reads.iter().zip(&items) {
            match (read, item) {
                (Decoded::Chunk(chunk), StreamItem::Chunk(value)) => {
                    assert_eq!(&*chunk.value(), value)
                }
                (Decoded::Item(read), item) => assert_eq!(read, item),
                other => panic!("the paths differ: {other:?}"),
            }
        }
    }

    #[test]
    fn a_body_that_is_not_a_stream_is_one_error() {
        let (reads, _) = read_assembling(&[b"{\"error\":{\"message\":\"bad key\"}}"]);
        assert!(
            matches!(&reads[..], [Decoded::Item(StreamItem::Error { raw })] if raw.contains("bad key")),
            "{reads:?}"
        );
    }
}
