//! An incremental parser for the `text/event-stream` format (the WHATWG server-sent events rules).
//!
//! For: turning bytes, fed in slices split anywhere (inside a UTF-8 character, between the CR and
//! LF of a line break), into complete events, with bounded memory. Not for: knowing what the events
//! mean (JSON chunks, `[DONE]`, errors: see [`super::interpret`]) or reading the socket.
//!
//! Rules followed: lines end in LF, CRLF or CR; a leading UTF-8 BOM is dropped; a line starting
//! with `:` is a comment (a keep-alive: counted, otherwise ignored); `name: value` loses one space
//! after the colon, and a line without a colon is a field with an empty value; `data` lines of one
//! event are joined with `\n`; `event`, `id` (ignored if it contains NUL) and `retry` (digits only)
//! are kept; unknown fields are ignored; a blank line dispatches the event, unless it has no `data`.
//!
//! The classifier has its own small reader for whole bodies (`classify::sse`), which must never
//! fail; its module says why the two stay apart.

use thiserror::Error;

/// The default cap on one event (its pending line, data and type together): 4 MiB, far above any
/// chat-completions chunk, even one carrying an image.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 4 * 1024 * 1024;

/// How much text of unrecognised lines is kept to explain a body that is not an event stream.
const STRAY_TEXT_LIMIT: usize = 4096;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field; `None` for the default type (`message`).
    pub event: Option<String>,
    /// The `data:` lines joined with `\n` (invalid UTF-8 replaced by U+FFFD).
    pub data: String,
    /// The stream's last event id (`id:`) when this event was dispatched, if any.
    pub id: Option<String>,
}

/// Why the parser cannot go on. After an error every further call returns it again.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SseError {
    /// One event grew beyond the configured maximum; the client reports `response_too_large`.
    #[error("a server-sent event exceeded {limit} bytes (the maximum event size)")]
    EventTooLarge {
        /// The configured maximum event size, in bytes.
        limit: usize,
    },
}

/// What was left when the input ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseTail {
    /// The event still being built, dispatched although its blank line never came.
    pub event: Option<SseEvent>,
    /// Whether the input ended inside a line (no line break after the last bytes): a sign the
    /// connection was cut, since every well-formed stream ends with a line break.
    pub cut_mid_line: bool,
}

/// An incremental SSE parser; see the module documentation for the rules.
///
/// ```
/// use llmwire::stream::SseParser;
/// let mut parser = SseParser::new();
/// let mut events = Vec::new();
/// parser.feed(b"data: {\"a\":", &mut events).unwrap();
/// parser.feed(b"1}\r\n\r\n: keep-alive\n", &mut events).unwrap();
/// assert_eq!(events.len(), 1);
/// assert_eq!(events[0].data, "{\"a\":1}");
/// assert_eq!(parser.comments(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct SseParser {
    max_event_bytes: usize,
    /// The current line, bytes not yet ended by a line break.
    line: Vec<u8>,
    /// The last byte seen was a CR: a LF right after it belongs to the same line break.
    after_cr: bool,
    at_first_line: bool,
    data: String,
    has_data: bool,
    event_type: String,
    last_event_id: Option<String>,
    retry_ms: Option<u64>,
    comments: u64,
    events: u64,
    stray_text: String,
    failed: Option<SseError>,
}

impl Default for SseParser {
    fn default() -> SseParser {
        SseParser::new()
    }
}

impl SseParser {
    /// A parser with the default maximum event size ([`DEFAULT_MAX_EVENT_BYTES`]).
    pub fn new() -> SseParser {
        SseParser::with_max_event_bytes(DEFAULT_MAX_EVENT_BYTES)
    }

    /// A parser that fails with [`SseError::EventTooLarge`] once one event (its unfinished line,
    /// data and type together) would exceed `max_event_bytes`.
    pub fn with_max_event_bytes(max_event_bytes: usize) -> SseParser {
        SseParser {
            max_event_bytes,
            line: Vec::new(),
            after_cr: false,
            at_first_line: true,
            data: String::new(),
            has_data: false,
            event_type: String::new(),
            last_event_id: None,
            retry_ms: None,
            comments: 0,
            events: 0,
            stray_text: String::new(),
            failed: None,
        }
    }

    /// Parses `input`, appending every event it completes to `events` (in order). Events completed
    /// before an error are still appended.
    pub fn feed(&mut self, mut input: &[u8], events: &mut Vec<SseEvent>) -> Result<(), SseError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        if self.after_cr && !input.is_empty() {
            // The previous slice ended with a CR: a LF starting this one completes that line break.
            self.after_cr = false;
            if input[0] == b'\n' {
                input = &input[1..];
            }
        }
        while !input.is_empty() {
            match input.iter().position(|&b| b == b'\n' || b == b'\r') {
                None => {
                    self.append_to_line(input)?;
                    break;
                }
                Some(end) => {
                    self.append_to_line(&input[..end])?;
                    let crlf = input[end] == b'\r' && input.get(end + 1) == Some(&b'\n');
                    self.after_cr = input[end] == b'\r' && end + 1 == input.len();
                    input = &input[end + if crlf { 2 } else { 1 }..];
                    self.end_line(events);
                }
            }
        }
        Ok(())
    }

    /// Ends the input: processes an unterminated last line and dispatches a pending event (a
    /// lenient departure from the spec, which drops it; the caller learns via
    /// [`SseTail::cut_mid_line`] whether the data may be cut short).
    pub fn finish(&mut self) -> Result<SseTail, SseError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let cut_mid_line = !self.line.is_empty();
        let mut events = Vec::new();
        if cut_mid_line {
            self.end_line(&mut events);
        }
        self.dispatch(&mut events);
        self.after_cr = false;
        Ok(SseTail {
            event: events.pop(),
            cut_mid_line,
        })
    }

    /// Comment lines seen so far (keep-alives such as `: OPENROUTER PROCESSING`).
    pub fn comments(&self) -> u64 {
        self.comments
    }

    /// Events dispatched so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The last `retry:` value (the reconnection delay the server suggests), if any.
    pub fn retry_ms(&self) -> Option<u64> {
        self.retry_ms
    }

    /// The first few KiB of lines that were neither comments nor known fields. When a stream
    /// yields no event at all, this is the body that came instead (often a JSON or HTML error).
    pub fn stray_text(&self) -> &str {
        &self.stray_text
    }

    fn append_to_line(&mut self, bytes: &[u8]) -> Result<(), SseError> {
        let pending = self.line.len() + self.data.len() + self.event_type.len();
        if pending.saturating_add(bytes.len()) > self.max_event_bytes {
            let error = SseError::EventTooLarge {
                limit: self.max_event_bytes,
            };
            // Free what the oversized event held; the parser is unusable from now on.
            *self = SseParser {
                failed: Some(error.clone()),
                ..SseParser::with_max_event_bytes(self.max_event_bytes)
            };
            return Err(error);
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn end_line(&mut self, events: &mut Vec<SseEvent>) {
        let mut line = std::mem::take(&mut self.line);
        let mut bytes: &[u8] = &line;
        if self.at_first_line {
            self.at_first_line = false;
            bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
        }
        self.process_line(bytes, events);
        line.clear();
        self.line = line; // keep the allocation for the next line
    }

    fn process_line(&mut self, line: &[u8], events: &mut Vec<SseEvent>) {
        if line.is_empty() {
            self.dispatch(events);
            return;
        }
        if line.first() == Some(&b':') {
            self.comments += 1;
            return;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        match name {
            b"data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                // Valid UTF-8 (the usual case) goes through the standard validator, faster than the lossy one.
                match std::str::from_utf8(value) {
                    Ok(text) => self.data.push_str(text),
                    Err(_) => self.data.push_str(&String::from_utf8_lossy(value)),
                }
                self.has_data = true;
            }
            b"event" => self.event_type = String::from_utf8_lossy(value).into_owned(),
            b"id" if !value.contains(&0) => {
                self.last_event_id =
                    (!value.is_empty()).then(|| String::from_utf8_lossy(value).into_owned());
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                // Digits only, so the text is ASCII; only a value beyond u64 fails, and is ignored.
                if let Ok(ms) = String::from_utf8_lossy(value).parse() {
                    self.retry_ms = Some(ms);
                }
            }
            b"id" | b"retry" => {}
            _ => self.keep_stray(line),
        }
    }

    fn keep_stray(&mut self, line: &[u8]) {
        if self.events > 0 || self.stray_text.len() >= STRAY_TEXT_LIMIT {
            return;
        }
        let text = String::from_utf8_lossy(line);
        let mut room = STRAY_TEXT_LIMIT - self.stray_text.len();
        let cut_short = text.len() > room;
        if cut_short {
            room = room.saturating_sub('…'.len_utf8());
        }
        let cut = crate::utf8::prefix(&text, room).len();
        if !self.stray_text.is_empty() {
            self.stray_text.push('\n');
        }
        self.stray_text.push_str(&text[..cut]);
        if cut_short {
            // Marked, so that whoever shows it knows it was cut (and a secret cut in two here is
            // still recognised: see `redact`).
            self.stray_text.push('…');
        }
    }

    fn dispatch(&mut self, events: &mut Vec<SseEvent>) {
        let event_type = std::mem::take(&mut self.event_type);
        if !std::mem::take(&mut self.has_data) {
            return;
        }
        self.events += 1;
        events.push(SseEvent {
            event: (!event_type.is_empty()).then_some(event_type),
            data: std::mem::take(&mut self.data),
            id: self.last_event_id.clone(),
        });
    }
}
