'use strict';

/**
 * The client: promises and async iterators over the library's calls on its own threads, with
 * cancellation through `AbortSignal` (or a `CancelToken`) mapped onto `llmwire_call_cancel`.
 *
 * No call occupies a thread of libuv's pool (4 by default, shared with `fs`, `dns.lookup`,
 * `crypto`, `zlib`): each runs on the library's own threads and reports to one completion queue
 * (`llmwire_chat_submit`, `llmwire_chat_stream_submit`) whose pipe libuv watches on the main
 * thread through a `net.Socket`; each wake-up takes every finished call and every waiting chunk
 * in one `llmwire_queue_take`, and no library thread ever waits for JavaScript. A stream's
 * backpressure: when `maxBufferedChunks` chunks wait unread in the `ChatStream`, the binding
 * pauses the call (`llmwire_call_pause`) until half are read (`llmwire_call_resume`); the library
 * also stops reading once as many chunks wait untaken in the queue. Where the library has no
 * queues (Windows), the same calls report through koffi callbacks instead (`llmwire_chat_start`,
 * `llmwire_chat_stream_start`). See docs/event-loops.md.
 *
 * @module llmwire/lib/client
 */

const net = require('node:net');
const { koffi, functions: native, EventCallback, DoneCallback, ChunksCallback } = require('./native');
const { toJson, callSync, takeError } = require('./boundary');
const { errorFromObject, localError } = require('./errors');
const { camelCaseKeys, camelCaseReport, snakeCaseKeys, CONFIG_MAPS, METRICS_MAPS } = require('./case');

const EventCallbackPointer = koffi.pointer(EventCallback);

/** `llmwire_chunks_reply` values. */
const CHUNKS_CONTINUE = 0;
const CHUNKS_PAUSE = 1;
const CHUNKS_ABORT = 2;

/** The default bound on chunks a `ChatStream` holds unread (and the library buffers besides). */
const DEFAULT_MAX_BUFFERED_CHUNKS = 64;

/**
 * Every started call not yet reported by the library, by the id passed as its `user_data`.
 *
 * @typedef {object} PendingCall
 * @property {bigint | null} handle The `llmwire_call *`, once `llmwire_*_start` returned.
 * @property {(completion: object) => void} resolve Called with the parsed completion.
 * @property {(error: Error) => void} reject
 * @property {ChatStream | null} stream The stream being fed, for streaming calls.
 * @property {() => void} ended Called once the library reported the call, whatever happened.
 * @type {Map<number, PendingCall>}
 */
const pending = new Map();
let nextCallId = 1;

/**
 * Calls whose promise is unsettled keep the process alive, as a socket would: without this, a
 * script awaiting only llmwire calls would see Node exit with the promise unsettled (koffi's queue
 * does not hold the event loop open). One timer, referenced while any such call runs. A call
 * settled early (by `close()`) no longer holds the process, even if the library has not yet
 * reported it.
 */
const keepAlive = setInterval(() => {}, 2 ** 31 - 1);
keepAlive.unref();
let unsettled = 0;
function holdProcess() {
  if (++unsettled === 1) keepAlive.ref();
}
function releaseProcess() {
  if (--unsettled === 0) keepAlive.unref();
}

/**
 * Settles a call the library has reported: resolves with the completion object or rejects.
 *
 * @param {PendingCall | undefined} entry
 * @param {object | null} completion
 * @param {Error | null} error
 */
function settleCall(entry, completion, error) {
  if (!entry) return;
  if (error) entry.reject(error);
  else entry.resolve(completion);
  entry.ended();
}

/** Reports the end of a started call (on the main thread, queued there by koffi). */
function onDone(call, status, responsePointer, errorPointer, id) {
  const entry = pending.get(Number(id));
  let text = null;
  let error = null;
  try {
    if (status === 0) {
      text = JSON.parse(koffi.decode.string(responsePointer));
    } else {
      error = takeError(status, errorPointer); // frees the error object
    }
  } catch (cause) {
    error = localError('internal', `cannot read the result of a call: ${cause.message}`, { cause });
  } finally {
    if (responsePointer) native.llmwire_string_free(responsePointer);
    native.llmwire_call_free(call);
  }
  pending.delete(Number(id));
  settleCall(entry, text, error);
}

/** Hands a batch of chunks to a stream (on the main thread); the reply paces the library. */
function onChunks(call, chunksJson, count, id) {
  const stream = pending.get(Number(id))?.stream;
  if (!stream) return CHUNKS_ABORT;
  try {
    return stream._accept(JSON.parse(chunksJson));
  } catch {
    return CHUNKS_ABORT;
  }
}

// Registered for the life of the process: a call may report after any client is gone.
const doneTrampoline = koffi.register(onDone, koffi.pointer(DoneCallback));
const chunksTrampoline = koffi.register(onChunks, koffi.pointer(ChunksCallback));

/**
 * The completion queue every call of this module reports to (`llmwire_queue_*`): library threads
 * queue results and chunks and wake a pipe, which libuv watches on the main thread through a
 * `net.Socket` (epoll, no pool thread); each wake-up takes every waiting event in one crossing.
 * No library thread ever waits for JavaScript. Created on first use, kept for the process's life
 * (the socket owns nothing of it: the queue's descriptor is never closed while the process runs,
 * so the socket never reads a reused descriptor). `false` where the library has no queues
 * (Windows): calls then report through the callbacks above.
 *
 * @type {{handle: bigint, socket: import('node:net').Socket} | false | null}
 */
let queue = null;

function completionQueue() {
  if (queue !== null) return queue;
  queue = false;
  if (process.platform === 'win32') return queue;
  const out = [null];
  const err = [null];
  const status = native.llmwire_queue_new(out, err);
  if (status !== 0) {
    takeError(status, err[0]); // frees it; the callbacks remain
    return queue;
  }
  const socket = new net.Socket({
    fd: native.llmwire_queue_fd(out[0]),
    readable: true,
    writable: false,
    // The bytes only say "look": reading them into one reused buffer skips a stream's machinery
    // (a Buffer and a 'data' event per wake-up).
    onread: { buffer: Buffer.alloc(64), callback: takeEvents },
  });
  socket.unref(); // pending calls hold the process through `keepAlive`, not through the pipe
  queue = { handle: out[0], socket };
  return queue;
}

/** Takes every waiting event from the queue and settles or feeds the calls (on the main thread). */
function takeEvents() {
  const text = callSync(native.llmwire_queue_take, /** @type {any} */ (queue).handle);
  if (text === '[]') return;
  for (const event of JSON.parse(text)) {
    const entry = pending.get(event.tag);
    if (event.chunks) {
      if (entry?.stream) feedStream(entry, event.chunks);
      continue;
    }
    pending.delete(event.tag);
    if (entry?.handle) native.llmwire_call_free(entry.handle);
    settleCall(entry, event.ok ?? null, event.error ? errorFromObject(event.error) : null);
  }
}

/**
 * Hands a batch of chunks to a stream; its reply pauses or stops the library.
 *
 * @param {PendingCall} entry
 * @param {object[]} chunks
 */
function feedStream(entry, chunks) {
  const reply = /** @type {ChatStream} */ (entry.stream)._accept(chunks);
  if (reply === CHUNKS_PAUSE) native.llmwire_call_pause(entry.handle);
  else if (reply === CHUNKS_ABORT) native.llmwire_call_cancel(entry.handle);
}

/**
 * A `Cancelled` error made here, for a call the library never ran or whose end no longer matters.
 *
 * @param {string} message
 * @param {unknown} [cause]
 */
function cancelledError(message, cause) {
  const error = localError('cancelled', message, cause === undefined ? undefined : { cause });
  error.stopReason = 'cancelled';
  error.details.stop_reason = 'cancelled';
  return error;
}

/**
 * Sets the cap on the library's threads for calls (process-wide; default 512). Past it, calls
 * wait in a queue, and the wait counts against their `deadline_ms`.
 *
 * @param {number} maxThreads At least 1.
 */
function setMaxThreads(maxThreads) {
  if (!Number.isInteger(maxThreads) || maxThreads < 1) {
    throw localError('invalid_argument', 'maxThreads must be a positive integer');
  }
  const err = [null];
  const status = native.llmwire_pool_set_max_threads(maxThreads, err);
  if (status !== 0) throw takeError(status, err[0]);
}

/** The cap on the library's threads for calls (see `setMaxThreads`). */
function maxThreads() {
  return Number(native.llmwire_pool_max_threads());
}

/**
 * A cancellation switch that may serve many calls: once cancelled, it stays cancelled, and every
 * call using it (running or started later) stops with `Cancelled`. A thin, named face for an
 * `AbortController`; pass it (or its `signal`) as the `signal` option.
 */
class CancelToken {
  #controller = new AbortController();

  /**
   * Cancels every call using this token, now and later. Idempotent.
   *
   * @param {unknown} [reason] Kept as the `cause` of the calls' `Cancelled` errors.
   */
  cancel(reason) {
    this.#controller.abort(reason);
  }

  /** Whether `cancel()` was called. */
  get cancelled() {
    return this.#controller.signal.aborted;
  }

  /** The `AbortSignal` that fires on `cancel()`. */
  get signal() {
    return this.#controller.signal;
  }
}

/**
 * @param {unknown} signal
 * @returns {AbortSignal | undefined}
 */
function toAbortSignal(signal) {
  if (signal === undefined || signal === null) return undefined;
  if (signal instanceof CancelToken) return signal.signal;
  if (typeof signal === 'object' && typeof signal.addEventListener === 'function' && 'aborted' in signal) {
    return /** @type {AbortSignal} */ (signal);
  }
  throw localError('invalid_argument', 'options.signal must be an AbortSignal or an llmwire.CancelToken');
}

/**
 * @param {unknown} options
 * @returns {{signal?: AbortSignal, maxBufferedChunks: number}}
 */
function callOptions(options) {
  if (options === undefined || options === null) return { maxBufferedChunks: DEFAULT_MAX_BUFFERED_CHUNKS };
  if (typeof options !== 'object') throw localError('invalid_argument', 'options must be an object');
  const { signal, maxBufferedChunks = DEFAULT_MAX_BUFFERED_CHUNKS } = /** @type {any} */ (options);
  if (!Number.isInteger(maxBufferedChunks) || maxBufferedChunks < 1) {
    throw localError('invalid_argument', 'options.maxBufferedChunks must be a positive integer');
  }
  return { signal: toAbortSignal(signal), maxBufferedChunks };
}

/** Frees what a client that was never closed still holds, once it is garbage. */
const leakGuard = new FinalizationRegistry(({ handle, trampoline }) => {
  native.llmwire_client_free(handle);
  if (trampoline) koffi.unregister(trampoline);
});

/**
 * A chat-completions client, safe to use from any number of concurrent calls.
 *
 * @example
 * const llmwire = require('llmwire');
 * const client = new llmwire.Client({ provider: 'openai', model: 'gpt-4o-mini' });
 * const completion = await client.chat({ messages: [{ role: 'user', content: 'Hi' }] });
 * console.log(completion.choices[0].message.content);
 * await client.close();
 */
class Client {
  /** @type {bigint | null} */
  #handle;
  /** This client's started calls not yet reported, so that `close()` can settle them. */
  #calls = new Set();
  #closed = false;
  /** @type {Promise<void> | null} */
  #closing = null;
  /** @type {(() => void) | null} */
  #resolveClosing = null;
  /** @type {Set<(event: object) => void>} */
  #listeners = new Set();
  /** The registered event callback, kept until every call that may use it has ended. */
  #eventTrampoline = null;
  #leakToken = {};

  /**
   * @param {object} [config] The configuration (docs/design.md §7: `base_url`, `api_key`, `model`, `retry`,
   *   `timeouts`, …; camelCase keys such as `baseUrl` are accepted too). An unknown key throws
   *   `InvalidConfig` naming it.
   */
  constructor(config = {}) {
    this.#handle = callSync(native.llmwire_client_new, toJson(snakeCaseKeys(config, CONFIG_MAPS), 'config'));
    leakGuard.register(this, { handle: this.#handle, trampoline: null }, this.#leakToken);
  }

  /**
   * Sends a request and resolves to the completion (with its extra `llmwire` key: attempts,
   * repairs, warnings). The call runs on the library's threads; the event loop keeps running and
   * no libuv pool thread is used.
   *
   * @param {object} request A chat-completions request body.
   * @param {{signal?: AbortSignal | CancelToken}} [options]
   * @returns {Promise<object>}
   */
  async chat(request, options) {
    const { signal } = callOptions(options);
    const requestJson = toJson(request, 'request');
    try {
      return camelCaseReport(await this.#start(requestJson, [signal], null, 0));
    } catch (error) {
      // Created in a completion callback, the error has no caller frames; after the await, V8's
      // async stack trace leads back to the code that awaited the call.
      Error.captureStackTrace(error);
      throw error;
    }
  }

  /**
   * Streams a request: iterate the result for chunks as they arrive, then read `response` for
   * the assembled completion. The call starts at once; up to `maxBufferedChunks` chunks (default
   * 64) wait in the stream until read, and as many in the library, which then stops reading the
   * response until the loop catches up. Leaving the loop early (`break`, `return`, a thrown
   * error) cancels the call.
   *
   * @param {object} request A chat-completions request body (`stream` is set for you).
   * @param {{signal?: AbortSignal | CancelToken, maxBufferedChunks?: number}} [options]
   * @returns {ChatStream}
   */
  stream(request, options) {
    const { signal, maxBufferedChunks } = callOptions(options);
    const requestJson = toJson(request, 'request');
    this.#checkOpen();
    return new ChatStream(maxBufferedChunks, (stream, stopSignal) =>
      this.#start(requestJson, [signal, stopSignal], stream, maxBufferedChunks));
  }

  /**
   * The client's metrics: calls, attempts, successes, failures and retries by class, time slept,
   * retry-budget level.
   *
   * @param {'json' | 'prometheus'} [format]
   * @returns {object | string} An object for `"json"`, the Prometheus text format otherwise.
   */
  metrics(format = 'json') {
    if (typeof format !== 'string') throw localError('invalid_argument', 'the metrics format must be "json" or "prometheus"');
    this.#checkOpen();
    const text = callSync(native.llmwire_client_metrics, this.#handle, format);
    return format === 'json' ? camelCaseKeys(JSON.parse(text), METRICS_MAPS) : text;
  }

  /**
   * Calls `listener` with one event object per attempt outcome (call id, attempt, class, HTTP
   * status, elapsed ms, decision, delay, stop reason, message; never a key or a request body).
   * Listeners run on the main thread while the call's library thread waits for them, so keep them
   * quick; they may use the client. An exception thrown by a listener surfaces as an uncaught
   * exception, as in `diagnostics_channel`.
   *
   * @param {(event: object) => void} listener
   * @returns {() => void} A function that removes the listener.
   */
  onEvent(listener) {
    if (typeof listener !== 'function') throw localError('invalid_argument', 'the event listener must be a function');
    this.#checkOpen();
    if (this.#listeners.size === 0) this.#installEventCallback(true);
    this.#listeners.add(listener);
    return () => {
      if (!this.#listeners.delete(listener) || this.#listeners.size > 0 || this.#closed) return;
      this.#installEventCallback(false);
    };
  }

  /**
   * Closes the client: new calls throw at once; calls still running are cancelled, and their
   * promises (and streams) settle at once with `Cancelled`. Resolves once the library has
   * reported every one of them, after which nothing of the client remains. Idempotent.
   *
   * @returns {Promise<void>}
   */
  close() {
    if (!this.#closing) {
      this.#closed = true;
      this.#closing = new Promise((resolve) => { this.#resolveClosing = resolve; });
      const calls = [...this.#calls];
      for (const entry of calls) entry.reject(cancelledError('the client was closed while the call ran'));
      // Cancels every call still running; they report later, through onDone.
      leakGuard.unregister(this.#leakToken);
      native.llmwire_client_free(this.#handle);
      this.#handle = null;
      if (this.#calls.size === 0) this.#released();
    }
    return this.#closing;
  }

  /** Whether `close()` was called. */
  get closed() {
    return this.#closed;
  }

  #checkOpen() {
    if (this.#closed) throw localError('invalid_argument', 'the client is closed');
  }

  /** Sets (or clears) the native event hook; the trampoline itself lives until the client is released. */
  #installEventCallback(on) {
    if (on && !this.#eventTrampoline) {
      const listeners = this.#listeners; // Not `this`: the trampoline must not keep the client alive.
      this.#eventTrampoline = koffi.register((eventJson) => dispatchEvent(listeners, eventJson), EventCallbackPointer);
      leakGuard.unregister(this.#leakToken);
      leakGuard.register(this, { handle: this.#handle, trampoline: this.#eventTrampoline }, this.#leakToken);
    }
    callSync(native.llmwire_client_set_event_callback, this.#handle, on ? this.#eventTrampoline : null, null);
  }

  /**
   * Starts a call on the library's threads, wired to `signals`, and returns a promise of its
   * response text.
   *
   * @param {string} requestJson
   * @param {(AbortSignal | undefined)[]} signals
   * @param {ChatStream | null} stream The stream to feed, for a streaming call.
   * @param {number} maxBufferedChunks
   * @returns {Promise<object>} The completion (parsed, not yet camel-cased).
   */
  #start(requestJson, signals, stream, maxBufferedChunks) {
    this.#checkOpen();
    const watched = signals.filter(Boolean);
    const aborted = watched.find((signal) => signal.aborted);
    if (aborted) {
      // Nothing is started, so nothing can be sent (a cancel after the start would race the send).
      return Promise.reject(cancelledError('the call was cancelled before it started', aborted.reason));
    }
    const id = nextCallId++;
    // A call that can never be cancelled or paused (only `close()` stops it) needs no handle.
    const out = stream || watched.length > 0 ? [null] : null;
    const err = [null];
    const submitTo = completionQueue();
    let status;
    if (submitTo) {
      status = stream
        ? native.llmwire_chat_stream_submit(this.#handle, requestJson, maxBufferedChunks, submitTo.handle, id, out, err)
        : native.llmwire_chat_submit(this.#handle, requestJson, submitTo.handle, id, out, err);
    } else {
      status = stream
        ? native.llmwire_chat_stream_start(this.#handle, requestJson, maxBufferedChunks, chunksTrampoline,
          doneTrampoline, id, out ?? [null], err)
        : native.llmwire_chat_start(this.#handle, requestJson, doneTrampoline, id, out ?? [null], err);
    }
    if (status !== 0) return Promise.reject(takeError(status, err[0]));
    const handle = out?.[0] ?? null;
    if (stream) stream._attach(() => native.llmwire_call_resume(handle));
    const cancel = () => { if (handle) native.llmwire_call_cancel(handle); };
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = () => {
        if (settled) return false;
        settled = true;
        releaseProcess();
        return true;
      };
      /** @type {PendingCall} */
      const entry = {
        handle,
        stream,
        resolve: (text) => {
          if (settle()) resolve(text);
        },
        reject: (error) => {
          if (!settle()) return; // settled by close(): the library's later report changes nothing
          const reason = watched.find((signal) => signal.aborted)?.reason;
          if (error?.errorClass === 'cancelled' && reason !== undefined && error.cause === undefined) {
            error.cause = reason;
          }
          reject(error);
        },
        ended: () => {
          // The library has reported the call: its handle is freed, nothing can use it any more.
          for (const signal of watched) signal.removeEventListener('abort', cancel);
          this.#calls.delete(entry);
          if (this.#closed && this.#calls.size === 0) this.#released();
        },
      };
      pending.set(id, entry);
      this.#calls.add(entry);
      holdProcess();
      for (const signal of watched) signal.addEventListener('abort', cancel, { once: true });
    });
  }

  /** Everything is over: drop the event callback and resolve `close()`. */
  #released() {
    if (this.#eventTrampoline) koffi.unregister(this.#eventTrampoline);
    this.#eventTrampoline = null;
    this.#listeners.clear();
    this.#resolveClosing();
  }
}

if (typeof Symbol.asyncDispose === 'symbol') {
  // `await using client = new Client(...)` closes the client at the end of the block.
  Client.prototype[Symbol.asyncDispose] = function asyncDispose() {
    return this.close();
  };
}

/**
 * @param {Set<(event: object) => void>} listeners
 * @param {string} eventJson
 */
function dispatchEvent(listeners, eventJson) {
  if (listeners.size === 0) return;
  const event = camelCaseKeys(JSON.parse(eventJson));
  for (const listener of listeners) {
    try {
      listener(event);
    } catch (error) {
      process.nextTick(() => { throw error; });
    }
  }
}

/**
 * A streaming call: an async iterator of `chat.completion.chunk` objects, plus `response`, a
 * promise of the assembled completion.
 *
 * A failure before any chunk rejects the first `next()`; a failure after some chunks (the stream is
 * then never replayed) rejects the `next()` after the last chunk. Either way `response` rejects
 * with the same error.
 */
class ChatStream {
  /** @type {object[]} */
  #chunks = [];
  #head = 0;
  /** @type {{resolve: Function, reject: Function}[]} */
  #waiters = [];
  #finished = false;
  /** @type {Error | null} */
  #error = null;
  #stopped = false;
  #stop = new AbortController();
  #maxBuffered;
  #paused = false;
  /** @type {() => void} */
  #resume = () => {};
  /** @type {Promise<object>} */
  #response;

  /**
   * @param {number} maxBuffered Unread chunks held before the library is asked to pause.
   * @param {(stream: ChatStream, stopSignal: AbortSignal) => Promise<object>} start
   * @internal Use `client.stream()`.
   */
  constructor(maxBuffered, start) {
    this.#maxBuffered = maxBuffered;
    this.#response = start(this, this.#stop.signal).then(
      (response) => {
        this.#finish(null);
        return camelCaseReport(response);
      },
      (error) => {
        this.#finish(error);
        throw error;
      },
    );
    // The iterator reports the same failure; an unread `response` must not crash the process.
    this.#response.catch(() => {});
  }

  /** The assembled completion (with its `llmwire` key), once the stream has ended. */
  get response() {
    return this.#response;
  }

  /** @returns {Promise<IteratorResult<object, undefined>>} */
  next() {
    if (this.#head < this.#chunks.length) return Promise.resolve({ value: this.#take(), done: false });
    if (this.#finished || this.#stopped) {
      const result = this.#finalResult();
      return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /**
   * Stops reading: cancels the call if it still runs and drops unread chunks. Called by
   * `for await` when the loop is left early.
   *
   * @returns {Promise<IteratorResult<object, undefined>>}
   */
  return() {
    this.cancel();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Cancels the call (it then fails with `Cancelled`) and ends the iteration. */
  cancel() {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#chunks = [];
    this.#head = 0;
    if (!this.#finished) this.#stop.abort();
    this.#error = null; // A stopped reader is not told why the call ended.
    for (const waiter of this.#waiters.splice(0)) waiter.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /** @internal The call's resume function (`llmwire_call_resume` on its handle). */
  _attach(resume) {
    this.#resume = resume;
  }

  /**
   * @internal A batch of chunks from the library; returns its `llmwire_chunks_reply`.
   * @param {object[]} batch
   * @returns {number}
   */
  _accept(batch) {
    if (this.#stopped) return CHUNKS_ABORT;
    let next = 0;
    while (next < batch.length && this.#waiters.length > 0) {
      this.#waiters.shift().resolve({ value: batch[next++], done: false });
    }
    for (; next < batch.length; next++) this.#chunks.push(batch[next]);
    if (this.#chunks.length - this.#head >= this.#maxBuffered) {
      this.#paused = true;
      return CHUNKS_PAUSE;
    }
    return CHUNKS_CONTINUE;
  }

  #take() {
    const chunk = this.#chunks[this.#head];
    this.#chunks[this.#head++] = undefined;
    const unread = this.#chunks.length - this.#head;
    if (unread === 0) {
      this.#chunks = [];
      this.#head = 0;
    }
    // Resume once half the buffer is read, so the library refills while the rest is consumed.
    if (this.#paused && unread <= this.#maxBuffered / 2) {
      this.#paused = false;
      this.#resume();
    }
    return chunk;
  }

  #finish(error) {
    this.#finished = true;
    if (!this.#stopped) this.#error = error;
    for (const waiter of this.#waiters.splice(0)) {
      const result = this.#finalResult();
      if (result instanceof Error) waiter.reject(result);
      else waiter.resolve(result);
    }
  }

  /** The error once (then done), or done; called only when no chunk is left. */
  #finalResult() {
    const error = this.#error;
    if (error) {
      this.#error = null;
      return error;
    }
    return { value: undefined, done: true };
  }
}

module.exports = { Client, ChatStream, CancelToken, setMaxThreads, maxThreads };
