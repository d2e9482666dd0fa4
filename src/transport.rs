//! Transport: one HTTP exchange over a shared ureq agent, with hard limits.
//!
//! Every response is read in full (status, headers, body up to `max_response_bytes`), whatever its
//! status; a failure below HTTP becomes a [`TransportFault`]. TLS verification is always on: there
//! is deliberately no way to turn it off. Connections are pooled by the agent and reused across
//! calls and threads.
//!
//! Every blocking step (name lookup, connect, TLS, each read and write) is bounded by the running
//! call's deadline and stream timers and interrupted by its cancel token: see [`watch`] and
//! the `socket` module. A failure is named for what it was and the phase it cut ([`name_fault`]).
//!
//! Not here: deciding what a response means (classify) or whether to try again (retry).

pub(crate) mod socket;
pub mod watch;

use std::io::{self, Read};
use std::time::Duration;

use ureq::http::{HeaderName, HeaderValue};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, NextTimeout, Transport as Connection,
};

use self::socket::{off_thread, SocketConnector, Waited};
use self::watch::{Limit, Phase};

use crate::classify::TransportFault;
use crate::config::{ClientConfig, ProxySetting};
use crate::error::Error;

/// A complete HTTP response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    /// Kept as received; [`HttpResponse::header_pairs`] copies them out when they are needed
    /// (to classify a failure), so a success never pays for it.
    pub headers: ureq::http::HeaderMap,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The headers as owned name/value pairs, in arrival order (values read lossily).
    pub fn header_pairs(&self) -> Vec<(String, String)> {
        header_pairs(&self.headers)
    }
}

/// How one exchange ended.
#[derive(Debug)]
pub enum Exchange {
    /// The server answered (any status).
    Response(HttpResponse),
    /// No usable response: connection refused or reset, DNS, TLS, timeout, truncated body.
    Fault {
        fault: TransportFault,
        detail: String,
    },
    /// The body was larger than the configured cap.
    TooLarge { status: u16, limit: u64 },
}

/// A streaming response whose headers arrived with a 2xx status; the body is read incrementally.
pub struct OpenStream {
    pub status: u16,
    /// As received (see [`HttpResponse::headers`]).
    pub headers: ureq::http::HeaderMap,
    pub body: Box<dyn Read + Send>,
}

impl OpenStream {
    /// The headers as owned name/value pairs (see [`HttpResponse::header_pairs`]).
    pub fn header_pairs(&self) -> Vec<(String, String)> {
        header_pairs(&self.headers)
    }
}

/// The result of opening a stream: either the stream, or an exchange that ended otherwise.
pub enum StreamStart {
    Open(OpenStream),
    Ended(Exchange),
}

/// An HTTP client for one llmwire client: shared by every call and thread.
pub struct Transport {
    agent: ureq::Agent,
    /// Sent with every request: content type, authentication, the configured extra headers.
    /// Parsed once here rather than on every call.
    fixed_headers: Vec<(HeaderName, HeaderValue)>,
    max_response_bytes: u64,
    attempt_timeout: Duration,
    /// The longest single read of a stream's body, as a backstop where no stream timer is armed
    /// (the error body of a non-2xx answer): the larger of the two stream timers.
    stream_read_timeout: Duration,
}

/// An authentication header: its name, and its value (which holds the secret).
pub type AuthHeader = (&'static str, String);

impl Transport {
    /// Builds the agent (timeouts, proxy, trusted roots, user agent) and the headers every request
    /// carries.
    pub fn new(config: &ClientConfig, auth: Option<AuthHeader>) -> Result<Transport, Error> {
        let proxy = match &config.proxy {
            ProxySetting::Env => ureq::Proxy::try_from_env(),
            ProxySetting::None => None,
            ProxySetting::Url(url) => Some(ureq::Proxy::new(url).map_err(|e| {
                // Neither the URL nor ureq's words about it may show the password.
                let redactor = crate::redact::Redactor::new(crate::redact::url_credentials(url));
                let shown = crate::redact::shown_url(url);
                Error::InvalidConfig(format!(
                    "config: proxy \"{shown}\" is not usable: {}",
                    redactor.text(&e.to_string())
                ))
            })?),
        };
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(pem) = &config.ca_certs_pem {
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&parse_certificates(
                pem,
            )?));
        }
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(proxy)
            .tls_config(tls.build())
            .user_agent(config.user_agent.as_str())
            .timeout_connect(Some(Duration::from_millis(config.timeouts.connect_ms)))
            // A plain call is bounded as a whole; streams replace this with per-read limits.
            .timeout_global(Some(Duration::from_millis(config.timeouts.attempt_ms)))
            .max_redirects(0)
            .max_idle_connections_per_host(64)
            .build();
        let agent = ureq::Agent::with_parts(
            agent_config,
            ().chain(ureq::unversioned::transport::ConnectProxyConnector::default())
                .chain(SocketConnector)
                .chain(ureq::unversioned::transport::RustlsConnector::default())
                .chain(OneWriteConnector),
            CachingResolver::default(),
        );
        Ok(Transport {
            agent,
            fixed_headers: fixed_headers(config, auth)?,
            max_response_bytes: config.max_response_bytes,
            attempt_timeout: Duration::from_millis(config.timeouts.attempt_ms),
            stream_read_timeout: Duration::from_millis(
                config
                    .timeouts
                    .stream_idle_ms
                    .max(config.timeouts.first_chunk_ms),
            ),
        })
    }

    /// POSTs a JSON body, with `headers` added to the fixed ones, and reads the whole response
    /// within the attempt timeout.
    pub fn post(&self, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Exchange {
        match self.request(url, headers).send(body) {
            Ok(response) => {
                watch::advance(Phase::Body);
                self.read_whole(response)
            }
            Err(error) => fault_from(error),
        }
    }

    /// Reads a response to its end, within the size cap.
    fn read_whole(&self, mut response: ureq::http::Response<ureq::Body>) -> Exchange {
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let body = response
            .body_mut()
            .with_config()
            .limit(self.max_response_bytes)
            .read_to_vec();
        match body {
            Ok(body) => Exchange::Response(HttpResponse {
                status,
                headers,
                body,
            }),
            Err(ureq::Error::BodyExceedsLimit(limit)) => Exchange::TooLarge { status, limit },
            Err(error) => fault_from(error),
        }
    }

    /// POSTs a streaming request. A 2xx opens the stream (its reads bounded by the stream timers
    /// the caller arms, see [`watch::arm`]); any other status is read in full and returned as an
    /// ended exchange.
    pub fn post_stream(&self, url: &str, headers: &[(&str, &str)], body: &[u8]) -> StreamStart {
        let request = self
            .request(url, headers)
            .config()
            .timeout_global(None)
            .timeout_recv_response(Some(self.attempt_timeout))
            .timeout_per_read(Some(self.stream_read_timeout))
            .build();
        let mut response = match request.send(body) {
            Ok(response) => response,
            Err(error) => return StreamStart::Ended(fault_from(error)),
        };
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            watch::advance(Phase::Body);
            return StreamStart::Ended(self.read_whole(response));
        }
        watch::advance(Phase::FirstChunk);
        let headers = std::mem::take(response.headers_mut());
        let reader = response
            .into_body()
            .into_with_config()
            .limit(self.max_response_bytes)
            .reader();
        StreamStart::Open(OpenStream {
            status,
            headers,
            body: Box::new(reader),
        })
    }

    fn request(
        &self,
        url: &str,
        headers: &[(&str, &str)],
    ) -> ureq::RequestBuilder<ureq::typestate::WithBody> {
        let mut request = self.agent.post(url);
        for (name, value) in &self.fixed_headers {
            request = request.header(name, value);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request
    }
}

/// Content type, authentication (marked sensitive, so it is never shown) and the config's headers.
fn fixed_headers(
    config: &ClientConfig,
    auth: Option<AuthHeader>,
) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
    let mut headers = Vec::with_capacity(config.headers.len() + 2);
    headers.push((
        ureq::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    ));
    if let Some((name, value)) = auth {
        // ureq sends only visible ASCII: anything else would fail every attempt as a network fault.
        let mut value = HeaderValue::try_from(value)
            .ok()
            .filter(|value| value.to_str().is_ok())
            .ok_or_else(|| {
                Error::InvalidConfig(
                    "the API key holds characters an HTTP header cannot carry (a line break, a control character, a non-ASCII character?)".into(),
                )
            })?;
        value.set_sensitive(true);
        let name = HeaderName::try_from(name)
            .map_err(|_| Error::Internal(format!("bad auth header name {name}")))?;
        headers.push((name, value));
    }
    for (name, value) in &config.headers {
        let parsed = HeaderName::try_from(name.as_str()).ok().zip(
            HeaderValue::try_from(value.as_str())
                .ok()
                .filter(|value| value.to_str().is_ok()),
        );
        let Some((name, mut value)) = parsed else {
            return Err(Error::InvalidConfig(format!(
                "config: header \"{name}\" cannot be sent (invalid name, or a value with other than visible ASCII)"
            )));
        };
        // A secret never shows in a Debug form (of a request, a header map, an error).
        value.set_sensitive(config.is_sensitive_header(name.as_str()));
        headers.push((name, value));
    }
    Ok(headers)
}

/// Maps an I/O error raised while reading a stream body to a fault.
pub fn fault_from_io(error: &io::Error) -> (TransportFault, String) {
    let fault = in_phase(match error.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportFault::Timeout,
        io::ErrorKind::UnexpectedEof => TransportFault::Truncated,
        io::ErrorKind::ConnectionRefused => TransportFault::ConnectionRefused,
        // Only the TLS layer reports undecodable bytes this way (rustls: a bad certificate, a
        // corrupt record); plain HTTP protocol faults come as ureq's own errors.
        io::ErrorKind::InvalidData => TransportFault::Tls,
        _ => TransportFault::ConnectionReset,
    });
    // ureq wraps its own errors (timeouts, limits) in io::Error when read through a reader.
    let text = error.to_string();
    let fault = if text.contains("timeout") || text.contains("timed out") {
        TransportFault::Timeout
    } else {
        fault
    };
    (fault, text)
}

/// The cap a body read went over, when it failed because of `max_response_bytes` (ureq reports
/// it as an I/O error when the body is read through a reader, as a stream is).
pub fn exceeded_limit(error: &io::Error) -> Option<u64> {
    match error.get_ref()?.downcast_ref::<ureq::Error>()? {
        ureq::Error::BodyExceedsLimit(limit) => Some(*limit),
        _ => None,
    }
}

/// A failure during the name lookup is a DNS failure, one during the handshake a TLS failure,
/// whatever error the layer below raised (a timeout stays a timeout).
fn in_phase(fault: TransportFault) -> TransportFault {
    match (fault, watch::state()) {
        (TransportFault::Timeout, _) => TransportFault::Timeout,
        (_, Some((Phase::Dns, _))) => TransportFault::Dns,
        (TransportFault::ConnectionReset | TransportFault::Truncated, Some((Phase::Tls, _))) => {
            TransportFault::Tls
        }
        (fault, _) => fault,
    }
}

/// A transport fault as the attempt record names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedFault {
    /// What happened: `dns`, `connection_refused`, `connection_reset`, `tls`, `truncated`,
    /// `connect_timeout`, `attempt_timeout`, `deadline`, `first_chunk_timeout` or
    /// `stream_idle_timeout`.
    pub name: &'static str,
    /// Where the attempt was (`None` outside a call).
    pub phase: Option<Phase>,
    /// The llmwire limit that cut the attempt, if one did.
    pub limit: Option<Limit>,
}

/// Names `fault` for the attempt that just ended on this thread, from the phase it reached and
/// the limit (if any) that cut it.
pub fn name_fault(fault: TransportFault) -> NamedFault {
    let (phase, limit) = watch::state().map_or((None, None), |(phase, cut)| (Some(phase), cut));
    let name = match (fault, limit) {
        (TransportFault::Timeout, Some(Limit::Deadline)) => "deadline",
        (TransportFault::Timeout, Some(Limit::FirstChunk)) => "first_chunk_timeout",
        (TransportFault::Timeout, Some(Limit::StreamIdle)) => "stream_idle_timeout",
        (TransportFault::Timeout, None) if phase.is_some_and(|p| p <= Phase::Connect) => {
            "connect_timeout"
        }
        (TransportFault::Timeout, None) => "attempt_timeout",
        (TransportFault::Dns, _) => "dns",
        (TransportFault::ConnectionRefused, _) => "connection_refused",
        (TransportFault::ConnectionReset, _) => "connection_reset",
        (TransportFault::Tls, _) => "tls",
        (TransportFault::Truncated, _) => "truncated",
    };
    NamedFault { name, phase, limit }
}

fn fault_from(error: ureq::Error) -> Exchange {
    let fault = in_phase(match &error {
        ureq::Error::Timeout(_) => TransportFault::Timeout,
        ureq::Error::HostNotFound => TransportFault::Dns,
        ureq::Error::ConnectionFailed => TransportFault::ConnectionRefused,
        ureq::Error::Tls(_) | ureq::Error::Pem(_) | ureq::Error::Rustls(_) => TransportFault::Tls,
        // Not HTTP, or a head past ureq's limit: the answer arrived, unreadable.
        ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) => {
            TransportFault::Truncated
        }
        ureq::Error::Io(io_error) => fault_from_io(io_error).0,
        ureq::Error::BodyExceedsLimit(limit) => {
            return Exchange::TooLarge {
                status: 0,
                limit: *limit,
            }
        }
        _ => TransportFault::ConnectionReset,
    });
    Exchange::Fault {
        fault,
        detail: error.to_string(),
    }
}

/// Requests up to this size (head and body together) leave in one write.
const ONE_WRITE_LIMIT: usize = 64 * 1024;

/// Wraps every connection in [`OneWrite`].
#[derive(Debug)]
struct OneWriteConnector;

impl<In: Connection> Connector<In> for OneWriteConnector {
    type Out = OneWrite;

    fn connect(
        &self,
        _: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<OneWrite>, ureq::Error> {
        Ok(chained.map(|inner| OneWrite {
            inner: Box::new(inner),
            pending: Vec::new(),
            refused: None,
            closed: false,
        }))
    }
}

/// Sends a request's head and body in one write, and reads the answer of a server that stopped
/// reading the request.
///
/// ureq writes the head, then the body, as two writes; with `TCP_NODELAY` they leave as two
/// segments, and a server on another core wakes up for the head only to wait again for the body.
/// Here writes are held back (up to [`ONE_WRITE_LIMIT`]) until the first read, which is when the
/// request is complete, and then go out together.
///
/// A server may also answer before the body is all sent (a 413 for a body over its limit) and
/// close: the next write fails with a broken pipe. The rest of the body is then dropped and the
/// answer read; only when there is none is the write failure reported.
#[derive(Debug)]
struct OneWrite {
    inner: Box<dyn Connection>,
    pending: Vec<u8>,
    /// The write failure of a server that closed its side while the request was being sent,
    /// until the wait for its answer.
    refused: Option<ureq::Error>,
    /// The server closed its side once: the connection is not reused.
    closed: bool,
}

impl OneWrite {
    fn flush(&mut self, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let mut sent = 0;
        while sent < self.pending.len() && !self.closed {
            let output = self.inner.buffers().output();
            let amount = output.len().min(self.pending.len() - sent);
            output[..amount].copy_from_slice(&self.pending[sent..sent + amount]);
            self.send(amount, timeout)?;
            sent += amount;
        }
        self.pending.clear();
        Ok(())
    }

    /// Transmits `amount` bytes of the output buffer, keeping a peer's close for later.
    fn send(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        match self.inner.transmit_output(amount, timeout) {
            Err(error) if peer_closed(&error) => {
                self.refused = Some(error);
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }

    /// After waiting for input: the answer if one came, else why the request could not be sent.
    fn answered(&mut self, waited: Result<bool, ureq::Error>) -> Result<bool, ureq::Error> {
        match (waited, self.refused.take()) {
            (Ok(true), _) => Ok(true),
            (_, Some(refused)) => Err(refused),
            (waited, None) => waited,
        }
    }
}

/// A write failed because the server closed the connection (it may have answered first).
fn peer_closed(error: &ureq::Error) -> bool {
    matches!(error, ureq::Error::Io(io) if matches!(
        io.kind(),
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
    ))
}

impl Connection for OneWrite {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        watch::advance(Phase::Send);
        if self.closed {
            return Ok(()); // the server stopped reading: the rest of the request is dropped
        }
        if self.pending.is_empty() && amount >= ONE_WRITE_LIMIT {
            return self.send(amount, timeout);
        }
        let output = &self.inner.buffers().output()[..amount];
        self.pending.extend_from_slice(output);
        if self.pending.len() >= ONE_WRITE_LIMIT {
            self.flush(timeout)?;
        }
        Ok(())
    }

    fn maybe_await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.flush(timeout)?;
        watch::advance(Phase::Head);
        let waited = self.inner.maybe_await_input(timeout);
        self.answered(waited)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.flush(timeout)?;
        watch::advance(Phase::Head);
        let waited = self.inner.await_input(timeout);
        self.answered(waited)
    }

    fn is_open(&mut self) -> bool {
        !self.closed && self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

/// How long a resolved address is reused before the host is looked up again.
const DNS_CACHE_TTL: Duration = Duration::from_secs(30);

/// Resolves IP literals without a lookup and caches host lookups for [`DNS_CACHE_TTL`].
///
/// ureq resolves the host for every request, even one that reuses a pooled connection, and
/// spawns a thread per lookup when a timeout applies: a cost on every call that a client talking
/// to one endpoint over and over does not need to pay.
#[derive(Debug, Default)]
struct CachingResolver {
    cache: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, ResolvedAddrs)>>,
}

type ResolvedAddrs = ureq::unversioned::resolver::ResolvedSocketAddrs;

impl ureq::unversioned::resolver::Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedAddrs, ureq::Error> {
        watch::advance(Phase::Dns);
        let (Some(host), Some(port)) = (uri.host(), uri.port_u16().or(default_port(uri))) else {
            return bounded_lookup(uri, config, timeout);
        };
        if let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
        {
            let mut addrs = self.empty();
            addrs.push(std::net::SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let key = format!("{host}:{port}");
        let now = std::time::Instant::now();
        let cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((resolved_at, addrs)) = cache.get(&key) {
            if now.duration_since(*resolved_at) < DNS_CACHE_TTL {
                return Ok(addrs.clone());
            }
        }
        drop(cache);
        let addrs = bounded_lookup(uri, config, timeout)?;
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= 64 {
            cache.clear();
        }
        cache.insert(key, (now, addrs.clone()));
        Ok(addrs)
    }
}

/// Looks a host up on a helper thread (`getaddrinfo` cannot be interrupted), waiting at most the
/// time the call has left and no longer than a cancel.
fn bounded_lookup(
    uri: &ureq::http::Uri,
    config: &ureq::config::Config,
    timeout: NextTimeout,
) -> Result<ResolvedAddrs, ureq::Error> {
    use ureq::unversioned::resolver::Resolver as _;
    let bound = (!timeout.after.is_not_happening()).then(|| *timeout.after);
    let (uri, config) = (uri.clone(), config.clone());
    match off_thread(bound, move |_| {
        // Unbounded here: the waiting side gives up on it instead.
        ureq::unversioned::resolver::DefaultResolver::default().resolve(
            &uri,
            &config,
            NextTimeout::default(),
        )
    }) {
        Waited::Done(result) => result,
        Waited::TimedOut => Err(ureq::Error::Timeout(ureq::Timeout::Resolve)),
        Waited::Cancelled => Err(socket::cancelled_error()),
    }
}

fn default_port(uri: &ureq::http::Uri) -> Option<u16> {
    match uri.scheme_str() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    }
}

fn header_pairs(headers: &ureq::http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn parse_certificates(pem: &str) -> Result<Vec<ureq::tls::Certificate<'static>>, Error> {
    let mut certificates = Vec::new();
    for item in ureq::tls::parse_pem(pem.as_bytes()) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(certificate)) => certificates.push(certificate),
            Ok(_) => {}
            Err(e) => {
                return Err(Error::InvalidConfig(format!(
                    "config: ca_certs_pem is not valid PEM: {e}"
                )))
            }
        }
    }
    if certificates.is_empty() {
        return Err(Error::InvalidConfig(
            "config: ca_certs_pem holds no certificate".into(),
        ));
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::unversioned::transport::LazyBuffers;

    /// A connection that records every write it is asked to make; after `accepts` writes it fails
    /// them as a server that closed would, and `answer` says whether input then arrives.
    #[derive(Debug)]
    struct Recorder {
        buffers: LazyBuffers,
        writes: std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
        accepts: usize,
        answer: bool,
    }

    impl Connection for Recorder {
        fn buffers(&mut self) -> &mut dyn Buffers {
            &mut self.buffers
        }

        fn transmit_output(&mut self, amount: usize, _: NextTimeout) -> Result<(), ureq::Error> {
            let mut writes = self.writes.lock().unwrap();
            if writes.len() == self.accepts {
                return Err(io::Error::from(io::ErrorKind::BrokenPipe).into());
            }
            writes.push(self.buffers.output()[..amount].to_vec());
            Ok(())
        }

        fn await_input(&mut self, _: NextTimeout) -> Result<bool, ureq::Error> {
            if self.answer {
                Ok(true)
            } else {
                Err(io::Error::from(io::ErrorKind::ConnectionReset).into())
            }
        }

        fn is_open(&mut self) -> bool {
            true
        }
    }

    fn one_write(
        accepts: usize,
        answer: bool,
    ) -> (OneWrite, std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>) {
        let writes = std::sync::Arc::default();
        let one = OneWrite {
            inner: Box::new(Recorder {
                buffers: LazyBuffers::new(16 * 1024, 16 * 1024),
                writes: std::sync::Arc::clone(&writes),
                accepts,
                answer,
            }),
            pending: Vec::new(),
            refused: None,
            closed: false,
        };
        (one, writes)
    }

    /// Feeds `pieces` to `one` as ureq does (each into the output buffer, then transmitted).
    fn send_all(one: &mut OneWrite, pieces: &[Vec<u8>]) {
        for piece in pieces {
            for chunk in piece.chunks(16 * 1024) {
                one.buffers().output()[..chunk.len()].copy_from_slice(chunk);
                one.transmit_output(chunk.len(), NextTimeout::default())
                    .unwrap();
            }
        }
    }

    /// Writes `pieces` through a [`OneWrite`], waits for input, and returns the writes that
    /// reached the connection.
    fn writes_for(pieces: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let (mut one, writes) = one_write(usize::MAX, true);
        send_all(&mut one, pieces);
        one.await_input(NextTimeout::default()).unwrap();
        let writes = writes.lock().unwrap().clone();
        writes
    }

    #[test]
    fn head_and_body_leave_in_one_write() {
        let head = b"POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 17\r\n\r\n".to_vec();
        let body = br#"{"messages": []} "#.to_vec();
        let writes = writes_for(&[head.clone(), body.clone()]);
        assert_eq!(writes, vec![[head, body].concat()]);
    }

    #[test]
    fn large_requests_still_arrive_whole_and_in_order() {
        let head = b"POST / HTTP/1.1\r\n\r\n".to_vec();
        let body: Vec<u8> = (0..200_000_u32).map(|i| (i % 251) as u8).collect();
        let writes = writes_for(&[head.clone(), body.clone()]);
        assert!(writes.len() > 1, "a large body streams");
        assert_eq!(writes.concat(), [head, body].concat());
    }

    #[test]
    fn an_answer_sent_before_the_body_was_read_is_still_read() {
        let body = vec![b'x'; 300_000];
        // The server takes the first 64 KiB, answers (a 413, say) and closes.
        let (mut one, writes) = one_write(1, true);
        send_all(
            &mut one,
            &[b"POST / HTTP/1.1\r\n\r\n".to_vec(), body.clone()],
        );
        assert!(one.await_input(NextTimeout::default()).unwrap());
        assert_eq!(
            writes.lock().unwrap().len(),
            1,
            "nothing sent after the close"
        );
        // The same close with no answer reports the write failure, not the read's.
        let (mut one, _) = one_write(1, false);
        send_all(&mut one, &[body]);
        let error = one.await_input(NextTimeout::default()).unwrap_err();
        assert!(
            error.to_string().to_lowercase().contains("broken pipe"),
            "{error}"
        );
    }
}
