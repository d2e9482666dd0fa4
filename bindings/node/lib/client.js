'use strict';

/**
 * The client: promises and async iterators over `llmwire_chat` and `llmwire_chat_stream`, with
 * cancellation through `AbortSignal` (or a `CancelToken`) mapped onto `llmwire_cancel` handles.
 *
 * Every blocking call runs on a koffi worker thread (libuv's thread pool), so the event loop never
 * waits for the network. At most `UV_THREADPOOL_SIZE` (default 4) calls run at once; more wait in
 * the pool's queue.
 *
 * @module llmwire/lib/client
 */

const { koffi, functions: native, ChunkCallback, EventCallback } = require('./native');
const { toJson, callSync, callAsync } = require('./boundary');
const { localError } = require('./errors');
const { camelCaseKeys, camelCaseReport, snakeCaseKeys, CONFIG_MAPS, METRICS_MAPS } = require('./case');

const ChunkCallbackPointer = koffi.pointer(ChunkCallback);
const EventCallbackPointer = koffi.pointer(EventCallback);

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
 * @returns {{signal?: AbortSignal}}
 */
function callOptions(options) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw localError('invalid_argument', 'options must be an object');
  return { signal: toAbortSignal(/** @type {any} */ (options).signal) };
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
  #inFlight = 0;
  #closed = false;
  /** @type {Promise<void> | null} */
  #closing = null;
  /** @type {(() => void) | null} */
  #resolveClosing = null;
  /** @type {Set<(event: object) => void>} */
  #listeners = new Set();
  /** The registered event callback, kept until the client is freed (a call may still hold it). */
  #eventTrampoline = null;
  #leakToken = {};

  /**
   * @param {object} [config] The configuration (DESIGN §7: `base_url`, `api_key`, `model`, `retry`,
   *   `timeouts`, …; camelCase keys such as `baseUrl` are accepted too). An unknown key throws
   *   `InvalidConfig` naming it.
   */
  constructor(config = {}) {
    this.#handle = callSync(native.llmwire_client_new, toJson(snakeCaseKeys(config, CONFIG_MAPS), 'config'));
    leakGuard.register(this, { handle: this.#handle, trampoline: null }, this.#leakToken);
  }

  /**
   * Sends a request and resolves to the completion (with its extra `llmwire` key: attempts,
   * repairs, warnings). The call runs on a worker thread; the event loop keeps running.
   *
   * @param {object} request A chat-completions request body.
   * @param {{signal?: AbortSignal | CancelToken}} [options]
   * @returns {Promise<object>}
   */
  async chat(request, options) {
    const { signal } = callOptions(options);
    const requestJson = toJson(request, 'request');
    const responseJson = await this.#run(native.llmwire_chat, requestJson, [signal], []);
    return camelCaseReport(JSON.parse(responseJson));
  }

  /**
   * Streams a request: iterate the result for chunks as they arrive, then read `response` for
   * the assembled completion. The call starts at once; chunks wait in the stream until read.
   * Leaving the loop early (`break`, `return`, a thrown error) cancels the call.
   *
   * @param {object} request A chat-completions request body (`stream` is set for you).
   * @param {{signal?: AbortSignal | CancelToken}} [options]
   * @returns {ChatStream}
   */
  stream(request, options) {
    const { signal } = callOptions(options);
    const requestJson = toJson(request, 'request');
    this.#checkOpen();
    return new ChatStream((onChunk, stopSignal) => {
      const trampoline = koffi.register(onChunk, ChunkCallbackPointer);
      return this.#run(native.llmwire_chat_stream, requestJson, [signal, stopSignal], [trampoline, null])
        .finally(() => koffi.unregister(trampoline));
    });
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
   * Listeners run on the main thread while the call's worker thread waits for them, so keep them
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
   * Closes the client: new calls throw at once; calls already running finish, then the native
   * client is freed. Resolves when it is freed. Idempotent.
   *
   * @returns {Promise<void>}
   */
  close() {
    if (!this.#closing) {
      this.#closed = true;
      this.#closing = new Promise((resolve) => { this.#resolveClosing = resolve; });
      if (this.#inFlight === 0) this.#free();
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

  /** Sets (or clears) the native event hook; the trampoline itself lives until the client is freed. */
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
   * Runs a blocking call on a worker thread with a fresh cancel handle wired to `signals`.
   *
   * @param {Function & {async: Function}} fn `llmwire_chat` or `llmwire_chat_stream`.
   * @param {string} requestJson
   * @param {(AbortSignal | undefined)[]} signals
   * @param {unknown[]} extra Arguments between the cancel handle and the out-parameters.
   * @returns {Promise<string>}
   */
  async #run(fn, requestJson, signals, extra) {
    this.#checkOpen();
    const cancel = native.llmwire_cancel_new();
    if (!cancel) throw localError('internal', 'cannot allocate a cancel handle');
    const trigger = () => native.llmwire_cancel_trigger(cancel);
    const watched = signals.filter(Boolean);
    for (const signal of watched) {
      if (signal.aborted) trigger();
      else signal.addEventListener('abort', trigger, { once: true });
    }
    this.#inFlight += 1;
    try {
      return await callAsync(fn, [this.#handle, requestJson, cancel, ...extra]);
    } catch (error) {
      // Created in a completion callback, the error has no caller frames; after the await, V8's
      // async stack trace leads back to the code that awaited the call.
      Error.captureStackTrace(error);
      const reason = watched.find((signal) => signal.aborted)?.reason;
      if (error?.errorClass === 'cancelled' && reason !== undefined && error.cause === undefined) {
        error.cause = reason;
      }
      throw error;
    } finally {
      // The call has returned: nothing can trigger or use the handle any more.
      for (const signal of watched) signal.removeEventListener('abort', trigger);
      native.llmwire_cancel_free(cancel);
      this.#callEnded();
    }
  }

  #callEnded() {
    this.#inFlight -= 1;
    if (this.#closed && this.#inFlight === 0) this.#free();
  }

  #free() {
    if (this.#handle === null) return;
    leakGuard.unregister(this.#leakToken);
    native.llmwire_client_free(this.#handle);
    this.#handle = null;
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
  /** @type {{resolve: Function, reject: Function}[]} */
  #waiters = [];
  #finished = false;
  /** @type {Error | null} */
  #error = null;
  #stopped = false;
  #stop = new AbortController();
  /** @type {Promise<object>} */
  #response;

  /**
   * @param {(onChunk: (chunkJson: string) => number, stopSignal: AbortSignal) => Promise<string>} start
   * @internal Use `client.stream()`.
   */
  constructor(start) {
    const onChunk = (chunkJson) => {
      if (this.#stopped) return 1; // Non-zero stops the native call.
      this.#push(JSON.parse(chunkJson));
      return 0;
    };
    this.#response = start(onChunk, this.#stop.signal).then(
      (responseJson) => {
        this.#finish(null);
        return camelCaseReport(JSON.parse(responseJson));
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
    if (this.#chunks.length > 0) return Promise.resolve({ value: this.#chunks.shift(), done: false });
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
    this.#chunks.length = 0;
    if (!this.#finished) this.#stop.abort();
    this.#error = null; // A stopped reader is not told why the call ended.
    for (const waiter of this.#waiters.splice(0)) waiter.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  #push(chunk) {
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve({ value: chunk, done: false });
    else this.#chunks.push(chunk);
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

module.exports = { Client, ChatStream, CancelToken };
