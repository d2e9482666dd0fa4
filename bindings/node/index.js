'use strict';

/**
 * llmwire for Node.js: robust calls to OpenAI-compatible chat-completions endpoints, through the
 * llmwire native library (validation, error classification, retries that honour server hints,
 * streaming, cancellation, metrics).
 *
 * @example
 * // The official `openai` package's interface:
 * const { OpenAI } = require('llmwire');
 * const openai = new OpenAI(); // OPENAI_API_KEY, OPENAI_BASE_URL
 * const reply = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] });
 *
 * // The full-control interface:
 * const llmwire = require('llmwire');
 * const client = new llmwire.Client({ base_url: 'http://127.0.0.1:8080/v1', model: 'mock-model' });
 * try {
 *   const completion = await client.chat({ messages: [{ role: 'user', content: 'Hello' }] });
 * } catch (error) {
 *   if (error instanceof llmwire.RateLimited) console.error(error.summary, error.retryAfterMs);
 * }
 *
 * @module llmwire
 */

const { functions: native, libraryPath } = require('./lib/native');
const { camelCaseKeys, snakeCaseKeys, REPORT_BODIES } = require('./lib/case');
const { toJson, callSync } = require('./lib/boundary');
const errors = require('./lib/errors');
const { Client, ChatStream, CancelToken, setMaxThreads, maxThreads } = require('./lib/client');

/**
 * Classifies a provider's failure (docs/design.md §3): `{provider, status, headers, body}` or
 * `{transport}` in, `{class, retryable, retryAfterMs, hintSource, …}` out (camelCase keys).
 *
 * @param {object} input
 * @returns {object}
 */
function classify(input) {
  return camelCaseKeys(JSON.parse(callSync(native.llmwire_classify, toJson(input, 'input'))));
}

/**
 * Throws a clear error when the loaded library predates a function.
 *
 * @param {string} name
 * @returns {Function}
 */
function requireFunction(name) {
  const fn = native[name];
  if (!fn) {
    const error = new Error(`llmwire: ${name} is not in the loaded library (${libraryPath}, ` +
      `version ${version()}); rebuild libllmwire from a checkout that has it`);
    error.code = 'ERR_LLMWIRE_UNSUPPORTED';
    throw error;
  }
  return fn;
}

/**
 * Validates a request locally (docs/design.md §5); nothing is sent. Returns the report
 * `{ok, errors, warnings, estimatedPromptTokens, provider, model}`, plus `repairs` and the
 * repaired `request` (a request body, in the API's own names) with `repair: true`. An invalid request is a report with `ok: false`, not an
 * exception; bad arguments (unknown option, unknown provider) throw `InvalidArgument`.
 *
 * @param {object} request A chat-completions request body.
 * @param {object} [options] `{provider, repair, model, windowTokens, maxOutputTokens}` (either case).
 * @returns {object}
 */
function validate(request, options = {}) {
  const report = callSync(native.llmwire_validate, toJson(request, 'request'), toJson(snakeCaseKeys(options), 'options'));
  return camelCaseKeys(JSON.parse(report), REPORT_BODIES);
}

/**
 * Trims a request's history to fit its model's context window: returns `{request, report}`, the
 * trimmed request (in the API's own names) and what was done (camelCase keys).
 *
 * @param {object} request A chat-completions request body.
 * @param {object} [options] (either case)
 * @returns {object}
 */
function trim(request, options = {}) {
  const fn = requireFunction('llmwire_trim');
  const result = JSON.parse(callSync(fn, toJson(request, 'request'), toJson(snakeCaseKeys(options), 'options')));
  return camelCaseKeys(result, REPORT_BODIES);
}

/**
 * The native library's version, e.g. `"0.1.0"`.
 *
 * @returns {string}
 */
function version() {
  return native.llmwire_version();
}

/**
 * The native library's C ABI version (this binding checked it is the one it speaks).
 *
 * @returns {number}
 */
function abiVersion() {
  return native.llmwire_abi_version();
}

const { OpenAI } = require('./lib/openai');

// The official `openai` package's error names (also static members of `OpenAI`), bound to names
// so that `import { RateLimitError } from 'llmwire'` finds them too.
const {
  OpenAIError, APIError, BadRequestError, AuthenticationError, PermissionDeniedError, NotFoundError,
  ConflictError, UnprocessableEntityError, RateLimitError, InternalServerError, APIConnectionError,
  APIConnectionTimeoutError, APIUserAbortError,
} = errors.OFFICIAL_ERRORS;

module.exports = {
  OpenAI,
  OpenAIError,
  APIError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  Client,
  ChatStream,
  CancelToken,
  setMaxThreads,
  maxThreads,
  classify,
  validate,
  trim,
  version,
  abiVersion,
  libraryPath,
  LlmwireError: errors.LlmwireError,
  RateLimited: errors.RateLimited,
  QuotaExhausted: errors.QuotaExhausted,
  Overloaded: errors.Overloaded,
  ServerError: errors.ServerError,
  Timeout: errors.Timeout,
  Network: errors.Network,
  InvalidRequest: errors.InvalidRequest,
  ContextLengthExceeded: errors.ContextLengthExceeded,
  Authentication: errors.Authentication,
  PermissionDenied: errors.PermissionDenied,
  NotFound: errors.NotFound,
  ContentFiltered: errors.ContentFiltered,
  RequestTooLarge: errors.RequestTooLarge,
  Conflict: errors.Conflict,
  MalformedResponse: errors.MalformedResponse,
  InvalidArgument: errors.InvalidArgument,
  InvalidConfig: errors.InvalidConfig,
  ValidationFailed: errors.ValidationFailed,
  Cancelled: errors.Cancelled,
  ResponseTooLarge: errors.ResponseTooLarge,
  Internal: errors.Internal,
  Panic: errors.Panic,
  /** Class name → error type, e.g. `errorTypes.rate_limited === RateLimited`. */
  errorTypes: errors.ERROR_TYPES,
};
