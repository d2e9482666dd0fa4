'use strict';

/**
 * `OpenAI`: the official `openai` package's interface over an llmwire `Client`, so that code
 * written for it runs with its import changed: `await client.chat.completions.create({...})`
 * resolves to the completion, `stream: true` to an async iterable of chunks, and failures are
 * instances of the official error types (`OpenAI.RateLimitError`, …; see lib/errors.js).
 *
 * Underneath, every call goes through a `Client` (its public `chat` and `stream`), so local
 * validation, precise classification, retries that honour server hints and metrics come with it;
 * the client is at `openai.llmwire`. This module only translates: options into the client
 * configuration, and llmwire's errors into the official package's spelling of them.
 *
 * @module llmwire/lib/openai
 */

const { Client } = require('./client');
const { LlmwireError, OFFICIAL_ERRORS, localError } = require('./errors');
const { snakeCaseKeys, CONFIG_MAPS } = require('./case');

const OFFICIAL_TYPES = new Map(Object.entries(OFFICIAL_ERRORS).map(([name, type]) => [type, name]));
const UNSUPPORTED = ['fetch', 'httpAgent', 'defaultQuery', 'query'];

/**
 * Gives an llmwire error the official package's `status` (the HTTP status, or undefined; the C
 * status name stays in `details.status`) and `name` (e.g. `"RateLimitError"`).
 *
 * @param {unknown} error
 * @returns {unknown}
 */
function officialError(error) {
  if (!(error instanceof LlmwireError)) return error;
  let type = error.constructor;
  while (type && !OFFICIAL_TYPES.has(type)) type = Object.getPrototypeOf(type);
  const own = (value) => ({ value, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(error, 'status', own(error.httpStatus ?? undefined));
  Object.defineProperty(error, 'name', own(OFFICIAL_TYPES.get(type) ?? 'OpenAIError'));
  return error;
}

/**
 * @param {Record<string, unknown>} options
 * @param {string} where
 */
function refuseUnsupported(options, where) {
  for (const name of UNSUPPORTED) {
    if (options[name] !== undefined) {
      throw localError('invalid_config', `${where} does not support '${name}': llmwire makes its own HTTP ` +
        'requests; put headers in defaultHeaders (or headers) and the whole path in baseURL');
    }
  }
}

/**
 * @param {unknown} value
 * @param {string} what
 * @returns {number}
 */
function positiveMs(value, what) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw localError('invalid_config', `${what} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return Math.max(1, Math.round(value));
}

/**
 * @param {unknown} value
 * @returns {number}
 */
function maxAttempts(value) {
  if (!Number.isInteger(value) || /** @type {number} */ (value) < 0) {
    throw localError('invalid_config', `maxRetries must be an integer >= 0, got ${String(value)}`);
  }
  return /** @type {number} */ (value) + 1;
}

/** The official fields of the options, and the rest (llmwire configuration, either case). */
function splitOptions(options) {
  const {
    apiKey, baseURL, organization, project, timeout, maxRetries, defaultHeaders, provider,
    dangerouslyAllowBrowser: _browser, ...llmwireConfig
  } = options;
  refuseUnsupported(llmwireConfig, 'llmwire.OpenAI');
  return {
    official: { apiKey, baseURL, organization, project, timeout, maxRetries, defaultHeaders, provider },
    llmwireConfig: snakeCaseKeys(llmwireConfig, CONFIG_MAPS),
  };
}

/**
 * The llmwire client configuration for the official options, with per-request changes.
 *
 * @param {ReturnType<typeof splitOptions>} split
 * @param {{timeout?: number, maxRetries?: number, headers?: Record<string, string>}} [request]
 */
function clientConfig({ official, llmwireConfig }, request = {}) {
  const env = official.provider === undefined || official.provider === 'openai' ? process.env : {};
  const config = { ...llmwireConfig };
  const set = (key, value) => { if (value !== undefined && value !== null) config[key] = value; };
  set('provider', official.provider);
  set('base_url', official.baseURL ?? env.OPENAI_BASE_URL);
  set('api_key', official.apiKey ?? env.OPENAI_API_KEY);
  const headers = { ...config.headers };
  const organization = official.organization ?? env.OPENAI_ORG_ID;
  const project = official.project ?? env.OPENAI_PROJECT_ID;
  if (organization) headers['OpenAI-Organization'] = organization;
  if (project) headers['OpenAI-Project'] = project;
  Object.assign(headers, official.defaultHeaders, request.headers);
  if (Object.keys(headers).length > 0) config.headers = headers;
  const timeout = request.timeout ?? official.timeout;
  if (timeout !== undefined && timeout !== null) {
    config.timeouts = { ...config.timeouts, attempt_ms: positiveMs(timeout, 'timeout') };
  }
  const retries = request.maxRetries ?? official.maxRetries;
  if (retries !== undefined && retries !== null) config.retry = { ...config.retry, max_attempts: maxAttempts(retries) };
  return config;
}

/**
 * A streamed completion: `for await (const chunk of stream)`. Leaving the loop early, or
 * `stream.controller.abort()`, cancels the call.
 */
class Stream {
  #chunks;

  /** @param {import('./client').ChatStream} chunks */
  constructor(chunks) {
    this.#chunks = chunks;
    /** Aborting it stops the stream and cancels the call. */
    this.controller = new AbortController();
    this.controller.signal.addEventListener('abort', () => chunks.cancel(), { once: true });
  }

  async *[Symbol.asyncIterator]() {
    try {
      for await (const chunk of this.#chunks) yield chunk;
    } catch (error) {
      throw officialError(error);
    }
  }

  /** The assembled completion, once the stream has ended (llmwire's addition). */
  get completion() {
    return this.#chunks.response.catch((error) => { throw officialError(error); });
  }
}

/** `client.chat.completions`. */
class Completions {
  #openai;

  /** @param {OpenAI} openai */
  constructor(openai) {
    this.#openai = openai;
  }

  /**
   * Creates a chat completion, as the official `client.chat.completions.create`: every body
   * field is sent as given. `options` are per request: `signal`, `timeout` (ms), `maxRetries`,
   * `headers`. Resolves to the completion, or with `stream: true` to a `Stream` of chunks.
   *
   * @param {Record<string, unknown>} body
   * @param {{signal?: AbortSignal, timeout?: number, maxRetries?: number, headers?: Record<string, string>}} [options]
   * @returns {Promise<object>}
   */
  async create(body, options = {}) {
    if (options === null || typeof options !== 'object') throw localError('invalid_argument', 'options must be an object');
    refuseUnsupported(options, 'create()');
    const { signal, ...perRequest } = options;
    const client = this.#openai._clientFor(perRequest);
    try {
      if (body?.stream === true) return new Stream(client.stream(body, { signal }));
      return await client.chat(body, { signal });
    } catch (error) {
      throw officialError(error);
    }
  }
}

/**
 * A client with the official `openai` package's interface, over an llmwire `Client`.
 *
 * @example
 * const { OpenAI } = require('llmwire');
 * const client = new OpenAI(); // OPENAI_API_KEY, OPENAI_BASE_URL
 * const completion = await client.chat.completions.create({
 *   model: 'gpt-4o-mini',
 *   messages: [{ role: 'user', content: 'Hello' }],
 * });
 */
class OpenAI {
  #options;
  #split;
  #main;
  /** @type {Map<string, Client>} */
  #derived = new Map();

  /**
   * @param {Record<string, unknown>} [options] `apiKey` (default `OPENAI_API_KEY`), `baseURL`
   *   (default `OPENAI_BASE_URL`), `timeout` (ms, for each attempt), `maxRetries` (attempts =
   *   maxRetries + 1; default llmwire's policy), `defaultHeaders`, `organization`, `project`,
   *   `provider`, and any llmwire configuration key, in camelCase or snake_case.
   */
  constructor(options = {}) {
    if (options === null || typeof options !== 'object') throw localError('invalid_config', 'options must be an object');
    this.#options = { ...options };
    this.#split = splitOptions(this.#options);
    this.#main = new Client(clientConfig(this.#split));
    /** `client.chat.completions.create(...)`. */
    this.chat = { completions: new Completions(this) };
  }

  /** The llmwire `Client` making the calls: metrics, events, the full-control interface. */
  get llmwire() {
    return this.#main;
  }

  /** The API key in use (from the options or `OPENAI_API_KEY`), or undefined. */
  get apiKey() {
    return clientConfig(this.#split).api_key;
  }

  /** The base URL given (or from `OPENAI_BASE_URL`); undefined means the provider's own. */
  get baseURL() {
    return clientConfig(this.#split).base_url;
  }

  /** Retries after the first attempt, or undefined for llmwire's policy (4 retries). */
  get maxRetries() {
    return this.#options.maxRetries;
  }

  /** The attempt timeout in ms, or undefined for llmwire's default (600 000). */
  get timeout() {
    return this.#options.timeout;
  }

  /**
   * A new client with these options changed; it has llmwire clients of its own.
   *
   * @param {Record<string, unknown>} options
   * @returns {OpenAI}
   */
  withOptions(options) {
    return new OpenAI({ ...this.#options, ...options });
  }

  /**
   * The client for a request's `timeout`, `maxRetries` and `headers`: the main one, or one made
   * for that combination on first use.
   *
   * @internal
   * @param {{timeout?: number, maxRetries?: number, headers?: Record<string, string>}} perRequest
   * @returns {Client}
   */
  _clientFor({ timeout, maxRetries, headers }) {
    if (timeout === undefined && maxRetries === undefined && headers === undefined) return this.#main;
    const key = JSON.stringify([timeout, maxRetries, headers]);
    let client = this.#derived.get(key);
    if (!client) {
      client = new Client(clientConfig(this.#split, { timeout, maxRetries, headers }));
      this.#derived.set(key, client);
    }
    return client;
  }

  /**
   * Closes the llmwire clients (running calls finish first). Idempotent.
   *
   * @returns {Promise<void>}
   */
  async close() {
    const clients = [this.#main, ...this.#derived.values()];
    this.#derived.clear();
    await Promise.all(clients.map((client) => client.close()));
  }
}

for (const [name, type] of Object.entries(OFFICIAL_ERRORS)) OpenAI[name] = type;
OpenAI.OpenAI = OpenAI;
OpenAI.Stream = Stream;

module.exports = { OpenAI, Stream, officialError };
