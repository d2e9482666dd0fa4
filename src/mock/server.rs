//! The server's lifecycle: bind, accept, one thread per connection (capped), resets, and a
//! shutdown that stops promptly and joins every thread.
//!
//! For: [`MockServer`] and [`MockOptions`], and the only `unsafe` of the mock (setting
//! `SO_LINGER` to zero so a close is a real reset).
//!
//! Not for: what is said on a connection (`serve.rs`).

use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::Error;

use super::builtin;
use super::file;
use super::http::Limits;
use super::quota::{Outage, OutageMode, Quota, QuotaOptions};
use super::scenario::Scenario;
use super::serve::{serve_connection, Ending, Shared};
use super::state::Sessions;

/// How reads wait: in slices this long, checking the deadline and the stop flag in between.
const READ_SLICE: Duration = Duration::from_millis(100);
/// A client that does not read for this long loses its connection.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// How to start a [`MockServer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockOptions {
    /// The address to listen on; loopback by default. Anything else exposes the mock to the network.
    pub host: String,
    /// 0 picks a free port (see [`MockServer::port`]).
    pub port: u16,
    /// Scenario files to load (format in the module docs); any error stops the start.
    pub scenario_files: Vec<PathBuf>,
    /// Scenario documents given as JSON text, in the same format as the files.
    pub scenario_documents: Vec<String>,
    /// Size and time limits applied to every request the mock reads.
    pub limits: Limits,
    /// Answer every request at once with one fixed completion, skipping scenarios, routing and
    /// the request log: an endpoint for measuring clients (benchmarks), not for testing them.
    pub fast: bool,
    /// Requests and tokens per window per key and model (`--rpm`, `--tpm`, `--limit-window-ms`).
    pub quota: QuotaOptions,
    /// A scripted outage (`--outage START_MS:DURATION_MS[:MODE]`), on the mock's clock.
    pub outage: Option<Outage>,
}

impl Default for MockOptions {
    fn default() -> MockOptions {
        MockOptions {
            host: "127.0.0.1".to_string(),
            port: 0,
            scenario_files: Vec::new(),
            scenario_documents: Vec::new(),
            limits: Limits::default(),
            fast: false,
            quota: QuotaOptions::default(),
            outage: None,
        }
    }
}

/// A running simulated provider. Stops on [`MockServer::shutdown`] or when dropped.
///
/// ```
/// use llmwire::mock::{MockOptions, MockServer};
///
/// let server = MockServer::start(MockOptions::default())?;
/// assert!(server.base_url().starts_with("http://127.0.0.1:"));
/// let url = server.scenario_base_url("overloaded_then_ok:n=2", "doc-test");
/// assert!(url.ends_with("/s/overloaded_then_ok:n=2/doc-test/v1"));
/// server.shutdown();
/// # Ok::<(), llmwire::error::Error>(())
/// ```
pub struct MockServer {
    address: SocketAddr,
    shared: Arc<Shared>,
    registry: Arc<Registry>,
    accept_thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Loads the scenarios, binds, and starts accepting connections.
    ///
    /// Errors (`InvalidConfig`): an unreadable or invalid scenario file (the message names the
    /// file, the place and the key), a scenario name used twice or taken by a built-in, an
    /// address that cannot be listened on.
    pub fn start(mut options: MockOptions) -> Result<MockServer, Error> {
        let file_scenarios = load_scenarios(&options)?;
        apply_document_settings(&mut options)?;
        let listener = bind(&options.host, options.port)?;
        let address = listener
            .local_addr()
            .map_err(|e| Error::InvalidConfig(format!("cannot read the listening address: {e}")))?;
        let shared = Arc::new(Shared {
            limits: options.limits,
            stop: AtomicBool::new(false),
            sessions: Sessions::default(),
            file_scenarios,
            instance: instance_id(),
            serial: AtomicU64::new(1),
            fast_answer: options.fast.then(super::serve::fast_answer),
            quota: Quota::new(options.quota, options.outage),
        });
        let registry = Arc::new(Registry::default());
        let accept_thread = thread::Builder::new()
            .name("llmwire-mock-accept".into())
            .spawn({
                let shared = Arc::clone(&shared);
                let registry = Arc::clone(&registry);
                move || accept_loop(listener, &shared, &registry)
            })
            .map_err(|e| Error::Internal(format!("cannot start the accept thread: {e}")))?;
        Ok(MockServer {
            address,
            shared,
            registry,
            accept_thread: Some(accept_thread),
        })
    }

    /// The port the server listens on (the one picked, when the options asked for 0).
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// `http://127.0.0.1:PORT`: the server's origin, reachable from this host.
    pub fn origin(&self) -> String {
        format!("http://{}", connectable(self.address))
    }

    /// `http://127.0.0.1:PORT/v1`: a client's base URL for the default scenario (`echo`) and
    /// session (`default`).
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.origin())
    }

    /// `http://127.0.0.1:PORT/s/{scenario}/{session}/v1`: a client's base URL for a scenario spec
    /// (`name:key=value,…`) and a session id of its own (characters outside
    /// `A-Za-z0-9-._~:,=` are percent-encoded).
    pub fn scenario_base_url(&self, scenario: &str, session: &str) -> String {
        format!(
            "{}/s/{}/{}/v1",
            self.origin(),
            encode_segment(scenario),
            encode_segment(session)
        )
    }

    /// Like [`MockServer::scenario_base_url`], for the Gemini OpenAI-compatibility path:
    /// `http://127.0.0.1:PORT/s/{scenario}/{session}/v1beta/openai` (error bodies default to
    /// Google's format there).
    pub fn gemini_base_url(&self, scenario: &str, session: &str) -> String {
        format!(
            "{}/s/{}/{}/v1beta/openai",
            self.origin(),
            encode_segment(scenario),
            encode_segment(session)
        )
    }

    /// What `GET /_mock/requests?session=…` answers, without going through HTTP:
    /// `{"session", "requests": [...], "dropped"}`, secrets redacted.
    pub fn requests(&self, session: &str) -> serde_json::Value {
        self.shared.sessions.requests(session)
    }

    /// The quota's counters, as `GET /_mock/limits` answers them: `{"admitted", "limited",
    /// "outage_answers", "outage_refusals", "max_requests_in_window", "max_tokens_in_window",
    /// "now_ms"}`.
    pub fn limit_stats(&self) -> serde_json::Value {
        self.shared.quota.stats()
    }

    /// Replaces the limits while serving.
    pub fn set_quota(&self, quota: QuotaOptions) {
        self.shared.quota.set_options(quota);
    }

    /// Starts an outage now, for `duration_ms` on the mock's clock (`None` ends any outage).
    pub fn set_outage(&self, outage: Option<(u64, OutageMode)>) {
        let quota = &self.shared.quota;
        quota
            .set_outage(outage.map(|(duration_ms, mode)| quota.outage_from_now(duration_ms, mode)));
    }

    /// Moves the mock's clock forward: windows empty and outages end without waiting.
    pub fn advance_clock(&self, ms: u64) {
        self.shared.quota.clock.advance(ms);
    }

    /// Stops accepting, ends every connection (stalled answers included), and joins every thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(accept_thread) = self.accept_thread.take() else {
            return;
        };
        self.shared.stop.store(true, Ordering::SeqCst);
        self.registry.shut_down_all();
        // Wake the accept thread, blocked in accept(), with a connection of our own.
        let woken = TcpStream::connect_timeout(&connectable(self.address), Duration::from_secs(1));
        if woken.is_ok() {
            let _ = accept_thread.join();
        }
        // Otherwise the thread stays blocked until a connection comes; it owns nothing but the
        // listener, so leaving it detached is safe and joining would hang.
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Loads and checks scenario files as [`MockServer::start`] would, without starting anything;
/// returns the names of the scenarios they define, sorted.
pub fn check_scenario_files(files: &[PathBuf]) -> Result<Vec<String>, Error> {
    let options = MockOptions {
        scenario_files: files.to_vec(),
        ..MockOptions::default()
    };
    let mut names: Vec<String> = load_scenarios(&options)?.into_keys().collect();
    names.sort();
    Ok(names)
}

/// The `limits` and `outage` of scenario files and documents, unless the options set them.
fn apply_document_settings(options: &mut MockOptions) -> Result<(), Error> {
    let mut texts = Vec::new();
    for path in &options.scenario_files {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::InvalidConfig(format!(
                "{}: cannot read scenario file: {e}",
                path.display()
            ))
        })?;
        texts.push((path.display().to_string(), text));
    }
    for (i, document) in options.scenario_documents.iter().enumerate() {
        texts.push((format!("scenario document {}", i + 1), document.clone()));
    }
    for (origin, text) in texts {
        let (limits, outage) = super::quota::parse_settings(&text)
            .map_err(|e| Error::InvalidConfig(format!("{origin}: {e}")))?;
        if let (Some(limits), true) = (limits, options.quota == QuotaOptions::default()) {
            options.quota = limits;
        }
        if options.outage.is_none() {
            options.outage = outage;
        }
    }
    Ok(())
}

fn load_scenarios(options: &MockOptions) -> Result<HashMap<String, Scenario>, Error> {
    let mut scenarios = HashMap::new();
    let mut add = |origin: String, loaded: Vec<Scenario>| -> Result<(), Error> {
        for scenario in loaded {
            if builtin::find(&scenario.name).is_some() {
                return Err(Error::InvalidConfig(format!(
                    "{origin}: scenario \"{}\" has the name of a built-in scenario",
                    scenario.name
                )));
            }
            if scenarios.contains_key(&scenario.name) {
                return Err(Error::InvalidConfig(format!(
                    "{origin}: scenario \"{}\" is defined twice",
                    scenario.name
                )));
            }
            scenarios.insert(scenario.name.clone(), scenario);
        }
        Ok(())
    };
    for path in &options.scenario_files {
        let loaded = file::load_file(path).map_err(Error::InvalidConfig)?;
        add(path.display().to_string(), loaded)?;
    }
    for (i, document) in options.scenario_documents.iter().enumerate() {
        let origin = format!("scenario document {}", i + 1);
        let loaded = file::parse_document(document)
            .map_err(|e| Error::InvalidConfig(format!("{origin}: {e}")))?;
        add(origin, loaded)?;
    }
    Ok(scenarios)
}

fn bind(host: &str, port: u16) -> Result<TcpListener, Error> {
    let cannot =
        |reason: String| Error::InvalidConfig(format!("cannot listen on {host}:{port}: {reason}"));
    let addresses: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| cannot(e.to_string()))?
        .collect();
    let mut last_error = String::from("the host resolves to no address");
    for address in addresses {
        match TcpListener::bind(address) {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = e.to_string(),
        }
    }
    Err(cannot(last_error))
}

/// The address to connect to for a listening address (an unspecified address means loopback).
fn connectable(address: SocketAddr) -> SocketAddr {
    let ip = match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, address.port())
}

fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~:,=".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn instance_id() -> u32 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() ^ (d.as_secs() as u32));
    nanos ^ std::process::id().rotate_left(16)
}

/// Handles on live connections, so shutdown can end reads and writes that are blocked.
#[derive(Default)]
struct Registry {
    connections: Mutex<HashMap<u64, TcpStream>>,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, TcpStream>> {
        self.connections
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn insert(&self, id: u64, stream: TcpStream) {
        self.lock().insert(id, stream);
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    fn shut_down_all(&self) {
        for stream in self.lock().values() {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

fn accept_loop(listener: TcpListener, shared: &Arc<Shared>, registry: &Arc<Registry>) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    let mut next_id: u64 = 0;
    for incoming in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let stream = match incoming {
            Ok(stream) => stream,
            Err(_) => {
                // Out of file descriptors, or the client gave up already: try again shortly.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        workers.retain(|worker| !worker.is_finished());
        if workers.len() >= shared.limits.max_connections {
            turn_away(stream, shared);
            continue;
        }
        let Ok(handle) = stream.try_clone() else {
            continue;
        };
        next_id += 1;
        let id = next_id;
        registry.insert(id, handle);
        let spawned = thread::Builder::new()
            .name(format!("llmwire-mock-conn-{id}"))
            .spawn({
                let shared = Arc::clone(shared);
                let registry = Arc::clone(registry);
                move || run_connection(id, stream, &shared, &registry)
            });
        match spawned {
            Ok(worker) => workers.push(worker),
            Err(_) => registry.remove(id),
        }
    }
    registry.shut_down_all();
    for worker in workers {
        let _ = worker.join();
    }
}

/// Answers 503 to a connection over the cap, without a thread.
fn turn_away(mut stream: TcpStream, shared: &Shared) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let serial = shared.serial.fetch_add(1, Ordering::Relaxed);
    let body = r#"{"error":{"message":"llmwire mock: too many connections","type":"llmwire_mock_error","param":null,"code":null}}"#;
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nx-request-id: req_mock_{:08x}{serial:08x}\r\nx-llmwire-mock-error: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        shared.instance,
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.shutdown(std::net::Shutdown::Write);
}

/// Removes a connection from the registry when its thread ends, even by a panic: the socket
/// closes only when its last handle does.
struct Registered<'r> {
    registry: &'r Registry,
    id: u64,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.registry.remove(self.id);
    }
}

fn run_connection(id: u64, mut stream: TcpStream, shared: &Shared, registry: &Registry) {
    let _registered = Registered { registry, id };
    let _ = stream.set_nodelay(true);
    let configured = stream
        .set_read_timeout(Some(READ_SLICE))
        .and_then(|()| stream.set_write_timeout(Some(WRITE_TIMEOUT)));
    let ending = match configured {
        Ok(()) => serve_connection(&mut stream, shared),
        Err(_) => Ending::Close,
    };
    if ending == Ending::Reset {
        // SO_LINGER belongs to the socket, so the close that counts (the last handle's) resets.
        reset(&stream);
    }
}

/// Makes the coming close of `stream` a reset: the peer sees ECONNRESET, not an orderly end.
#[cfg(unix)]
#[allow(unsafe_code)] // std has no way to set SO_LINGER; libc::setsockopt is the only one.
fn reset(stream: &TcpStream) {
    use std::os::unix::io::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: the descriptor belongs to `stream`, which is open for the whole call; the option
    // value points to a live `libc::linger` and the length passed is exactly its size.
    let result = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast::<libc::c_void>(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    if result != 0 {
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }
}

/// Without `SO_LINGER` support the best approximation is an abrupt close.
#[cfg(not(unix))]
fn reset(stream: &TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_for_urls() {
        assert_eq!(
            encode_segment("overloaded_then_ok:n=3,format=gemini"),
            "overloaded_then_ok:n=3,format=gemini"
        );
        assert_eq!(encode_segment("a b/c"), "a%20b%2Fc");
    }

    #[test]
    fn unspecified_addresses_connect_over_loopback() {
        let any: SocketAddr = "0.0.0.0:80".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(connectable(any).to_string(), "127.0.0.1:80");
    }
}
