// Type declarations for llmwire, the Node binding of libllmwire.
//
// Requests and completions are typed loosely on purpose: llmwire forwards any OpenAI-compatible
// chat-completions body, and providers add fields of their own.

/// <reference types="node" />

// ─── Configuration ────────────────────────────────────────────────────────────────────────────

/** Failure classes of docs/design.md §2 that come from a server. */
export type ServerErrorClass =
  | 'rate_limited'
  | 'quota_exhausted'
  | 'overloaded'
  | 'server_error'
  | 'timeout'
  | 'network'
  | 'invalid_request'
  | 'context_length_exceeded'
  | 'authentication'
  | 'permission_denied'
  | 'not_found'
  | 'content_filtered'
  | 'request_too_large'
  | 'conflict'
  | 'malformed_response';

/** Outcomes that never come from a server. */
export type LocalErrorClass =
  | 'invalid_argument'
  | 'invalid_config'
  | 'validation_failed'
  | 'cancelled'
  | 'response_too_large'
  | 'internal'
  | 'panic';

export type ErrorClass = ServerErrorClass | LocalErrorClass;

export type StopReason =
  | 'succeeded'
  | 'not_retryable'
  | 'max_attempts'
  | 'deadline'
  | 'budget_exhausted'
  | 'server_delay_too_long'
  | 'cancelled'
  | 'aborted_by_callback'
  | 'stream_started'
  | 'all_targets_unavailable';

export type Provider =
  | 'openai' | 'gemini' | 'azure' | 'anthropic' | 'openrouter' | 'groq' | 'deepseek' | 'mistral'
  | 'xai' | 'ollama' | 'vllm' | 'generic'
  | (string & {});

/** Per-class retry override (`retry.classes.<class>`). */
export interface ClassRetryOverride {
  /** Attempts that may fail with this class in one call. */
  max_attempts?: number;
  /** Forces the class retryable or not (a server's `x-should-retry` still wins). */
  retry?: boolean;
}

/** The `retry` object (docs/design.md §4). */
export interface RetryConfig {
  /** Attempts in all, the first included (default 5; 1 never retries). */
  max_attempts?: number;
  /** Backoff before the first retry (default 500 ms). */
  initial_backoff_ms?: number;
  /** Each further backoff is this many times longer (default 2). */
  multiplier?: number;
  /** Backoff cap (default 20 000 ms); server hints are not capped by it. */
  max_backoff_ms?: number;
  jitter?: 'equal' | 'full' | 'none';
  /** Seeds the jitter for reproducible delays. */
  seed?: number;
  /** A server hint longer than this stops the call at once (default 120 000 ms). */
  max_server_delay_ms?: number;
  classes?: Partial<Record<ServerErrorClass, ClassRetryOverride>>;
  budget?: {
    enabled?: boolean;
    capacity?: number;
    retry_cost?: number;
    timeout_retry_cost?: number;
    success_refund?: number;
  };
}

/** Client configuration: JSON with snake_case keys; an unknown key throws `InvalidConfig`. */
export interface ClientConfig {
  provider?: Provider;
  /** Base URL ending before `/chat/completions`, e.g. `https://api.openai.com/v1`. */
  base_url?: string;
  /** The API key; by default it is read from the provider's usual environment variable. */
  api_key?: string;
  /** The environment variable the key is read from when `api_key` is absent. */
  api_key_env?: string;
  /** The model used when a request names none. */
  model?: string;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  timeouts?: {
    connect_ms?: number;
    attempt_ms?: number;
    /** The longest wait between two stream events carrying data (keep-alive comments do not count). */
    stream_idle_ms?: number;
    /** The longest wait for a stream's first event carrying data, once its head arrived. */
    first_chunk_ms?: number;
    /** The whole call: every phase of every attempt and every wait included. */
    deadline_ms?: number | null;
  };
  retry?: RetryConfig;
  validation?: 'strict' | 'repair' | 'warn' | 'off';
  max_response_bytes?: number;
  /** `"env"` (default), `"none"` or a proxy URL. */
  proxy?: string;
  ca_certs_pem?: string;
  user_agent?: string;
  /** Endpoints a call tries in order; each key left out comes from the top level. */
  targets?: TargetConfig[];
  /** Client-side limits: the default for every target. */
  limits?: TargetLimits;
  /** Breaker, cooldown and failover settings. */
  fleet?: {
    breaker?: { failures?: number; window_ms?: number; cooldown_ms?: number };
    disable_ms?: number;
    quota_minute_ms?: number;
    quota_day_ms?: number;
    rate_limit_ms?: number;
    fail_over_on?: ErrorClass[];
  };
}

/** Client-side limits of a target. */
export interface TargetLimits {
  rpm?: number;
  tpm?: number;
  max_in_flight?: number;
  window_ms?: number;
}

/** One entry of `targets`. */
export interface TargetConfig {
  name?: string;
  provider?: Provider;
  model?: string;
  base_url?: string;
  api_key?: string;
  api_key_env?: string;
  headers?: Record<string, string>;
  limits?: TargetLimits;
}

/** A target's state, in metrics and in `all_targets_unavailable` errors. */
export interface TargetState {
  name: string;
  state: 'available' | 'cooling' | 'disabled' | 'breaker_open' | 'limited';
  until_ms?: number;
  retry_in_ms?: number;
  reason?: ErrorClass;
  breaker: 'closed' | 'open' | 'half_open';
  in_flight: number;
  requests_in_window: number;
  tokens_in_window: number;
}

/** `snake_case` → `camelCase`, for key names. */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** An object type with its keys (and its nested objects' keys) in camelCase. */
export type Camelized<T> = T extends ReadonlyArray<unknown> ? T
  : T extends object ? { [K in keyof T as K extends string ? CamelCase<K> : K]: Camelized<T[K]> }
  : T;

/**
 * What `new Client()` accepts: the configuration with snake_case keys (as in JSON) or camelCase
 * ones (`baseUrl`, `apiKey`, `timeouts.attemptMs`, …); the binding gives the library snake_case.
 */
export type ClientOptions = ClientConfig | Camelized<ClientConfig>;

// ─── Requests and results ──────────────────────────────────────────────────────────────────────

export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | (string & {});
  content?: string | Array<Record<string, unknown>> | null;
  [key: string]: unknown;
}

/** A chat-completions request body, as for the provider's API. */
export interface ChatRequest {
  model?: string;
  messages: ChatMessage[];
  tools?: Array<Record<string, unknown>>;
  stream?: boolean;
  [key: string]: unknown;
}

/** One attempt in an error's `details` (snake_case, as the library writes it). */
export interface AttemptRecord {
  n: number;
  class: ErrorClass | null;
  http_status: number | null;
  elapsed_ms: number;
  delay_ms: number;
  delay_source: string | null;
  /** For a failure below HTTP, what it was (`"dns"`, `"deadline"`, …); absent otherwise. */
  fault?: string;
  /** Where that attempt was (`"connect"`, `"head"`, `"stream"`, …); absent otherwise. */
  phase?: string;
  /** The target the attempt went to (configurations with `targets` or `limits`). */
  target?: string;
}

/** The report llmwire adds to every completion under the `llmwire` key (camelCase keys). */
export interface LlmwireReport {
  attempts: Attempt[];
  repairs: Array<{ code: string; path: string; message: string }>;
  warnings: Array<{ code: string; path: string; message: string }>;
  [key: string]: unknown;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion' | (string & {});
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: string; content: string | null; tool_calls?: Array<Record<string, unknown>>; [key: string]: unknown };
    finish_reason: string | null;
    [key: string]: unknown;
  }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number; [key: string]: unknown };
  llmwire: LlmwireReport;
  [key: string]: unknown;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk' | (string & {});
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: string; content?: string | null; tool_calls?: Array<Record<string, unknown>>; [key: string]: unknown };
    finish_reason: string | null;
    [key: string]: unknown;
  }>;
  usage?: Record<string, unknown> | null;
  [key: string]: unknown;
}

/** One event per attempt outcome. */
export interface AttemptEvent {
  event: 'attempt';
  callId: number;
  attempt: number;
  outcome: 'success' | 'failure';
  class: ErrorClass | null;
  httpStatus: number | null;
  elapsedMs: number;
  decision: 'retry' | 'stop' | 'done';
  delayMs: number | null;
  delaySource: string | null;
  stopReason: StopReason | null;
  message: string | null;
  [key: string]: unknown;
}

export interface CallOptions {
  /** Cancels the call: at once while it waits between attempts, else when the current read returns. */
  signal?: AbortSignal | CancelToken;
}

export interface StreamOptions extends CallOptions {
  /**
   * Unread chunks the stream holds before the library pauses (default 64); the library buffers as
   * many more, then stops reading the response until the loop catches up.
   */
  maxBufferedChunks?: number;
}

/** The client's metrics (keys in camelCase; the maps are keyed by class name). */
export interface Metrics {
  calls: number;
  attempts: number;
  successes: number;
  failures: number;
  retries: number;
  sleptMs: number;
  budgetLevel: number;
  budgetCapacity: number;
  failuresByClass: Record<ErrorClass, number>;
  retriesByClass: Record<ErrorClass, number>;
  [key: string]: unknown;
}

// ─── Client ────────────────────────────────────────────────────────────────────────────────────

/** A chat-completions client, safe to use from any number of concurrent calls. */
export class Client implements AsyncDisposable {
  /** @throws {InvalidConfig} for an unknown key (named in the message) or a bad value. */
  constructor(config?: ClientOptions);
  /**
   * Sends a request on the library's own threads (never libuv's pool); resolves to the
   * completion, rejects with an `LlmwireError`.
   */
  chat(request: ChatRequest, options?: CallOptions): Promise<ChatCompletion>;
  /** Streams a request; the call starts at once. Leaving the loop early cancels it. */
  stream(request: ChatRequest, options?: StreamOptions): ChatStream;
  metrics(format?: 'json'): Metrics;
  metrics(format: 'prometheus'): string;
  /** Adds an event listener; returns a function that removes it. */
  onEvent(listener: (event: AttemptEvent) => void): () => void;
  /**
   * New calls throw at once; running calls are cancelled and settle at once with `Cancelled`;
   * resolves when the library has reported every one of them.
   */
  close(): Promise<void>;
  readonly closed: boolean;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A streaming call: chunks as they arrive, then the assembled completion. */
export class ChatStream implements AsyncIterableIterator<ChatCompletionChunk> {
  private constructor();
  /** The assembled completion; rejects with the call's error (`Cancelled` after an early exit). */
  readonly response: Promise<ChatCompletion>;
  next(): Promise<IteratorResult<ChatCompletionChunk, undefined>>;
  /** Cancels the call if it still runs; called by `for await` when the loop is left early. */
  return(): Promise<IteratorResult<ChatCompletionChunk, undefined>>;
  /** Cancels the call and ends the iteration. */
  cancel(): void;
  [Symbol.asyncIterator](): ChatStream;
}

/** A cancellation switch for many calls; once cancelled it stays cancelled. */
export class CancelToken {
  /** @param reason kept as the `cause` of the calls' `Cancelled` errors. */
  cancel(reason?: unknown): void;
  readonly cancelled: boolean;
  readonly signal: AbortSignal;
}

// ─── Errors ────────────────────────────────────────────────────────────────────────────────────

/** One attempt of a failed call. */
export interface Attempt {
  n: number;
  class: ErrorClass | null;
  httpStatus: number | null;
  elapsedMs: number;
  delayMs: number;
  delaySource: string | null;
  /** For a failure below HTTP, what it was (`"dns"`, `"deadline"`, `"cancelled"`, …), else null. */
  fault: string | null;
  /** Where that attempt was (`"connect"`, `"head"`, `"stream"`, …), else null. */
  phase: string | null;
  /** The target the attempt went to (configurations with `targets` or `limits`). */
  target?: string;
}

/** The error object as the library renders it (docs/design.md §4), snake_case. */
export interface ErrorDetails {
  class: ErrorClass | (string & {});
  status: string;
  stop_reason: StopReason | null;
  summary: string;
  retryable?: boolean;
  retry_after_ms: number | null;
  hint_source?: string | null;
  http_status: number | null;
  provider?: string | null;
  provider_status?: string | null;
  provider_code?: string | null;
  error_type?: string | null;
  param?: string | null;
  message: string;
  request_id?: string | null;
  quota_id?: string | null;
  attempts: AttemptRecord[];
  validation?: ValidationReport;
  /** Every target's state, with stop reason `all_targets_unavailable`. */
  targets?: TargetState[];
  [key: string]: unknown;
}

/** The failure of an llmwire call; `message` is the one-line summary a person can act on. */
export class LlmwireError extends Error {
  /** The class name, e.g. `"rate_limited"`. */
  readonly errorClass: ErrorClass | (string & {});
  /** The C status name, e.g. `"LLMWIRE_STATUS_RATE_LIMITED"`. */
  readonly status: string;
  readonly httpStatus: number | null;
  /** The delay the server asked for, or null when it gave none. */
  readonly retryAfterMs: number | null;
  readonly attempts: Attempt[];
  /** The same as `message`. */
  readonly summary: string;
  readonly stopReason: StopReason | null;
  /** The provider's own words (or llmwire's, for a local error). */
  readonly providerMessage: string | null;
  readonly requestId: string | null;
  /** The full error object. */
  readonly details: ErrorDetails;
}

/** The official package's root error type is `LlmwireError` itself. */
export { LlmwireError as OpenAIError };

/** The official `APIError`; every llmwire error that involves the API is one. */
export class APIError extends LlmwireError {
  /**
   * On errors thrown by `OpenAI`: the HTTP status (undefined when there was none), as in the
   * official package. On errors thrown by `Client`: the C status name (see `LlmwireError`).
   */
  readonly status: any;
  /** The provider's error object as the official package gives it, or undefined. */
  readonly error: { message: string | null; type: string | null; param: string | null; code: string | null } | undefined;
  readonly code: string | null;
  readonly param: string | null;
  readonly type: string | null;
  /** The official spelling of `requestId`. */
  readonly requestID: string | null;
  /** The response headers llmwire knows: `x-request-id` when there was one. */
  readonly headers: Record<string, string>;
}
export class BadRequestError extends APIError {}
export class AuthenticationError extends APIError {}
export class PermissionDeniedError extends APIError {}
export class NotFoundError extends APIError {}
export class ConflictError extends APIError {}
/** Exists for code naming it; llmwire classes a 422 as `InvalidRequest`, a `BadRequestError`. */
export class UnprocessableEntityError extends APIError {}
export class RateLimitError extends APIError {}
export class InternalServerError extends APIError {}
export class APIConnectionError extends APIError {}
export class APIConnectionTimeoutError extends APIConnectionError {}
export class APIUserAbortError extends APIError {}

export class RateLimited extends RateLimitError {}
export class QuotaExhausted extends RateLimitError {}
export class Overloaded extends InternalServerError {}
export class ServerError extends InternalServerError {}
export class Timeout extends APIConnectionTimeoutError {}
export class Network extends APIConnectionError {}
export class InvalidRequest extends BadRequestError {}
export class ContextLengthExceeded extends BadRequestError {}
export class Authentication extends AuthenticationError {}
export class PermissionDenied extends PermissionDeniedError {}
export class NotFound extends NotFoundError {}
export class ContentFiltered extends BadRequestError {}
export class RequestTooLarge extends APIError {}
export class Conflict extends ConflictError {}
export class MalformedResponse extends APIError {}
export class InvalidArgument extends LlmwireError {}
export class InvalidConfig extends LlmwireError {}
export class ValidationFailed extends BadRequestError {
  /** The validation report, when the library attached one. */
  readonly report: ValidationReport | null;
}
export class Cancelled extends APIUserAbortError {}
export class ResponseTooLarge extends APIError {}
export class Internal extends LlmwireError {}
export class Panic extends LlmwireError {}

/** Class name → error type, e.g. `errorTypes.rate_limited === RateLimited`. */
export const errorTypes: Readonly<Record<ErrorClass, typeof LlmwireError>>;

// ─── Module functions ──────────────────────────────────────────────────────────────────────────

/** Input of `classify` (docs/design.md §3). */
export type ClassifyInput =
  | { provider?: Provider | 'auto'; status: number; headers?: Record<string, string>; body?: string }
  | { transport: 'connection_refused' | 'connection_reset' | 'timeout' | 'dns' | 'tls' | 'truncated' };

/** What `classify` returns (docs/design.md §3, keys in camelCase). */
export interface Classification {
  class: ErrorClass;
  retryable: boolean;
  retryAfterMs: number | null;
  hintSource: 'retry-after-ms' | 'retry-after' | 'retry_info' | 'message' | 'ratelimit-reset' | null;
  httpStatus: number | null;
  provider: string | null;
  providerStatus: string | null;
  providerCode: string | null;
  errorType: string | null;
  param: string | null;
  message: string;
  requestId: string | null;
  quotaId: string | null;
  [key: string]: unknown;
}

export interface ValidationFinding {
  code: string;
  /** A JSON Pointer into the request. */
  path: string;
  message: string;
}

export interface ValidationReport {
  ok: boolean;
  errors: ValidationFinding[];
  warnings: ValidationFinding[];
  /** Only with `repair: true`. */
  repairs?: ValidationFinding[];
  /** The repaired request (a request body, in the API's own names), only with `repair: true`. */
  request?: ChatRequest;
  estimatedPromptTokens: number;
  provider: string;
  model: string | null;
  [key: string]: unknown;
}

/** Options of `validate`, in camelCase or snake_case. */
export interface ValidateOptions {
  provider?: Provider;
  repair?: boolean;
  /** Validate as this model. */
  model?: string;
  windowTokens?: number;
  maxOutputTokens?: number;
  window_tokens?: number;
  max_output_tokens?: number;
}

/** Classifies a provider's failure. */
export function classify(input: ClassifyInput): Classification;
/** Validates a request locally; nothing is sent. An invalid request gives `ok: false`. */
export function validate(request: ChatRequest, options?: ValidateOptions): ValidationReport;
/**
 * Trims a request's history to fit its model's window. Throws an error with code
 * `ERR_LLMWIRE_UNSUPPORTED` when the loaded library has no `llmwire_trim`.
 */
export function trim(request: ChatRequest, options?: Record<string, unknown>): TrimResult;

/** What `trim` returns. */
export interface TrimResult {
  /** The trimmed request, in the API's own names. */
  request: ChatRequest;
  /** What was done: `trimmed`, `strategy`, `budgetTokens`, `estimatedTokensBefore`, `droppedTurns`, … */
  report: { trimmed: boolean; [key: string]: unknown };
  [key: string]: unknown;
}
/** The native library's version, e.g. `"0.1.0"`. */
export function version(): string;
/**
 * Sets the cap on the library's threads for calls (process-wide, default 512); past it calls wait
 * in a queue, and the wait counts against their `deadline_ms`.
 * @throws {InvalidArgument} unless `maxThreads` is a positive integer.
 */
export function setMaxThreads(maxThreads: number): void;
/** The cap on the library's threads for calls. */
export function maxThreads(): number;
/** The native library's C ABI version. */
export function abiVersion(): number;
/** The path of the loaded native library. */
export const libraryPath: string;

// ─── The official package's interface ─────────────────────────────────────────────────────────

/** Options of `new OpenAI()`: the official package's, plus any llmwire configuration key. */
export interface OpenAIOptions extends Omit<Camelized<ClientConfig>, 'apiKey' | 'baseUrl' | 'provider'> {
  /** Default: the `OPENAI_API_KEY` environment variable (for the `openai` provider). */
  apiKey?: string | null;
  /** Default: `OPENAI_BASE_URL`, else the provider's endpoint. */
  baseURL?: string | null;
  organization?: string | null;
  project?: string | null;
  /** Milliseconds for each attempt (default 600 000). */
  timeout?: number;
  /** Attempts are `maxRetries + 1`; default llmwire's policy (5 attempts, honouring server hints). */
  maxRetries?: number;
  defaultHeaders?: Record<string, string>;
  provider?: Provider;
  [key: string]: unknown;
}

/** Per-request options of `create()`. */
export interface RequestOptions {
  signal?: AbortSignal;
  /** Milliseconds for each attempt of this request. */
  timeout?: number;
  maxRetries?: number;
  /** Headers for this request, over the client's. */
  headers?: Record<string, string>;
}

/** What `create({stream: true})` resolves to. */
export interface ChatCompletionStream extends AsyncIterable<ChatCompletionChunk> {
  /** Aborting it stops the stream and cancels the call. */
  readonly controller: AbortController;
  /** The assembled completion, once the stream has ended (llmwire's addition). */
  readonly completion: Promise<ChatCompletion>;
}

export interface ChatCompletions {
  create(body: ChatRequest & { stream?: false | null }, options?: RequestOptions): Promise<ChatCompletion>;
  create(body: ChatRequest & { stream: true }, options?: RequestOptions): Promise<ChatCompletionStream>;
  create(body: ChatRequest, options?: RequestOptions): Promise<ChatCompletion | ChatCompletionStream>;
}

/** A client with the official `openai` package's interface, over an llmwire `Client`. */
export class OpenAI {
  constructor(options?: OpenAIOptions);
  readonly chat: { readonly completions: ChatCompletions };
  /** The llmwire `Client` making the calls: metrics, events, the full-control interface. */
  readonly llmwire: Client;
  readonly apiKey: string | undefined;
  readonly baseURL: string | undefined;
  readonly maxRetries: number | undefined;
  readonly timeout: number | undefined;
  /** A new client with these options changed. */
  withOptions(options: OpenAIOptions): OpenAI;
  close(): Promise<void>;

  static OpenAI: typeof OpenAI;
  static OpenAIError: typeof LlmwireError;
  static APIError: typeof APIError;
  static BadRequestError: typeof BadRequestError;
  static AuthenticationError: typeof AuthenticationError;
  static PermissionDeniedError: typeof PermissionDeniedError;
  static NotFoundError: typeof NotFoundError;
  static ConflictError: typeof ConflictError;
  static UnprocessableEntityError: typeof UnprocessableEntityError;
  static RateLimitError: typeof RateLimitError;
  static InternalServerError: typeof InternalServerError;
  static APIConnectionError: typeof APIConnectionError;
  static APIConnectionTimeoutError: typeof APIConnectionTimeoutError;
  static APIUserAbortError: typeof APIUserAbortError;
}
