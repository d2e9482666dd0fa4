//! The TCP layer under ureq, built so that a call's deadline and cancel reach every blocking step.
//!
//! ureq's own TCP connector connects and reads with blocking system calls bounded only by ureq's
//! timeouts, and its resolver calls the blocking `getaddrinfo`. Here:
//!
//! - a name lookup and a TCP connect run on a helper thread while the call waits on its cancel
//!   token, for at most the time left ([`off_thread`]); a cancel or a passed limit ends the wait at
//!   once and the helper, bounded by the connect timeout, finishes alone and drops its result;
//! - every socket read and write waits at most the nearest of ureq's timeout and the call's limits
//!   (deadline, stream timers), and registers the socket with the call's cancel token so that a
//!   cancel shuts it down (see [`crate::client::cancel`]).
//!
//! TLS runs on top of [`SocketTransport`], so the handshake is bounded and cancellable too.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
};
use ureq::Timeout;

use super::watch::{self, Phase};
use crate::client::cancel::{Interrupt, INTERRUPT_POLL};

impl Interrupt for TcpStream {
    fn interrupt(&self) {
        // An error means the socket is already shut down or closed: nothing left to wake.
        let _ = self.shutdown(Shutdown::Both);
    }
}

/// The error a cancelled operation returns; the client loop reports the call as cancelled.
pub fn cancelled_error() -> ureq::Error {
    // Not `Interrupted`, which readers (std's `read_to_end`, rustls) retry, nor a kind that
    // reads as the peer closing (which `OneWrite` answers by waiting for an early response).
    ureq::Error::Io(io::Error::other("cancelled by the caller"))
}

/// ureq's bound for an operation: `None` when none applies.
fn ureq_bound(timeout: &NextTimeout) -> Option<Duration> {
    (!timeout.after.is_not_happening()).then(|| *timeout.after)
}

/// How a wait on a helper thread ended.
pub enum Waited<T> {
    Done(T),
    /// A limit passed first: llmwire's (`Some`, already noted as the cut) or ureq's (`None`).
    TimedOut,
    Cancelled,
}

/// Runs `job` on a helper thread and waits for it, at most the time the call has left (and
/// `ureq_bound`), returning early on a cancel. `job` gets the wait's bound, to bound itself.
/// Without a call on this thread, `job` runs here.
pub fn off_thread<T: Send + 'static>(
    ureq_bound: Option<Duration>,
    job: impl FnOnce(Option<Duration>) -> Result<T, ureq::Error> + Send + 'static,
) -> Waited<Result<T, ureq::Error>> {
    let (wait, limit) = watch::bound(ureq_bound);
    let Some(token) = watch::cancel_token() else {
        return Waited::Done(job(wait));
    };
    if token.is_cancelled() {
        return Waited::Cancelled;
    }
    if wait == Some(Duration::ZERO) {
        if let Some(limit) = limit {
            watch::cut(limit);
        }
        return Waited::TimedOut;
    }
    let slot: Arc<Mutex<Option<Result<T, ureq::Error>>>> = Arc::default();
    let job = {
        let slot = Arc::clone(&slot);
        let token = token.clone();
        move || {
            let result = job(wait);
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
            token.notify();
        }
    };
    // A generous stack: getaddrinfo's name service modules may use a fair amount.
    if let Err(error) = std::thread::Builder::new()
        .name("llmwire-connect".into())
        .stack_size(256 * 1024)
        .spawn(job)
    {
        return Waited::Done(Err(ureq::Error::Io(error)));
    }
    let until = wait.map_or(
        Instant::now() + Duration::from_secs(365 * 24 * 3600),
        |wait| Instant::now() + wait,
    );
    let ready = || {
        slot.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    };
    if token.wait_until(until, &ready) {
        if let Some(result) = slot.lock().unwrap_or_else(PoisonError::into_inner).take() {
            // The job was bounded by `wait`: when it timed out itself (a hair before this wait
            // did), the limit behind `wait` is what cut it.
            if let (Err(ureq::Error::Timeout(_)), Some(limit)) = (&result, limit) {
                watch::cut(limit);
            }
            return Waited::Done(result);
        }
    }
    if token.is_cancelled() {
        return Waited::Cancelled;
    }
    if let Some(limit) = limit {
        watch::cut(limit);
    }
    Waited::TimedOut
}

/// Opens TCP connections as [`SocketTransport`]s (in place of ureq's `TcpConnector`).
#[derive(Debug, Default)]
pub struct SocketConnector;

impl<In: Transport> Connector<In> for SocketConnector {
    type Out = Either<In, SocketTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        if chained.is_some() {
            return Ok(chained.map(Either::A)); // a proxy connector opened it
        }
        watch::advance(Phase::Connect);
        let addrs: Vec<SocketAddr> = details.addrs.iter().copied().collect();
        let no_delay = details.config.no_delay();
        let connected = off_thread(ureq_bound(&details.timeout), move |bound| {
            connect_any(&addrs, bound, no_delay)
        });
        let stream = match connected {
            Waited::Done(result) => result?,
            Waited::TimedOut => return Err(ureq::Error::Timeout(Timeout::Connect)),
            Waited::Cancelled => return Err(cancelled_error()),
        };
        let config = details.config;
        let transport = SocketTransport {
            stream: Arc::new(stream),
            buffers: LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size()),
            read_timeout: None,
            write_timeout: None,
        };
        (details.register_shutdown)(Arc::downgrade(&transport.stream) as _)?;
        if details.needs_tls() {
            watch::advance(Phase::Tls);
        }
        Ok(Some(Either::B(transport)))
    }
}

/// Tries each address in turn, sharing `bound` between those left; the last failure wins.
fn connect_any(
    addrs: &[SocketAddr],
    bound: Option<Duration>,
    no_delay: bool,
) -> Result<TcpStream, ureq::Error> {
    let started = Instant::now();
    let mut last = None;
    for (index, addr) in addrs.iter().enumerate() {
        let attempt = match bound {
            Some(bound) => {
                let left = bound.saturating_sub(started.elapsed());
                let share = left / u32::try_from(addrs.len() - index).unwrap_or(1);
                TcpStream::connect_timeout(addr, share.max(Duration::from_millis(10)))
            }
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(stream) => {
                if no_delay {
                    stream.set_nodelay(true)?;
                }
                return Ok(stream);
            }
            Err(error) if error.kind() == io::ErrorKind::TimedOut => {
                last = Some(ureq::Error::Timeout(Timeout::Connect));
            }
            Err(error) => last = Some(ureq::Error::Io(error)),
        }
    }
    Err(last.unwrap_or_else(|| {
        ureq::Error::Io(io::Error::new(
            io::ErrorKind::ConnectionRefused,
            "no address to connect to",
        ))
    }))
}

/// A TCP connection whose every blocking read and write honours the call's limits and cancel.
pub struct SocketTransport {
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    /// The socket's current timeouts, so that they are set only when they change.
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

impl std::fmt::Debug for SocketTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketTransport")
            .field("peer", &self.stream.peer_addr().ok())
            .finish()
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Read,
    Write,
}

/// The longest single wait of a blocked read. The kernel's timers grow coarser with their length
/// (a 500 ms read timeout fired 10–25 ms late), so a long wait is cut into slices short enough to
/// end on time; a read that is answered (nearly all of them) never reaches its first slice, and
/// the timeout stays the same from read to read, so it is not set again.
const READ_SLICE: Duration = Duration::from_millis(100);

/// The longest single wait of a blocked write. The kernel may keep a write waiting for buffer
/// space well past its `SO_SNDTIMEO` (measured: over 100 ms late on a loaded machine), so a write
/// that has to wait does so in slices and looks at the time left between them.
const WRITE_SLICE: Duration = Duration::from_millis(20);

/// One blocking operation on `stream`, bounded and cancellable; `io` is retried after a signal
/// or an interrupt-check slice.
fn blocking(
    stream: &Arc<TcpStream>,
    cached: &mut Option<Duration>,
    direction: Direction,
    timeout: NextTimeout,
    mut io: impl FnMut(&TcpStream) -> io::Result<usize>,
) -> Result<usize, ureq::Error> {
    let ureq = ureq_bound(&timeout);
    if ureq == Some(Duration::ZERO) {
        return Err(ureq::Error::Timeout(timeout.reason));
    }
    let token = watch::cancel_token();
    // When ureq's bound ends: each slice of a sliced wait is measured against it.
    let mut ureq_until: Option<Instant> = None;
    loop {
        let ureq_left = match ureq_until {
            Some(until) => Some(until.saturating_duration_since(Instant::now())),
            None => ureq,
        };
        let (wait, limit) = watch::bound(ureq_left);
        if wait == Some(Duration::ZERO) {
            if let Some(limit) = limit {
                watch::cut(limit);
            }
            return Err(ureq::Error::Timeout(timeout.reason));
        }
        let polls = token.as_ref().is_some_and(|t| t.polls_interrupt());
        let most = match direction {
            _ if polls => Some(INTERRUPT_POLL),
            Direction::Write => Some(WRITE_SLICE),
            Direction::Read => Some(READ_SLICE),
        };
        let slice = match (wait, most) {
            (Some(wait), Some(most)) => Some(wait.min(most)),
            (wait, None) => wait,
            (None, most) => most,
        };
        let sliced = slice != wait;
        if sliced && ureq_until.is_none() {
            ureq_until = ureq.map(|ureq| Instant::now() + ureq);
        }
        // A zero timeout means "none" to the socket: wait at least a millisecond.
        let slice = slice.map(|slice| slice.max(Duration::from_millis(1)));
        if *cached != slice {
            match direction {
                Direction::Read => stream.set_read_timeout(slice)?,
                Direction::Write => stream.set_write_timeout(slice)?,
            }
            *cached = slice;
        }
        let blocked = match &token {
            Some(token) => Some(
                token
                    .enter(Arc::downgrade(stream) as Weak<dyn Interrupt>)
                    .map_err(|_| cancelled_error())?,
            ),
            None => None,
        };
        let result = io(stream);
        drop(blocked);
        let cancelled = || token.as_ref().is_some_and(|t| t.is_cancelled());
        match result {
            // A shutdown wakes a read with an end of file.
            Ok(_) if cancelled() => return Err(cancelled_error()),
            Ok(amount) => return Ok(amount),
            Err(error) if cancelled() => {
                let _ = error;
                return Err(cancelled_error());
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                if token.as_ref().is_some_and(|t| t.poll_interrupt()) {
                    return Err(cancelled_error());
                }
                if !sliced {
                    if let Some(limit) = limit {
                        watch::cut(limit);
                    }
                    return Err(ureq::Error::Timeout(timeout.reason));
                }
                // Only an interrupt-check slice ended: wait on with the time left.
            }
            Err(error) => return Err(error.into()),
        }
    }
}

impl Transport for SocketTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let timeout = timeout.for_write();
        let output = &self.buffers.output()[..amount];
        let mut sent = 0;
        while sent < amount {
            let wrote = blocking(
                &self.stream,
                &mut self.write_timeout,
                Direction::Write,
                timeout,
                |mut stream| stream.write(&output[sent..]),
            )?;
            if wrote == 0 {
                return Err(io::Error::from(io::ErrorKind::WriteZero).into());
            }
            sent += wrote;
        }
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let timeout = timeout.for_read();
        let input = self.buffers.input_append_buf();
        let amount = blocking(
            &self.stream,
            &mut self.read_timeout,
            Direction::Read,
            timeout,
            |mut stream| stream.read(input),
        )?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        // A pooled connection is usable when nothing (no data, no close) is waiting on it.
        let probe = || -> io::Result<bool> {
            self.stream.set_nonblocking(true)?;
            let mut byte = [0_u8];
            let open = matches!(
                self.stream.peek(&mut byte),
                Err(error) if error.kind() == io::ErrorKind::WouldBlock
            );
            self.stream.set_nonblocking(false)?;
            Ok(open)
        };
        probe().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::CancelToken;
    use crate::transport::watch::Limit;

    /// A lookup (or connect) that takes far longer than the call may: what `getaddrinfo` does when
    /// a name server does not answer.
    fn slow_job(_: Option<Duration>) -> Result<(), ureq::Error> {
        std::thread::sleep(Duration::from_secs(5));
        Ok(())
    }

    #[test]
    fn a_slow_lookup_is_cut_at_the_deadline() {
        let token = CancelToken::new();
        let started = Instant::now();
        let _call = watch::begin_call(&token, Some(started + Duration::from_millis(200)));
        assert!(matches!(off_thread(None, slow_job), Waited::TimedOut));
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(200), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(600), "{elapsed:?}");
        assert_eq!(
            watch::state().and_then(|(_, cut)| cut),
            Some(Limit::Deadline)
        );
    }

    #[test]
    fn a_job_that_times_out_on_the_deadline_bound_is_cut_by_the_deadline() {
        // The kernel's connect timeout, given the deadline's bound, may fire a hair before the
        // wait here does: the fault is still the deadline's.
        let token = CancelToken::new();
        let _call = watch::begin_call(&token, Some(Instant::now() + Duration::from_millis(200)));
        let timed_out_early = |bound: Option<Duration>| -> Result<(), ureq::Error> {
            std::thread::sleep(bound.unwrap_or_default() / 2);
            Err(ureq::Error::Timeout(ureq::Timeout::Connect))
        };
        assert!(matches!(
            off_thread(None, timed_out_early),
            Waited::Done(Err(ureq::Error::Timeout(_)))
        ));
        assert_eq!(
            watch::state().and_then(|(_, cut)| cut),
            Some(Limit::Deadline)
        );
    }

    #[test]
    fn a_slow_lookup_ends_at_a_cancel() {
        let token = CancelToken::new();
        let _call = watch::begin_call(&token, None);
        let started = Instant::now();
        let canceller = {
            let token = token.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(100));
                token.cancel();
            })
        };
        assert!(matches!(off_thread(None, slow_job), Waited::Cancelled));
        assert!(started.elapsed() < Duration::from_millis(500));
        canceller.join().unwrap();
    }

    #[test]
    fn a_quick_job_returns_its_result() {
        let token = CancelToken::new();
        let _call = watch::begin_call(&token, None);
        let waited = off_thread(Some(Duration::from_secs(5)), |_| Ok(7));
        assert!(matches!(waited, Waited::Done(Ok(7))));
    }
}
