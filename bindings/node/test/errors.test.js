'use strict';

const assert = require('node:assert/strict');
const { describe, it, before, after } = require('node:test');

const llmwire = require('..');
const { functions: native } = require('../lib/native');
const { takeError } = require('../lib/boundary');
const { errorFromObject } = require('../lib/errors');
const { startMock, ask, rejectionOf } = require('./mock');

/** Every class of docs/design.md §2 and every local outcome, with the JS type the contract names. */
const EXPECTED_TYPES = {
  rate_limited: 'RateLimited',
  quota_exhausted: 'QuotaExhausted',
  overloaded: 'Overloaded',
  server_error: 'ServerError',
  timeout: 'Timeout',
  network: 'Network',
  invalid_request: 'InvalidRequest',
  context_length_exceeded: 'ContextLengthExceeded',
  authentication: 'Authentication',
  permission_denied: 'PermissionDenied',
  not_found: 'NotFound',
  content_filtered: 'ContentFiltered',
  request_too_large: 'RequestTooLarge',
  conflict: 'Conflict',
  malformed_response: 'MalformedResponse',
  invalid_argument: 'InvalidArgument',
  invalid_config: 'InvalidConfig',
  validation_failed: 'ValidationFailed',
  cancelled: 'Cancelled',
  response_too_large: 'ResponseTooLarge',
  internal: 'Internal',
  panic: 'Panic',
};

describe('error types', () => {
  it('every status the library can return has its own exported error type', () => {
    const classes = [];
    for (let code = 1; code < 1000; code += 1) {
      const name = native.llmwire_status_str(code);
      if (name !== 'LLMWIRE_STATUS_UNKNOWN') classes.push(name.replace('LLMWIRE_STATUS_', '').toLowerCase());
    }
    assert.deepEqual(classes.sort(), Object.keys(EXPECTED_TYPES).sort());
    for (const errorClass of classes) {
      const Type = llmwire[EXPECTED_TYPES[errorClass]];
      assert.equal(typeof Type, 'function', `llmwire.${EXPECTED_TYPES[errorClass]} is exported`);
      assert.equal(llmwire.errorTypes[errorClass], Type);
      assert.ok(Type.prototype instanceof llmwire.LlmwireError);
    }
  });

  it('an error object becomes its class type with camelCase fields and the summary as message', () => {
    for (const [errorClass, typeName] of Object.entries(EXPECTED_TYPES)) {
      const details = {
        class: errorClass,
        status: `LLMWIRE_STATUS_${errorClass.toUpperCase()}`,
        stop_reason: 'not_retryable',
        summary: `not retried: ${errorClass} — 400: bad`,
        message: 'bad',
        http_status: 400,
        retry_after_ms: 1500,
        request_id: 'req_1',
        attempts: [{ n: 1, class: errorClass, http_status: 400, elapsed_ms: 3, delay_ms: 0, delay_source: null }],
      };
      const error = errorFromObject(details);
      assert.ok(error instanceof llmwire[typeName] && error instanceof llmwire.LlmwireError && error instanceof Error);
      assert.equal(error.name, typeName);
      assert.equal(error.message, details.summary);
      assert.equal(error.summary, details.summary);
      assert.equal(error.errorClass, errorClass);
      assert.equal(error.status, details.status);
      assert.equal(error.httpStatus, 400);
      assert.equal(error.retryAfterMs, 1500);
      assert.equal(error.stopReason, 'not_retryable');
      assert.equal(error.providerMessage, 'bad');
      assert.equal(error.requestId, 'req_1');
      assert.deepEqual(error.attempts, [
        { n: 1, class: errorClass, httpStatus: 400, elapsedMs: 3, delayMs: 0, delaySource: null, fault: null, phase: null },
      ]);
      assert.equal(error.details, details);
      assert.match(error.stack, new RegExp(`^${typeName}: not retried`));
    }
  });

  it('a class this binding does not know yet gives the base type', () => {
    const error = errorFromObject({ class: 'teapot', summary: 'short and stout' });
    assert.equal(error.constructor, llmwire.LlmwireError);
    assert.equal(error.errorClass, 'teapot');
    assert.equal(error.message, 'short and stout');
  });

  it('a panic inside the library arrives as Panic and its error object is freed', () => {
    const out = [null];
    const status = native.llmwire_debug_panic(out);
    assert.notEqual(out[0], null);
    const error = takeError(status, out[0]);
    assert.ok(error instanceof llmwire.Panic);
    assert.equal(error.status, 'LLMWIRE_STATUS_PANIC');
    assert.match(error.message, /panic/);
  });
});

describe('every failure class from the simulated provider maps to its error type', () => {
  let mock;
  before(async () => { mock = await startMock(); });
  after(() => mock.stop());

  /** [scenario, expected type, expected HTTP status (or null), client config, client options] */
  const CASES = [
    ['rate_limited_then_ok:n=9', 'RateLimited', 429, { retry: { max_attempts: 2 } }],
    ['quota_exhausted:format=gemini', 'QuotaExhausted', 429],
    ['quota_exhausted:format=openai', 'QuotaExhausted', 429],
    ['overloaded_then_ok:n=9,format=gemini', 'Overloaded', 503, { retry: { max_attempts: 2 } }],
    ['anthropic_overloaded_529_then_ok:n=9', 'Overloaded', 529, { retry: { max_attempts: 2 } }],
    ['always_500', 'ServerError', 500, { retry: { max_attempts: 2 } }],
    ['gateway_timeout_html_then_ok:n=9', 'Timeout', 504, { retry: { max_attempts: 2 } }],
    ['slow_headers:delay_ms=3000', 'Timeout', null, { timeouts: { attempt_ms: 100 }, retry: { max_attempts: 1 } }],
    ['reset_before_headers_then_ok:n=9', 'Network', null, { retry: { max_attempts: 2 } }],
    ['gemini_unknown_field_400', 'InvalidRequest', 400, {}, { api: 'v1beta/openai' }],
    ['context_length_exceeded', 'ContextLengthExceeded', 400],
    ['invalid_api_key:format=gemini', 'Authentication', 400, {}, { api: 'v1beta/openai' }],
    ['invalid_api_key:format=openai', 'Authentication', 401],
    ['forbidden_403', 'PermissionDenied', 403],
    ['model_not_found_404', 'NotFound', 404],
    ['azure_content_filter_400', 'ContentFiltered', 400],
    ['request_too_large_413', 'RequestTooLarge', 413],
    ['conflict_409_then_ok:n=9', 'Conflict', 409],
    ['empty_choices_then_ok:n=9', 'MalformedResponse', 200],
  ];

  for (const [scenario, typeName, httpStatus, config = {}, options = {}] of CASES) {
    it(`${scenario} rejects with ${typeName}`, async () => {
      const client = mock.client(scenario, config, options);
      try {
        const error = await rejectionOf(client.chat(ask()));
        assert.ok(error instanceof llmwire[typeName],
          `expected ${typeName}, got ${error.name}: ${error.message}`);
        assert.equal(llmwire.errorTypes[error.errorClass], llmwire[typeName]);
        assert.equal(error.status, `LLMWIRE_STATUS_${error.errorClass.toUpperCase()}`);
        assert.equal(error.httpStatus, httpStatus);
        assert.ok(error.summary.length > 0 && error.message === error.summary);
        assert.ok(error.attempts.length >= 1);
        assert.equal(error.attempts.at(-1).class, error.errorClass);
        assert.ok(!error.message.includes('sk-test-not-a-secret'), 'the key never appears in an error');
      } finally {
        await client.close();
      }
    });
  }

  it('a retry-after above max_server_delay_ms stops at once as RateLimited and reports the hint', async () => {
    const client = mock.client('retry_after_then_ok:s=30', { retry: { max_server_delay_ms: 1000 } });
    const error = await rejectionOf(client.chat(ask()));
    assert.ok(error instanceof llmwire.RateLimited, `${error.name}: ${error.message}`);
    assert.equal(error.stopReason, 'server_delay_too_long');
    assert.equal(error.retryAfterMs, 30_000);
    assert.equal(error.attempts.length, 1);
    await client.close();
  });

  it('x-should-retry: false is obeyed: one attempt, not_retryable', async () => {
    const client = mock.client('server_error_no_retry');
    const error = await rejectionOf(client.chat(ask()));
    assert.ok(error instanceof llmwire.ServerError, `${error.name}: ${error.message}`);
    assert.equal(error.stopReason, 'not_retryable');
    assert.equal(error.attempts.length, 1);
    assert.equal((await mock.requests(client.session)).length, 1);
    await client.close();
  });

  it('a body over max_response_bytes rejects with ResponseTooLarge', async () => {
    const client = mock.client('huge_body:size=2mb', { max_response_bytes: 1024 * 1024, retry: { max_attempts: 1 } });
    const error = await rejectionOf(client.chat(ask()));
    assert.ok(error instanceof llmwire.ResponseTooLarge, `${error.name}: ${error.message}`);
    await client.close();
  });

  it('an unknown config key rejects with InvalidConfig naming the key', () => {
    assert.throws(() => new llmwire.Client({ base_url: mock.baseUrl('echo', 'x'), retyr: {} }), (error) => {
      assert.ok(error instanceof llmwire.InvalidConfig);
      assert.equal(error.status, 'LLMWIRE_STATUS_INVALID_CONFIG');
      assert.match(error.message, /retyr/);
      return true;
    });
  });

  it('a request that fails local validation rejects with ValidationFailed and sends nothing', async () => {
    const client = mock.client('echo');
    const request = ask('hi', {
      tools: [{ type: 'function', function: { name: 'not a valid name!', parameters: { type: 'object' } } }],
    });
    const error = await rejectionOf(client.chat(request));
    assert.ok(error instanceof llmwire.ValidationFailed, `${error.name}: ${error.message}`);
    assert.equal(error.stopReason, null);
    assert.equal(error.report?.ok, false);
    assert.deepEqual(await mock.requests(client.session), []);
    await client.close();
  });
});
