'use strict';

/**
 * Errors: `LlmwireError` and one subclass per class of the taxonomy (docs/design.md §2) and per local
 * outcome. The library decides the class; this module only maps its name to a JS type, through
 * one table, and spells the error object's fields in camelCase.
 *
 * @module llmwire/lib/errors
 */

/**
 * An attempt of a call, as recorded in the error object (and in a completion's `llmwire` key).
 *
 * @typedef {object} Attempt
 * @property {number} n 1-based attempt number.
 * @property {string | null} class The attempt's failure class, or null for a success.
 * @property {number | null} httpStatus
 * @property {number} elapsedMs Time from the start of the call to the end of this attempt.
 * @property {number} delayMs The delay slept after this attempt.
 * @property {string | null} delaySource `"retry-after"`, `"retry_info"`, …, `"backoff"`, or null.
 * @property {string | null} fault For a failure below HTTP, what it was: `"dns"`,
 *   `"connection_refused"`, `"connection_reset"`, `"tls"`, `"truncated"`, `"connect_timeout"`,
 *   `"attempt_timeout"`, `"deadline"`, `"first_chunk_timeout"`, `"stream_idle_timeout"`, or
 *   `"cancelled"`; null otherwise.
 * @property {string | null} phase Where that attempt was: `"dns"`, `"connect"`, `"tls"`, `"send"`,
 *   `"head"`, `"body"`, `"first_chunk"`, `"stream"`; null otherwise.
 * @property {string} [target] The target the attempt went to (configurations with `targets`).
 */

/** The failure of an llmwire call; `message` is the one-line summary a person can act on. */
class LlmwireError extends Error {
  /**
   * @param {Record<string, any>} details The error object as the library renders it (docs/design.md §4).
   * @param {ErrorOptions} [options]
   */
  constructor(details, options) {
    super(details.summary || details.message || details.class || 'llmwire error', options);
    /** The class name, e.g. `"rate_limited"`. */
    this.errorClass = details.class ?? null;
    /** The C status name, e.g. `"LLMWIRE_STATUS_RATE_LIMITED"`. */
    this.status = details.status ?? null;
    /** The HTTP status of the response that decided the error, or null. */
    this.httpStatus = details.http_status ?? null;
    /** The delay the server asked for before a retry, or null when it gave none. */
    this.retryAfterMs = details.retry_after_ms ?? null;
    /** Every attempt of the call. @type {Attempt[]} */
    this.attempts = (details.attempts ?? []).map(camelAttempt);
    /** One line a person can act on (the same as `message`). */
    this.summary = this.message;
    /** Why the call stopped: `"not_retryable"`, `"max_attempts"`, `"cancelled"`, …, or null. */
    this.stopReason = details.stop_reason ?? null;
    /** The provider's own words (or llmwire's, for a local error). */
    this.providerMessage = details.message ?? null;
    /** The provider's request id, when it sent one. */
    this.requestId = details.request_id ?? null;
    /** The full error object, with the library's snake_case keys. */
    this.details = details;
  }

  /** @returns {string} */
  get name() {
    return this.constructor.name;
  }
}

/**
 * @param {Record<string, any>} attempt
 * @returns {Attempt}
 */
function camelAttempt(attempt) {
  return {
    n: attempt.n,
    class: attempt.class ?? null,
    httpStatus: attempt.http_status ?? null,
    elapsedMs: attempt.elapsed_ms,
    delayMs: attempt.delay_ms,
    delaySource: attempt.delay_source ?? null,
    fault: attempt.fault ?? null,
    phase: attempt.phase ?? null,
    ...(attempt.target === undefined ? {} : { target: attempt.target }),
  };
}

// The official `openai` package's names (its Node SDK's hierarchy), so that code written for it
// keeps working: each llmwire type below extends the official name that fits it. `OpenAIError` is
// `LlmwireError` itself. The official fields are getters over llmwire's; errors thrown by
// `llmwire.OpenAI` also get the official `status` (the HTTP status) and `name`, see lib/openai.js.

/** The official `APIError`: a failure that involved (or would have involved) the API. */
class APIError extends LlmwireError {
  /** The provider's error object as the official package gives it: `{message, type, param, code}`. */
  get error() {
    if (this.httpStatus === null) return undefined;
    return { message: this.providerMessage, type: this.type, param: this.param, code: this.code };
  }

  /** The provider's error code (e.g. `"insufficient_quota"`), or null. */
  get code() {
    return this.details.provider_code ?? null;
  }

  /** The request parameter the provider blamed, or null. */
  get param() {
    return this.details.param ?? null;
  }

  /** The provider's error type (e.g. `"invalid_request_error"`), or null. */
  get type() {
    return this.details.error_type ?? null;
  }

  /** The official spelling of `requestId`. */
  get requestID() {
    return this.requestId;
  }

  /** The headers llmwire knows of the response: `x-request-id`, when the provider sent one. */
  get headers() {
    return this.requestId ? { 'x-request-id': this.requestId } : {};
  }
}
/** The official name for a 400: the request was rejected (or refused before sending). */
class BadRequestError extends APIError {}
/** The official name for a 401. */
class AuthenticationError extends APIError {}
/** The official name for a 403. */
class PermissionDeniedError extends APIError {}
/** The official name for a 404. */
class NotFoundError extends APIError {}
/** The official name for a 409. */
class ConflictError extends APIError {}
/** The official name for a 422 (llmwire classes one as `InvalidRequest`, a `BadRequestError`). */
class UnprocessableEntityError extends APIError {}
/** The official name for a 429: a rate limit or an exhausted quota. */
class RateLimitError extends APIError {}
/** The official name for a 5xx: a server fault or an overloaded provider. */
class InternalServerError extends APIError {}
/** The official name for a failure to reach the server or to read its answer. */
class APIConnectionError extends APIError {}
/** The official name for a timed-out request. */
class APIConnectionTimeoutError extends APIConnectionError {}
/** The official name for a request the caller aborted. */
class APIUserAbortError extends APIError {}

// Server classes (docs/design.md §2).
/** A per-minute or concurrency limit; passes after a delay. */
class RateLimited extends RateLimitError {}
/** Billing, daily or monthly quota gone. */
class QuotaExhausted extends RateLimitError {}
/** The provider is overloaded. */
class Overloaded extends InternalServerError {}
/** A transient server fault (500, 502, …). */
class ServerError extends InternalServerError {}
/** The server or the client timed out. */
class Timeout extends APIConnectionTimeoutError {}
/** Connection refused or reset, DNS, TLS, truncated response. */
class Network extends APIConnectionError {}
/** The provider rejected the request shape. */
class InvalidRequest extends BadRequestError {}
/** Prompt plus output budget exceed the model's window. */
class ContextLengthExceeded extends BadRequestError {}
/** Missing, invalid or expired credentials. */
class Authentication extends AuthenticationError {}
/** Valid credentials, not allowed to do this. */
class PermissionDenied extends PermissionDeniedError {}
/** Unknown model or route. */
class NotFound extends NotFoundError {}
/** A safety or policy refusal. */
class ContentFiltered extends BadRequestError {}
/** The request is over a size limit. */
class RequestTooLarge extends APIError {}
/** A conflicting concurrent operation (409). */
class Conflict extends ConflictError {}
/** A 2xx answer that is not a usable completion. */
class MalformedResponse extends APIError {}
// Local outcomes.
/** Bad input to the API: wrong type, not JSON-serialisable, malformed JSON. */
class InvalidArgument extends LlmwireError {}
/** An unusable client configuration (an unknown key is named in the message). */
class InvalidConfig extends LlmwireError {}
/** Local validation rejected the request; nothing was sent. */
class ValidationFailed extends BadRequestError {
  /** The validation report (`ok`, `errors`, `warnings`, …), when the library attached one. */
  get report() {
    return this.details.validation ?? null;
  }
}
/** The call was cancelled (AbortSignal, CancelToken, or an early end of a stream). */
class Cancelled extends APIUserAbortError {}
/** The response was larger than the configured cap. */
class ResponseTooLarge extends APIError {}
/** An internal error in llmwire. */
class Internal extends LlmwireError {}
/** A panic inside llmwire was caught at the boundary (please report it). */
class Panic extends LlmwireError {}

/** The one table from class names to error types. */
const ERROR_TYPES = Object.freeze({
  rate_limited: RateLimited,
  quota_exhausted: QuotaExhausted,
  overloaded: Overloaded,
  server_error: ServerError,
  timeout: Timeout,
  network: Network,
  invalid_request: InvalidRequest,
  context_length_exceeded: ContextLengthExceeded,
  authentication: Authentication,
  permission_denied: PermissionDenied,
  not_found: NotFound,
  content_filtered: ContentFiltered,
  request_too_large: RequestTooLarge,
  conflict: Conflict,
  malformed_response: MalformedResponse,
  invalid_argument: InvalidArgument,
  invalid_config: InvalidConfig,
  validation_failed: ValidationFailed,
  cancelled: Cancelled,
  response_too_large: ResponseTooLarge,
  internal: Internal,
  panic: Panic,
});

/**
 * Builds the error for an error object; a class this binding does not know yet gives the base
 * type, so a newer library never breaks an older binding.
 *
 * @param {Record<string, any>} details
 * @param {ErrorOptions} [options]
 * @returns {LlmwireError}
 */
function errorFromObject(details, options) {
  const Type = Object.hasOwn(ERROR_TYPES, details.class) ? ERROR_TYPES[details.class] : LlmwireError;
  return new Type(details, options);
}

/**
 * An error raised by the binding itself, before anything reached the library, shaped like the
 * library's own local errors.
 *
 * @param {string} errorClass
 * @param {string} message
 * @param {ErrorOptions} [options]
 * @returns {LlmwireError}
 */
function localError(errorClass, message, options) {
  return errorFromObject({
    class: errorClass,
    status: `LLMWIRE_STATUS_${errorClass.toUpperCase()}`,
    stop_reason: null,
    summary: `${errorClass}: ${message}`,
    message,
    http_status: null,
    retry_after_ms: null,
    attempts: [],
  }, options);
}

/** The official names, as exported by the official package (and as static members of `OpenAI`). */
const OFFICIAL_ERRORS = Object.freeze({
  OpenAIError: LlmwireError,
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
});

module.exports = {
  LlmwireError,
  RateLimited,
  QuotaExhausted,
  Overloaded,
  ServerError,
  Timeout,
  Network,
  InvalidRequest,
  ContextLengthExceeded,
  Authentication,
  PermissionDenied,
  NotFound,
  ContentFiltered,
  RequestTooLarge,
  Conflict,
  MalformedResponse,
  InvalidArgument,
  InvalidConfig,
  ValidationFailed,
  Cancelled,
  ResponseTooLarge,
  Internal,
  Panic,
  ERROR_TYPES,
  OFFICIAL_ERRORS,
  errorFromObject,
  localError,
};
