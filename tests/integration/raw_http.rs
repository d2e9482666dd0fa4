//! A minimal raw-socket HTTP/1.1 client for the mock's tests: it reports what is on the wire
//! (resets, early ends, truncated chunks) instead of hiding it the way full clients do.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use llmwire::mock::{MockOptions, MockServer};
use serde_json::Value;

/// How long any single read may block before the test fails instead of hanging.
pub const READ_TIMEOUT: Duration = Duration::from_secs(20);

pub fn start() -> MockServer {
    start_with(MockOptions::default())
}

pub fn start_with(options: MockOptions) -> MockServer {
    MockServer::start(options).unwrap_or_else(|e| panic!("mock did not start: {e}"))
}

/// A response as received.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When the status line arrived, counted from the end of sending the request.
    pub head_after: Duration,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }

    /// The `data:` payloads of an SSE body, in order.
    pub fn sse_data(&self) -> Vec<String> {
        self.text()
            .split("\n\n")
            .filter_map(|event| event.strip_prefix("data: "))
            .map(str::to_string)
            .collect()
    }
}

/// What went wrong on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    /// ECONNRESET.
    Reset,
    /// The connection ended before a complete response: no status line at all (`head` false), or
    /// a body shorter than announced / a chunked body without its last chunk.
    EndedEarly {
        head: bool,
        status: Option<u16>,
        body_bytes: usize,
    },
    Timeout,
    Other(String),
}

fn wire_error(error: &std::io::Error) -> WireError {
    match error.kind() {
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
            WireError::Reset
        }
        ErrorKind::WouldBlock | ErrorKind::TimedOut => WireError::Timeout,
        ErrorKind::UnexpectedEof => WireError::EndedEarly {
            head: false,
            status: None,
            body_bytes: 0,
        },
        _ => WireError::Other(error.to_string()),
    }
}

/// One client connection (keep-alive capable).
pub struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    pub fn open(port: u16) -> Connection {
        let stream =
            TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("connect: {e}"));
        stream
            .set_read_timeout(Some(READ_TIMEOUT))
            .unwrap_or_else(|e| panic!("{e}"));
        Connection {
            reader: BufReader::new(stream),
        }
    }

    pub fn stream(&mut self) -> &mut TcpStream {
        self.reader.get_mut()
    }

    /// Sends raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<(), WireError> {
        let stream = self.reader.get_mut();
        stream
            .write_all(bytes)
            .and_then(|()| stream.flush())
            .map_err(|e| wire_error(&e))
    }

    /// Sends a request with a `content-length` body (when `body` is not empty).
    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<(), WireError> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            head.push_str(&format!("content-length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        self.send_raw(&bytes)
    }

    /// Reads one complete response.
    pub fn read_response(&mut self) -> Result<Response, WireError> {
        let sent = Instant::now();
        let status_line = self.read_line()?.ok_or(WireError::EndedEarly {
            head: false,
            status: None,
            body_bytes: 0,
        })?;
        let head_after = sent.elapsed();
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| WireError::Other(format!("bad status line {status_line:?}")))?;
        let mut headers = Vec::new();
        loop {
            let line = self.read_line()?.ok_or(WireError::EndedEarly {
                head: false,
                status: Some(status),
                body_bytes: 0,
            })?;
            if line.is_empty() {
                break;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| WireError::Other(format!("bad header {line:?}")))?;
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
        let mut response = Response {
            status,
            headers,
            body: Vec::new(),
            head_after,
        };
        if status == 100 {
            return self.read_response();
        }
        let ended = |body_bytes: usize| WireError::EndedEarly {
            head: true,
            status: Some(status),
            body_bytes,
        };
        if response
            .header("transfer-encoding")
            .is_some_and(|te| te.contains("chunked"))
        {
            loop {
                let size_line = match self.read_line() {
                    Ok(Some(line)) => line,
                    Ok(None) => return Err(ended(response.body.len())),
                    Err(e) => return Err(e),
                };
                let size = usize::from_str_radix(size_line.trim(), 16)
                    .map_err(|_| WireError::Other(format!("bad chunk size {size_line:?}")))?;
                if size == 0 {
                    self.read_line()?;
                    break;
                }
                let mut chunk = vec![0; size];
                let read = read_fully(&mut self.reader, &mut chunk)?;
                response.body.extend_from_slice(&chunk[..read]);
                if read < size {
                    return Err(ended(response.body.len()));
                }
                self.read_line()?;
            }
        } else if let Some(length) = response.header("content-length") {
            let length: usize = length
                .parse()
                .map_err(|_| WireError::Other("bad content-length".into()))?;
            let mut body = vec![0; length];
            let read = read_fully(&mut self.reader, &mut body)?;
            body.truncate(read);
            response.body = body;
            if read < length {
                return Err(ended(read));
            }
        } else {
            self.reader
                .read_to_end(&mut response.body)
                .map_err(|e| wire_error(&e))?;
        }
        Ok(response)
    }

    /// A line without its CRLF; `None` at a clean end of stream.
    fn read_line(&mut self) -> Result<Option<String>, WireError> {
        let mut line = Vec::new();
        let read = self
            .reader
            .read_until(b'\n', &mut line)
            .map_err(|e| wire_error(&e))?;
        if read == 0 {
            return Ok(None);
        }
        if line.last() != Some(&b'\n') {
            return Ok(None);
        }
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(Some(String::from_utf8_lossy(&line).into_owned()))
    }

    /// Whether the server closes the connection (EOF or a reset) within `wait`; whatever it
    /// still sends before that is read and dropped.
    pub fn is_closed_by_server(&mut self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        let mut buf = [0u8; 4096];
        let closed = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break false;
            }
            let _ = self.reader.get_mut().set_read_timeout(Some(left));
            match self.reader.read(&mut buf) {
                Ok(0) => break true,
                Ok(_) => {}
                Err(e) => break !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            }
        };
        let _ = self.reader.get_mut().set_read_timeout(Some(READ_TIMEOUT));
        closed
    }
}

/// Reads until `buf` is full or the stream ends; the count read.
fn read_fully(reader: &mut impl Read, buf: &mut [u8]) -> Result<usize, WireError> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(wire_error(&e)),
        }
    }
    Ok(filled)
}

/// A chat request body with one user message.
pub fn chat_body(text: &str) -> Value {
    serde_json::json!({"model": "test-model", "messages": [{"role": "user", "content": text}]})
}

/// A streaming chat request body with one user message.
pub fn stream_body(text: &str) -> Value {
    serde_json::json!({"model": "test-model", "stream": true, "messages": [{"role": "user", "content": text}]})
}

/// POSTs `body` to `path` on a fresh connection.
pub fn post(port: u16, path: &str, body: &Value) -> Result<Response, WireError> {
    post_with(port, path, &[], body)
}

pub fn post_with(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> Result<Response, WireError> {
    let mut connection = Connection::open(port);
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    connection.send("POST", path, &all, body.to_string().as_bytes())?;
    connection.read_response()
}

/// GETs `path` on a fresh connection.
pub fn get(port: u16, path: &str) -> Result<Response, WireError> {
    let mut connection = Connection::open(port);
    connection.send("GET", path, &[], b"")?;
    connection.read_response()
}

/// The chat-completions path of a scenario and session.
pub fn chat_path(scenario: &str, session: &str) -> String {
    format!("/s/{scenario}/{session}/v1/chat/completions")
}

/// The chat-completions path on the Gemini compatibility endpoint.
pub fn gemini_path(scenario: &str, session: &str) -> String {
    format!("/s/{scenario}/{session}/v1beta/openai/chat/completions")
}

pub fn ok(result: Result<Response, WireError>) -> Response {
    result.unwrap_or_else(|e| panic!("expected a response, got {e:?}"))
}
