//! Minimal HTTP/1.1 for the mock, the request side: read one request from a connection.
//!
//! For: requests sent by HTTP clients under test (request line, headers, a `Content-Length` or
//! chunked body), with a cap on every size and a deadline on every read, so a broken or hostile
//! client costs the server one thread for a bounded time and nothing else.
//!
//! Not for: writing responses (`response.rs`), pipelining, request trailers (read and dropped),
//! obs-fold header continuations (rejected), HTTP/2, or reuse outside the mock. It is deliberately
//! strict and small.

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Size and time limits applied to every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body accepted; larger bodies are answered with 413.
    pub max_body_bytes: u64,
    /// Largest request line plus headers; larger heads are answered with 431.
    pub max_header_bytes: usize,
    /// Most header lines in one request; more are answered with 431.
    pub max_headers: usize,
    /// Time allowed from the first byte of a request to the end of its headers (slowloris guard).
    pub header_timeout: Duration,
    /// Time allowed to receive a whole request body.
    pub body_timeout: Duration,
    /// Time a kept-alive connection may sit idle between requests before it is closed.
    pub idle_timeout: Duration,
    /// Most connections served at once; more are answered with 503 and closed.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 32 * 1024 * 1024,
            max_header_bytes: 64 * 1024,
            max_headers: 128,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(60),
            max_connections: 2048,
        }
    }
}

/// A connection the mock can serve: a byte stream that can also send an orderly end of stream.
///
/// Implemented for `TcpStream`; a TLS stream can implement it too (with `close_notify` as the
/// half-close), which is all the request/response code needs.
pub trait Transport: Read + Write {
    /// Stop sending (TCP FIN) while still allowing reads.
    fn shutdown_write(&mut self) -> io::Result<()>;
}

impl Transport for std::net::TcpStream {
    fn shutdown_write(&mut self) -> io::Result<()> {
        self.shutdown(std::net::Shutdown::Write)
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn shutdown_write(&mut self) -> io::Result<()> {
        (**self).shutdown_write()
    }
}

/// The error kind a [`PatientReader`] returns once the server is shutting down.
pub const STOPPED: ErrorKind = ErrorKind::ConnectionAborted;

/// A reader over a transport whose own reads time out in short slices: it keeps waiting until its
/// deadline passes (then fails with `TimedOut`) or the server stops (then fails with [`STOPPED`]).
/// Writes pass straight through.
pub struct PatientReader<'s, T> {
    inner: T,
    deadline: Option<Instant>,
    stop: &'s AtomicBool,
}

impl<'s, T: Transport> PatientReader<'s, T> {
    pub fn new(inner: T, stop: &'s AtomicBool) -> PatientReader<'s, T> {
        PatientReader {
            inner,
            deadline: Some(Instant::now()),
            stop,
        }
    }

    /// Reads fail with `TimedOut` once `timeout` from now has passed (never, for a timeout too
    /// long to represent).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.deadline = Instant::now().checked_add(timeout);
    }

    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    pub fn shutdown_write(&mut self) -> io::Result<()> {
        self.inner.shutdown_write()
    }
}

impl<T: Transport> Read for PatientReader<'_, T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.stopping() {
                return Err(io::Error::new(STOPPED, "mock server is shutting down"));
            }
            match self.inner.read(buf) {
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if self
                        .deadline
                        .is_some_and(|deadline| Instant::now() >= deadline)
                    {
                        return Err(io::Error::new(ErrorKind::TimedOut, "read deadline passed"));
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }
}

impl<T: Transport> Write for PatientReader<'_, T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The connection as the request reader sees it.
pub type Conn<'s, T> = BufReader<PatientReader<'s, T>>;

/// HTTP version of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

/// The request line and headers of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub method: String,
    /// The request target as sent: path and optional query, not decoded.
    pub target: String,
    pub version: Version,
    /// Header names lowercased, values trimmed, in arrival order.
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// The first value of a header (name in lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the client asked to close the connection after this exchange.
    pub fn wants_close(&self) -> bool {
        let connection = self.header("connection").unwrap_or("").to_ascii_lowercase();
        let has = |token: &str| connection.split(',').any(|t| t.trim() == token);
        match self.version {
            Version::Http11 => has("close"),
            Version::Http10 => !has("keep-alive"),
        }
    }

    /// Whether the client waits for `100 Continue` before sending the body.
    pub fn expects_continue(&self) -> bool {
        self.version == Version::Http11
            && self
                .header("expect")
                .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    }
}

/// How the request body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    None,
    Length(u64),
    Chunked,
}

/// Why no request could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The connection ended, timed out while idle, failed, or the server is stopping: close
    /// without answering.
    Gone,
    /// The client was too slow in the middle of a request: answer 408 and close.
    TooSlow,
    /// The request is refused: answer with this status and message, then close.
    Refused { status: u16, message: String },
}

fn refused(status: u16, message: impl Into<String>) -> ReadError {
    ReadError::Refused {
        status,
        message: message.into(),
    }
}

fn from_io(error: &io::Error) -> ReadError {
    if error.kind() == ErrorKind::TimedOut {
        ReadError::TooSlow
    } else {
        ReadError::Gone
    }
}

/// Waits until the next request starts (or the idle timeout passes); `false` when the connection
/// is over.
pub fn await_request<T: Transport>(conn: &mut Conn<'_, T>, limits: &Limits) -> bool {
    conn.get_mut().set_timeout(limits.idle_timeout);
    matches!(conn.fill_buf(), Ok(bytes) if !bytes.is_empty())
}

/// Reads a request line and headers.
pub fn read_head<T: Transport>(conn: &mut Conn<'_, T>, limits: &Limits) -> Result<Head, ReadError> {
    conn.get_mut().set_timeout(limits.header_timeout);
    let mut budget = limits.max_header_bytes;
    let mut request_line = read_line(conn, &mut budget)?;
    if request_line.is_empty() {
        // RFC 9112 §2.2: ignore at least one empty line before the request line.
        request_line = read_line(conn, &mut budget)?;
    }
    let (method, target, version) = parse_request_line(&request_line)?;
    let mut headers = Vec::new();
    loop {
        let line = read_line(conn, &mut budget)?;
        if line.is_empty() {
            break;
        }
        if headers.len() == limits.max_headers {
            return Err(refused(431, "too many request headers"));
        }
        headers.push(parse_header_line(&line)?);
    }
    Ok(Head {
        method,
        target,
        version,
        headers,
    })
}

/// How the body of a request with this head is framed, or why it is refused.
pub fn body_framing(head: &Head, limits: &Limits) -> Result<BodyFraming, ReadError> {
    let transfer_encoding = head.header("transfer-encoding");
    let lengths: Vec<&str> = head
        .headers
        .iter()
        .filter(|(n, _)| n == "content-length")
        .map(|(_, v)| v.as_str())
        .collect();
    if let Some(coding) = transfer_encoding {
        if !lengths.is_empty() {
            return Err(refused(
                400,
                "both Transfer-Encoding and Content-Length were sent",
            ));
        }
        let last = coding.rsplit(',').next().unwrap_or("").trim();
        if !last.eq_ignore_ascii_case("chunked") || coding.contains(',') {
            return Err(refused(
                501,
                format!("unsupported Transfer-Encoding: {coding}"),
            ));
        }
        return Ok(BodyFraming::Chunked);
    }
    let Some(first) = lengths.first() else {
        return Ok(BodyFraming::None);
    };
    if lengths.iter().any(|l| l != first) {
        return Err(refused(400, "conflicting Content-Length headers"));
    }
    let length = parse_decimal(first)
        .ok_or_else(|| refused(400, format!("invalid Content-Length: {first}")))?;
    if length > limits.max_body_bytes {
        return Err(body_too_large(limits));
    }
    Ok(BodyFraming::Length(length))
}

fn body_too_large(limits: &Limits) -> ReadError {
    refused(
        413,
        format!("request body larger than {} bytes", limits.max_body_bytes),
    )
}

/// Reads the body announced by `framing`.
pub fn read_body<T: Transport>(
    conn: &mut Conn<'_, T>,
    framing: BodyFraming,
    limits: &Limits,
) -> Result<Vec<u8>, ReadError> {
    conn.get_mut().set_timeout(limits.body_timeout);
    match framing {
        BodyFraming::None => Ok(Vec::new()),
        BodyFraming::Length(length) => {
            let mut body = Vec::new();
            let read = conn
                .by_ref()
                .take(length)
                .read_to_end(&mut body)
                .map_err(|e| from_io(&e))?;
            if (read as u64) < length {
                return Err(ReadError::Gone);
            }
            Ok(body)
        }
        BodyFraming::Chunked => read_chunked_body(conn, limits),
    }
}

fn read_chunked_body<T: Transport>(
    conn: &mut Conn<'_, T>,
    limits: &Limits,
) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let mut line_budget = 4096;
        let size_line = read_line(conn, &mut line_budget)?;
        let size_text = size_line.split(';').next().unwrap_or("").trim();
        let size = u64::from_str_radix(size_text, 16)
            .ok()
            .filter(|_| !size_text.is_empty() && !size_text.starts_with('+'))
            .ok_or_else(|| {
                refused(
                    400,
                    format!("invalid chunk size line: {:?}", excerpt(&size_line)),
                )
            })?;
        if size == 0 {
            break;
        }
        if (body.len() as u64).saturating_add(size) > limits.max_body_bytes {
            return Err(body_too_large(limits));
        }
        let start = body.len();
        conn.by_ref()
            .take(size)
            .read_to_end(&mut body)
            .map_err(|e| from_io(&e))?;
        if ((body.len() - start) as u64) < size {
            return Err(ReadError::Gone);
        }
        expect_line_end(conn)?;
    }
    // Trailer fields: read and dropped.
    let mut budget = limits.max_header_bytes;
    while !read_line(conn, &mut budget)?.is_empty() {}
    Ok(body)
}

/// Reads the CRLF (or bare LF) that must follow chunk data.
fn expect_line_end<T: Transport>(conn: &mut Conn<'_, T>) -> Result<(), ReadError> {
    let mut byte = [0u8; 1];
    conn.read_exact(&mut byte).map_err(|e| from_io(&e))?;
    if byte[0] == b'\r' {
        conn.read_exact(&mut byte).map_err(|e| from_io(&e))?;
    }
    if byte[0] != b'\n' {
        return Err(refused(400, "chunk data longer than its announced size"));
    }
    Ok(())
}

/// Reads one line ending in LF (CRLF or bare LF), without the line ending, charging its length
/// against `budget`.
fn read_line<T: Transport>(
    conn: &mut Conn<'_, T>,
    budget: &mut usize,
) -> Result<String, ReadError> {
    let mut line = Vec::new();
    loop {
        let available = conn.fill_buf().map_err(|e| from_io(&e))?;
        if available.is_empty() {
            return Err(ReadError::Gone);
        }
        let (taken, done) = match available.iter().position(|&b| b == b'\n') {
            Some(newline) => (newline + 1, true),
            None => (available.len(), false),
        };
        if taken > *budget {
            return Err(refused(431, "request line or headers too large"));
        }
        *budget -= taken;
        line.extend_from_slice(&available[..taken]);
        conn.consume(taken);
        if done {
            break;
        }
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line).map_err(|_| refused(400, "request head is not valid UTF-8"))
}

fn parse_request_line(line: &str) -> Result<(String, String, Version), ReadError> {
    // The line is not echoed: its query string may hold a key.
    let malformed = || {
        refused(
            400,
            "malformed request line (expected: METHOD /path HTTP/1.1)",
        )
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(malformed());
    }
    if !target.starts_with('/') || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(malformed());
    }
    let version = match version {
        "HTTP/1.1" => Version::Http11,
        "HTTP/1.0" => Version::Http10,
        other if other.starts_with("HTTP/") => {
            return Err(refused(505, format!("unsupported HTTP version {other}")))
        }
        _ => return Err(malformed()),
    };
    Ok((method.to_string(), target.to_string(), version))
}

fn parse_header_line(line: &str) -> Result<(String, String), ReadError> {
    if line.starts_with([' ', '\t']) {
        return Err(refused(400, "obsolete header line folding is not accepted"));
    }
    // Only the name is echoed, never the value (it may be a key).
    let (name, value) = line
        .split_once(':')
        .ok_or_else(|| refused(400, "malformed header line (no colon)"))?;
    let malformed = || refused(400, format!("malformed header name {:?}", excerpt(name)));
    if name.is_empty() || !name.bytes().all(is_token_byte) {
        return Err(malformed());
    }
    Ok((
        name.to_ascii_lowercase(),
        value.trim_matches([' ', '\t']).to_string(),
    ))
}

/// At most the first 40 characters of `text`.
fn excerpt(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines_are_parsed_strictly() {
        let (method, target, version) = parse_request_line("POST /v1/chat/completions HTTP/1.1")
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (method.as_str(), target.as_str()),
            ("POST", "/v1/chat/completions")
        );
        assert_eq!(version, Version::Http11);
        for bad in [
            "GARBAGE",
            "GET /",
            "GET  / HTTP/1.1",
            "GET x HTTP/1.1",
            "GET / FTP/1.0",
        ] {
            assert!(
                matches!(
                    parse_request_line(bad),
                    Err(ReadError::Refused { status: 400, .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_request_line("GET / HTTP/2.0"),
            Err(ReadError::Refused { status: 505, .. })
        ));
    }

    #[test]
    fn header_lines_are_lowercased_and_trimmed() {
        assert_eq!(
            parse_header_line("Content-Type:  application/json \t"),
            Ok(("content-type".into(), "application/json".into()))
        );
        assert!(parse_header_line(" folded").is_err());
        assert!(parse_header_line("Bad Name: x").is_err());
        assert!(parse_header_line("no colon").is_err());
    }
}
