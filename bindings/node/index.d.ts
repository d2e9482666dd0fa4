// Type declarations for llmwire, the Node binding of libllmwire.
//
// Requests and completions are typed loosely on purpose: llmwire forwards any OpenAI-compatible
// chat-completions body, and providers add fields of their own.

/// <reference types="node" />

// ─── Configuration ────────────────────────────────────────────────────────────────────────────

/** Failure classes of DESIGN §2 that come from a server. */
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

/** The `retry` object (DESIGN §4). */
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

/** One attempt in a completion's `llmwire` report (snake_case, as the library writes it). */
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

/** The report llmwire adds to every completion under the `llmwire` key. */
export interface LlmwireReport {
  attempts: AttemptRecord[];
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

/** One event per attempt outcome (snake_case, as the library writes it). */
export interface AttemptEvent {
  event: 'attempt';
  call_id: number;
  attempt: number;
  outcome: 'success' | 'failure';
  class: ErrorClass | null;
  http_status: number | null;
  elapsed_ms: number;
  decision: 'retry' | 'stop' | 'done';
  delay_ms: number | null;
  delay_source: string | null;
  stop_reason: StopReason | null;
  message: string | null;
}

export interface CallOptions {
  /** Cancels the call: at once while it waits between attempts, else when the current read returns. */
  signal?: AbortSignal | CancelToken;
}

export interface Metrics {
  calls: number;
  attempts: number;
  successes: number;
  failures: number;
  retries: number;
  slept_ms: number;
  budget_level: number;
  budget_capacity: number;
  failures_by_class: Record<ErrorClass, number>;
  retries_by_class: Record<ErrorClass, number>;
  [key: string]: unknown;
}

// ─── Client ────────────────────────────────────────────────────────────────────────────────────

/** A chat-completions client, safe to use from any number of concurrent calls. */
export class Client implements AsyncDisposable {
  /** @throws {InvalidConfig} for an unknown key (named in the message) or a bad value. */
  constructor(config?: ClientConfig);
  /** Sends a request on a worker thread; resolves to the completion, rejects with an `LlmwireError`. */
  chat(request: ChatRequest, options?: CallOptions): Promise<ChatCompletion>;
  /** Streams a request; the call starts at once. Leaving the loop early cancels it. */
  stream(request: ChatRequest, options?: CallOptions): ChatStream;
  metrics(format?: 'json'): Metrics;
  metrics(format: 'prometheus'): string;
  /** Adds an event listener; returns a function that removes it. */
  onEvent(listener: (event: AttemptEvent) => void): () => void;
  /** New calls throw at once; running calls finish; resolves when the client is freed. */
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

/** The error object as the library renders it (DESIGN §4), snake_case. */
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

export class RateLimited extends LlmwireError {}
export class QuotaExhausted extends LlmwireError {}
export class Overloaded extends LlmwireError {}
export class ServerError extends LlmwireError {}
export class Timeout extends LlmwireError {}
export class Network extends LlmwireError {}
export class InvalidRequest extends LlmwireError {}
export class ContextLengthExceeded extends LlmwireError {}
export class Authentication extends LlmwireError {}
export class PermissionDenied extends LlmwireError {}
export class NotFound extends LlmwireError {}
export class ContentFiltered extends LlmwireError {}
export class RequestTooLarge extends LlmwireError {}
export class Conflict extends LlmwireError {}
export class MalformedResponse extends LlmwireError {}
export class InvalidArgument extends LlmwireError {}
export class InvalidConfig extends LlmwireError {}
export class ValidationFailed extends LlmwireError {
  /** The validation report, when the library attached one. */
  readonly report: ValidationReport | null;
}
export class Cancelled extends LlmwireError {}
export class ResponseTooLarge extends LlmwireError {}
export class Internal extends LlmwireError {}
export class Panic extends LlmwireError {}

/** Class name → error type, e.g. `errorTypes.rate_limited === RateLimited`. */
export const errorTypes: Readonly<Record<ErrorClass, typeof LlmwireError>>;

// ─── Module functions ──────────────────────────────────────────────────────────────────────────

/** Input of `classify` (DESIGN §3). */
export type ClassifyInput =
  | { provider?: Provider | 'auto'; status: number; headers?: Record<string, string>; body?: string }
  | { transport: 'connection_refused' | 'connection_reset' | 'timeout' | 'dns' | 'tls' | 'truncated' };

export interface Classification {
  class: ErrorClass;
  retryable: boolean;
  retry_after_ms: number | null;
  hint_source: 'retry-after-ms' | 'retry-after' | 'retry_info' | 'message' | 'ratelimit-reset' | null;
  http_status: number | null;
  provider: string | null;
  provider_status: string | null;
  provider_code: string | null;
  error_type: string | null;
  param: string | null;
  message: string;
  request_id: string | null;
  quota_id: string | null;
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
  /** The repaired request, only with `repair: true`. */
  request?: ChatRequest;
  estimated_prompt_tokens: number;
  provider: string;
  model: string | null;
  [key: string]: unknown;
}

export interface ValidateOptions {
  provider?: Provider;
  repair?: boolean;
  /** Validate as this model. */
  model?: string;
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
export function trim(request: ChatRequest, options?: Record<string, unknown>): ChatRequest & Record<string, unknown>;
/** The native library's version, e.g. `"0.1.0"`. */
export function version(): string;
/** The native library's C ABI version. */
export function abiVersion(): number;
/** The path of the loaded native library. */
export const libraryPath: string;
