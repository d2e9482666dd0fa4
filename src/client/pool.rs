//! The library's own threads, for calls started without a caller that waits for them (the C API's
//! `llmwire_chat_start` and `llmwire_chat_stream_start`).
//!
//! An LLM call spends nearly all its life waiting on the network, for seconds or minutes, so a
//! thread per running call is cheap and a small fixed pool would be wrong: the pool grows with
//! demand, one thread per job, up to a cap (default [`DEFAULT_MAX_THREADS`]); past the cap, jobs
//! wait in a FIFO queue. A thread idle for [`IDLE_EXIT`] ends. Jobs that another running job needs
//! in order to make progress (a stream's delivery) use [`Pool::spawn_beside`], which never queues,
//! so the cap can never deadlock a stream.
//!
//! Not for: anything that decides about a call. Jobs are opaque closures; the deadline accounting
//! of a queued call is the client's (see `Client::queue_mark`).

use std::collections::VecDeque;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::Thread;
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;

/// The default cap on threads running queued jobs: calls mostly wait, so hundreds are cheap.
pub const DEFAULT_MAX_THREADS: usize = 512;

/// How long an idle thread waits for work before it ends.
pub const IDLE_EXIT: Duration = Duration::from_secs(10);

/// How long a thread that finished a job keeps looking for the next before it parks. A caller
/// that runs calls one after another (an event loop awaiting each) submits the next within tens
/// of microseconds; a parked thread takes about as long again to wake, which a thread still
/// looking saves. One thread at most looks, and it yields between looks, so on one CPU it gives
/// way to the caller.
pub const SPIN_BEFORE_PARK: Duration = Duration::from_micros(150);

/// A unit of work for the pool.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// A growing thread pool with a cap and a queue.
pub struct Pool {
    state: Mutex<State>,
    /// The queue's length, read without the lock by a thread looking for a job.
    queued: AtomicUsize,
    idle_exit: Duration,
    /// [`SPIN_BEFORE_PARK`], longer in a test.
    spin: Duration,
}

struct State {
    queue: VecDeque<Job>,
    /// Threads that take jobs from the queue (alive, busy or idle).
    threads: usize,
    /// Of those, the ones waiting for a job, the most recently idle last. A job wakes the last
    /// one, whose stack and caches are still warm; a condition variable would wake the longest
    /// waiting, spreading sequential jobs over every thread the pool ever started.
    idle: Vec<Thread>,
    /// Threads that finished a job and look for the next before they park (0 or 1): a job queued
    /// meanwhile is theirs, and wakes no idle thread.
    spinning: usize,
    max_threads: usize,
}

static GLOBAL: Lazy<Pool> = Lazy::new(|| Pool::new(DEFAULT_MAX_THREADS, IDLE_EXIT));

impl Pool {
    /// A pool with its own cap and idle timeout (tests; the library uses [`Pool::global`]).
    pub fn new(max_threads: usize, idle_exit: Duration) -> Pool {
        Pool {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                threads: 0,
                idle: Vec::new(),
                spinning: 0,
                max_threads: max_threads.max(1),
            }),
            queued: AtomicUsize::new(0),
            idle_exit,
            spin: SPIN_BEFORE_PARK,
        }
    }

    /// The process-wide pool every client's started calls share.
    pub fn global() -> &'static Pool {
        &GLOBAL
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cap on threads that run queued jobs.
    pub fn max_threads(&self) -> usize {
        self.lock().max_threads
    }

    /// Changes the cap (at least 1). Lowering it lets extra threads finish their job and end;
    /// raising it starts threads for jobs already queued.
    pub fn set_max_threads(&'static self, max_threads: usize) {
        let mut state = self.lock();
        let lowered = max_threads.max(1) < state.max_threads;
        state.max_threads = max_threads.max(1);
        // Idle surplus threads end now rather than after IDLE_EXIT.
        let surplus = if lowered {
            std::mem::take(&mut state.idle)
        } else {
            Vec::new()
        };
        let unserved = state.queue.len().saturating_sub(state.idle.len());
        let room = state.max_threads.saturating_sub(state.threads);
        for _ in 0..unserved.min(room) {
            if self.start_worker(&mut state).is_err() {
                break;
            }
        }
        drop(state);
        surplus.iter().for_each(Thread::unpark);
    }

    /// (threads, idle threads, queued jobs): a snapshot for the tests.
    #[cfg(test)]
    fn counts(&self) -> (usize, usize, usize) {
        let state = self.lock();
        (state.threads, state.idle.len(), state.queue.len())
    }

    /// Runs `job` on a pool thread: an idle one, else a new one while under the cap, else the job
    /// waits in the queue. Fails only when no thread exists and none can be created (the job is
    /// then dropped without running).
    pub fn spawn(&'static self, job: Job) -> io::Result<()> {
        let mut state = self.lock();
        state.queue.push_back(job);
        self.queued.store(state.queue.len(), Ordering::Release);
        if state.queue.len() <= state.spinning {
            // A thread looking for work takes it.
            return Ok(());
        }
        if let Some(idle) = state.idle.pop() {
            // Woken after the lock is released: a thread woken under it would wait for it again.
            drop(state);
            idle.unpark();
            return Ok(());
        }
        if state.threads < state.max_threads {
            if let Err(error) = self.start_worker(&mut state) {
                if state.threads == 0 {
                    state.queue.pop_back();
                    self.queued.store(state.queue.len(), Ordering::Release);
                    return Err(error);
                }
            }
        }
        Ok(())
    }

    /// Runs `job` on a new thread of its own at once, whatever the cap: for work a running job
    /// waits on (queueing it behind that job could deadlock).
    pub fn spawn_beside(&self, job: Job) -> io::Result<()> {
        std::thread::Builder::new()
            .name("llmwire-deliver".into())
            .spawn(move || run_job(job))
            .map(drop)
    }

    /// Starts one worker; the caller holds the lock.
    fn start_worker(&'static self, state: &mut State) -> io::Result<()> {
        std::thread::Builder::new()
            .name("llmwire-call".into())
            .spawn(move || self.work_loop())?;
        state.threads += 1;
        Ok(())
    }

    fn work_loop(&self) {
        let me = std::thread::current();
        loop {
            let job = {
                let mut spun = false;
                let mut state = self.lock();
                loop {
                    if state.threads > state.max_threads {
                        // The cap was lowered: this thread is surplus. It may have been woken for
                        // a queued job: pass that on.
                        state.threads -= 1;
                        let next = if state.queue.is_empty() {
                            None
                        } else {
                            state.idle.pop()
                        };
                        drop(state);
                        if let Some(next) = next {
                            next.unpark();
                        }
                        return;
                    }
                    if let Some(job) = state.queue.pop_front() {
                        self.queued.store(state.queue.len(), Ordering::Release);
                        break job;
                    }
                    if state.spinning == 0 && !spun {
                        state.spinning += 1;
                        drop(state);
                        self.look_for_work();
                        spun = true;
                        state = self.lock();
                        state.spinning -= 1;
                        continue;
                    }
                    state.idle.push(me.clone());
                    drop(state);
                    let parked = Instant::now();
                    // Woken by `spawn` (which took it off `idle`), by a lowered cap, or for no
                    // reason at all: the queue and the clock say which.
                    std::thread::park_timeout(self.idle_exit);
                    state = self.lock();
                    if let Some(at) = state.idle.iter().position(|t| t.id() == me.id()) {
                        state.idle.remove(at);
                    }
                    if state.queue.is_empty() && parked.elapsed() >= self.idle_exit {
                        state.threads -= 1;
                        return;
                    }
                }
            };
            run_job(job);
        }
    }

    /// Waits up to [`SPIN_BEFORE_PARK`] for a job to be queued, yielding the CPU between looks.
    fn look_for_work(&self) {
        let start = Instant::now();
        while self.queued.load(Ordering::Acquire) == 0 && start.elapsed() < self.spin {
            std::thread::yield_now();
        }
    }
}

/// Runs a job; a panic in it (a bug: jobs catch their own) must not kill a pool thread silently
/// while the pool counts it as alive, so it is contained here.
fn run_job(job: Job) {
    let _ = panic::catch_unwind(AssertUnwindSafe(job));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::sync::Arc;

    fn leaked(max_threads: usize, idle_exit: Duration) -> &'static Pool {
        Box::leak(Box::new(Pool::new(max_threads, idle_exit)))
    }

    /// Polls `done` until it holds (the pool's threads move on their own schedule).
    fn wait_until(what: &str, done: impl Fn() -> bool) {
        let start = std::time::Instant::now();
        while !done() {
            assert!(start.elapsed() < Duration::from_secs(10), "never: {what}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn jobs_past_the_cap_wait_in_the_queue_until_a_thread_is_free() {
        let pool = leaked(2, Duration::from_secs(5));
        let (release, gate) = mpsc::channel::<()>();
        let gate = Arc::new(Mutex::new(gate));
        let (started, running) = mpsc::channel();
        let (done, finished) = mpsc::channel();
        for n in 0..5 {
            let (gate, started, done) = (Arc::clone(&gate), started.clone(), done.clone());
            pool.spawn(Box::new(move || {
                started.send(n).unwrap();
                gate.lock().unwrap().recv().unwrap();
                done.send(n).unwrap();
            }))
            .unwrap();
        }
        // The first two run (one thread each, at the cap); the other three wait, in order.
        assert_eq!(
            [running.recv().unwrap(), running.recv().unwrap()]
                .iter()
                .sum::<i32>(),
            1
        );
        assert_eq!(pool.counts(), (2, 0, 3));
        // One release ends one job and frees one thread, which takes the oldest queued job; with
        // all released at once, two freed threads could report their jobs' starts out of order.
        let later: Vec<i32> = (0..3)
            .map(|_| {
                release.send(()).unwrap();
                running.recv().unwrap()
            })
            .collect();
        assert_eq!(
            later,
            vec![2, 3, 4],
            "queued jobs start first in, first out"
        );
        for _ in 0..2 {
            release.send(()).unwrap();
        }
        let mut order: Vec<i32> = (0..5).map(|_| finished.recv().unwrap()).collect();
        order.sort_unstable();
        assert_eq!(order, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn an_idle_thread_takes_the_next_job_and_ends_after_the_idle_timeout() {
        let pool = leaked(8, Duration::from_millis(200));
        let (done, finished) = mpsc::channel();
        for _ in 0..3 {
            let done = done.clone();
            pool.spawn(Box::new(move || done.send(()).unwrap()))
                .unwrap();
            finished.recv().unwrap();
            wait_until("the thread is idle again", || pool.counts().1 == 1);
        }
        // Sequential jobs reuse the idle thread instead of starting new ones.
        assert_eq!(pool.counts().0, 1);
        wait_until("the idle thread ends", || pool.counts().0 == 0);
    }

    #[test]
    fn a_thread_that_looks_for_work_takes_the_next_job_and_only_that() {
        let mut pool = Pool::new(8, Duration::from_secs(60));
        pool.spin = Duration::from_secs(2);
        let pool: &'static Pool = Box::leak(Box::new(pool));
        let spinning = || pool.lock().spinning;
        let (ids, ran_on) = mpsc::channel();
        let job = |ids: mpsc::Sender<std::thread::ThreadId>| -> Job {
            Box::new(move || ids.send(std::thread::current().id()).unwrap())
        };
        pool.spawn(job(ids.clone())).unwrap();
        let first = ran_on.recv().unwrap();
        wait_until("the thread looks for work", || spinning() == 1);
        // The next job is the looking thread's: none is woken or started for it.
        pool.spawn(job(ids.clone())).unwrap();
        assert_eq!(ran_on.recv().unwrap(), first);
        assert_eq!(pool.counts().0, 1);
        // Two at once: the looking thread takes one, and a thread is started for the other
        // (whichever thread is free first runs it).
        wait_until("the thread looks for work again", || spinning() == 1);
        pool.spawn(job(ids.clone())).unwrap();
        pool.spawn(job(ids)).unwrap();
        for _ in 0..2 {
            ran_on.recv().unwrap();
        }
        assert_eq!(pool.counts().0, 2);
        // Having looked, the threads park: idle, no longer looking.
        wait_until("both threads idle", || pool.counts() == (2, 2, 0));
        assert_eq!(spinning(), 0);
    }

    #[test]
    fn the_next_job_runs_on_the_most_recently_idle_thread() {
        let pool = leaked(8, Duration::from_secs(60));
        let (ids, ran_on) = mpsc::channel();
        let mut gates = Vec::new();
        for n in 0..2 {
            let (release, gate) = mpsc::channel::<()>();
            let ids = ids.clone();
            pool.spawn(Box::new(move || {
                ids.send((n, std::thread::current().id())).unwrap();
                gate.recv().unwrap();
            }))
            .unwrap();
            gates.push(release);
        }
        let mut threads = [ran_on.recv().unwrap(), ran_on.recv().unwrap()];
        threads.sort_by_key(|(n, _)| *n);
        assert_ne!(threads[0].1, threads[1].1, "two jobs at once, two threads");
        // Job 0's thread goes idle, then job 1's.
        gates[0].send(()).unwrap();
        wait_until("one idle thread", || pool.counts().1 == 1);
        gates[1].send(()).unwrap();
        wait_until("two idle threads", || pool.counts().1 == 2);
        pool.spawn(Box::new(move || {
            ids.send((2, std::thread::current().id())).unwrap();
        }))
        .unwrap();
        assert_eq!(ran_on.recv().unwrap(), (2, threads[1].1));
    }

    #[test]
    fn raising_the_cap_starts_threads_for_queued_jobs() {
        let pool = leaked(1, Duration::from_secs(5));
        let (release, wait) = mpsc::channel::<()>();
        let (started, running) = mpsc::channel();
        let (done, finished) = mpsc::channel();
        pool.spawn(Box::new(move || {
            started.send(()).unwrap();
            wait.recv().unwrap();
        }))
        .unwrap();
        running.recv().unwrap();
        pool.spawn(Box::new(move || done.send(()).unwrap()))
            .unwrap();
        assert_eq!(pool.counts().2, 1);
        pool.set_max_threads(2);
        finished.recv().unwrap(); // ran although the first job still holds its thread
        release.send(()).unwrap();
    }

    #[test]
    fn lowering_the_cap_below_the_idle_threads_strands_no_job() {
        let pool = leaked(8, Duration::from_secs(60));
        let (release, gate) = mpsc::channel::<()>();
        let gate = Arc::new(Mutex::new(gate));
        let (started, running) = mpsc::channel();
        for _ in 0..4 {
            let (gate, started) = (Arc::clone(&gate), started.clone());
            pool.spawn(Box::new(move || {
                started.send(()).unwrap();
                gate.lock().unwrap().recv().unwrap();
            }))
            .unwrap();
        }
        for _ in 0..4 {
            running.recv().unwrap();
        }
        for _ in 0..4 {
            release.send(()).unwrap();
        }
        wait_until("four idle threads", || pool.counts() == (4, 4, 0));
        pool.set_max_threads(1);
        // A job queued now is run at once, not after the surplus threads' idle timeout (60 s).
        let (done, finished) = mpsc::channel();
        pool.spawn(Box::new(move || done.send(()).unwrap()))
            .unwrap();
        finished.recv_timeout(Duration::from_secs(10)).unwrap();
        wait_until("the surplus threads end", || pool.counts().0 == 1);
    }

    #[test]
    fn a_panicking_job_leaves_the_pool_working() {
        let pool = leaked(1, Duration::from_secs(5));
        pool.spawn(Box::new(|| panic!("boom"))).unwrap();
        let (done, finished) = mpsc::channel();
        pool.spawn(Box::new(move || done.send(()).unwrap()))
            .unwrap();
        finished.recv().unwrap();
    }
}
