'use strict';

const assert = require('node:assert/strict');
const { describe, it, before, after } = require('node:test');

const llmwire = require('..');
const { startMock, ask, rejectionOf } = require('./mock');

/** Asserts `error` is an `InvalidArgument` whose message matches `pattern`. */
function assertInvalidArgument(error, pattern) {
  assert.ok(error instanceof llmwire.InvalidArgument, `${error?.name}: ${error?.message}`);
  assert.equal(error.errorClass, 'invalid_argument');
  assert.equal(error.status, 'LLMWIRE_STATUS_INVALID_ARGUMENT');
  assert.match(error.message, pattern);
  return true;
}

describe('bad inputs give clear errors', () => {
  let mock;
  let client;
  before(async () => {
    mock = await startMock();
    client = mock.client('echo');
  });
  after(async () => {
    await client.close();
    await mock.stop();
  });

  it('a BigInt in the request rejects (never throws synchronously) with InvalidArgument', async () => {
    const pending = client.chat(ask('hi', { seed: 42n }));
    assert.ok(pending instanceof Promise);
    assertInvalidArgument(await rejectionOf(pending), /request cannot be converted to JSON: .*BigInt/);
  });

  it('a cyclic request rejects with InvalidArgument naming the cycle', async () => {
    const request = ask();
    request.metadata = { request };
    assertInvalidArgument(await rejectionOf(client.chat(request)), /request cannot be converted to JSON: .*circular/i);
  });

  it('a missing request rejects with InvalidArgument', async () => {
    assertInvalidArgument(await rejectionOf(client.chat()), /request must be a JSON value, not undefined/);
  });

  it('a request that is not an object is refused by the library', async () => {
    for (const request of ['hello', [ask()], 42, null]) {
      assertInvalidArgument(await rejectionOf(client.chat(request)), /must be a JSON object/);
    }
  });

  it('text that is not valid Unicode (a lone surrogate) is refused before sending', async () => {
    const error = await rejectionOf(client.chat(ask('broken \ud800 text')));
    assertInvalidArgument(error, /not valid JSON: a lone UTF-16 surrogate \\ud800 at line 1 column \d+/);
  });

  it('an 8 MB message goes through whole', async () => {
    const big = 'large '.repeat(8 * 1024 * 1024 / 6);
    const completion = await client.chat(ask(big));
    assert.equal(completion.choices[0].message.content.length, big.length);
    assert.equal(completion.choices[0].message.content, big);
  });

  it('a request too large to become one JS string rejects with InvalidArgument', async () => {
    const text = 'x'.repeat(300 * 1024 * 1024); // Twice this is over V8's longest string.
    const error = await rejectionOf(client.chat(ask(text, { metadata: { again: text } })));
    assertInvalidArgument(error, /request cannot be converted to JSON: Invalid string length/);
  });

  it('a deeply nested request is handled on the worker thread without exhausting its stack', async () => {
    const nested = (depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth));
    const completion = await client.chat(ask('deep', { metadata: { deep: nested(100) } }));
    assert.equal(completion.choices[0].message.content, 'deep');
    const error = await rejectionOf(client.chat(ask('deeper', { metadata: { deep: nested(200) } })));
    assertInvalidArgument(error, /recursion limit/);
  });

  it('a stream of an unserialisable request throws at once', () => {
    assert.throws(() => client.stream(ask('hi', { n: 1n })), (e) => assertInvalidArgument(e, /BigInt/));
  });

  it('an options.signal that is not a signal is refused', async () => {
    assertInvalidArgument(await rejectionOf(client.chat(ask(), { signal: 'soon' })), /AbortSignal or an llmwire.CancelToken/);
    assertInvalidArgument(await rejectionOf(client.chat(ask(), 'fast')), /options must be an object/);
  });

  it('config values of the wrong type are refused by the library with InvalidConfig', () => {
    const cases = [
      [{ timeouts: { attempt_ms: 'soon' } }, /attempt_ms|invalid type/],
      [{ retry: { max_attempts: -1 } }, /max_attempts/],
      [{ retry: { jitter: 'lots' } }, /jitter/],
      ['base_url=http://x', /invalid type/],
    ];
    for (const [config, pattern] of cases) {
      assert.throws(() => new llmwire.Client(config), (error) => {
        assert.ok(error instanceof llmwire.InvalidConfig, `${error.name}: ${error.message}`);
        assert.match(error.message, pattern);
        return true;
      });
    }
  });

  it('config errors never show the API key', () => {
    const secret = 'sk-do-not-print-this-0123456789';
    for (const config of [
      { api_key: secret, headers: { Authorization: `Bearer ${secret}\n` } },
      { api_key: secret, base_url: 'not a url' },
      { api_key: secret, unknown_key: true },
    ]) {
      assert.throws(() => new llmwire.Client(config), (error) => {
        assert.ok(error instanceof llmwire.InvalidConfig, `${error.name}: ${error.message}`);
        assert.ok(!JSON.stringify({ ...error, message: error.message }).includes(secret), error.message);
        return true;
      });
    }
  });

  it('a config that cannot become JSON throws InvalidArgument', () => {
    assert.throws(() => new llmwire.Client({ timeouts: { attempt_ms: 10n } }), (e) => assertInvalidArgument(e, /config cannot be converted/));
  });

  it('metrics in an unknown format throw InvalidArgument', () => {
    assert.throws(() => client.metrics('xml'), (e) => assertInvalidArgument(e, /xml/));
  });

  it('an event listener that is not a function throws InvalidArgument', () => {
    assert.throws(() => client.onEvent('log'), (e) => assertInvalidArgument(e, /function/));
  });

  it('classify refuses input that is not a classification input', () => {
    assert.throws(() => llmwire.classify('status 429'), (e) => assertInvalidArgument(e, /classification input/));
  });
});

describe('module functions', () => {
  it('classify reads a 429 with retry-after', () => {
    const result = llmwire.classify({ provider: 'openai', status: 429, headers: { 'retry-after': '2' }, body: '' });
    assert.equal(result.class, 'rate_limited');
    assert.equal(result.retryable, true);
    assert.equal(result.retryAfterMs, 2000);
    assert.equal(result.hintSource, 'retry-after');
  });

  it('classify reads transport faults', () => {
    assert.equal(llmwire.classify({ transport: 'connection_refused' }).class, 'network');
  });

  it('validate reports an invalid tool name without sending anything', () => {
    const report = llmwire.validate(ask('hi', {
      tools: [{ type: 'function', function: { name: 'not a valid name!', parameters: { type: 'object' } } }],
    }), { provider: 'openai' });
    assert.equal(report.ok, false);
    assert.ok(report.errors.some((e) => e.path.startsWith('/tools/0')), JSON.stringify(report.errors));
  });

  it('validate with repair strips what Gemini rejects and reports each repair', () => {
    const request = ask('hi', {
      model: 'gemini-2.0-flash',
      tools: [{
        type: 'function',
        function: { name: 'lookup', parameters: { type: 'object', additionalProperties: false, properties: {} } },
      }],
    });
    const report = llmwire.validate(request, { provider: 'gemini', repair: true });
    assert.ok(report.repairs.length >= 1, JSON.stringify(report));
  });

  it('trim keeps a conversation inside a budget, and says when nothing fits', () => {
    const history = [];
    for (let i = 0; i < 40; i++) {
      history.push({ role: 'user', content: `question ${i} `.repeat(40) });
      history.push({ role: 'assistant', content: `answer ${i} `.repeat(40) });
    }
    history.push({ role: 'user', content: 'the newest question' });
    const result = llmwire.trim({ model: 'm', messages: history }, { budget_tokens: 2000 });
    assert.ok(result.request.messages.length < history.length, JSON.stringify(result.report));
    assert.equal(result.request.messages.at(-1).content, 'the newest question');
    assert.throws(
      () => llmwire.trim({ model: 'm', messages: [{ role: 'user', content: 'x '.repeat(5000) }] }, { budget_tokens: 10 }),
      (error) => error instanceof llmwire.ContextLengthExceeded,
    );
  });

  it('version and abiVersion describe the loaded library', () => {
    assert.match(llmwire.version(), /^\d+\.\d+\.\d+/);
    assert.equal(llmwire.abiVersion(), 1);
  });
});
