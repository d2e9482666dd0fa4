'use strict';

// llmwire.OpenAI: the official options mapped onto the client configuration, per-request
// options, the official error fields, streams; and camelCase for everything the binding hands out.

const assert = require('node:assert/strict');
const { randomUUID } = require('node:crypto');
const { after, before, describe, it } = require('node:test');
const llmwire = require('..');
const { startMock, ask: askMock, rejectionOf } = require('./mock');

const { OpenAI } = llmwire;
/** A request as the official package needs it: with a model. */
const ask = (content, extra) => ({ model: 'gpt-4o-mini', ...askMock(content, extra) });
const FAST = { retry: { initialBackoffMs: 5, maxBackoffMs: 20, jitter: 'none' } };

describe('OpenAI', () => {
  let mock;
  before(async () => { mock = await startMock(); });
  after(() => mock.stop());

  /** A client for a scenario, with its own session; `options` over the defaults. */
  function openai(scenario, options = {}) {
    const session = randomUUID();
    const client = new OpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: mock.baseUrl(scenario, session), ...FAST, ...options });
    return { client, session };
  }

  it('reads OPENAI_API_KEY and OPENAI_BASE_URL when no option names them', async () => {
    const session = randomUUID();
    const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
    process.env.OPENAI_API_KEY = 'sk-from-env';
    process.env.OPENAI_BASE_URL = mock.baseUrl('echo', session);
    try {
      const client = new OpenAI();
      assert.equal(client.baseURL, process.env.OPENAI_BASE_URL);
      assert.equal(client.apiKey, 'sk-from-env');
      const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: ask('from env').messages });
      assert.equal(completion.choices[0].message.content, 'from env');
      const [request] = await mock.requests(session);
      assert.equal(request.headers.authorization, 'Bearer ***');
      await client.close();
    } finally {
      for (const [name, value] of [['OPENAI_API_KEY', saved.key], ['OPENAI_BASE_URL', saved.url]]) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('maxRetries sets the attempts to maxRetries + 1, on the client and per request', async () => {
    const { client, session } = openai('overloaded_then_ok:n=5', { maxRetries: 1 });
    const error = await rejectionOf(client.chat.completions.create(ask()));
    assert.ok(error instanceof OpenAI.InternalServerError);
    assert.equal(error.attempts.length, 2);
    const second = await rejectionOf(client.chat.completions.create(ask(), { maxRetries: 0 }));
    assert.equal(second.attempts.length, 1);
    assert.equal((await mock.requests(session)).length, 3);
    await client.close();
  });

  it('sends defaultHeaders, organization and per-request headers', async () => {
    const { client, session } = openai('echo', { defaultHeaders: { 'x-team': 'blue' }, organization: 'org-1' });
    await client.chat.completions.create(ask());
    await client.chat.completions.create(ask(), { headers: { 'x-request-tag': 'seven' } });
    const [first, second] = await mock.requests(session);
    assert.equal(first.headers['x-team'], 'blue');
    assert.equal(first.headers['openai-organization'], 'org-1');
    assert.equal(first.headers['x-request-tag'], undefined);
    assert.equal(second.headers['x-request-tag'], 'seven');
    assert.equal(second.headers['x-team'], 'blue');
    await client.close();
  });

  it('an error carries the official fields and llmwire\'s', async () => {
    const { client } = openai('quota_exhausted');
    const error = await rejectionOf(client.chat.completions.create(ask()));
    assert.ok(error instanceof OpenAI.RateLimitError && error instanceof llmwire.QuotaExhausted);
    assert.ok(error instanceof OpenAI.APIError && error instanceof llmwire.LlmwireError);
    assert.equal(error.status, 429);
    assert.equal(error.name, 'RateLimitError');
    assert.equal(error.errorClass, 'quota_exhausted');
    assert.equal(error.details.status, 'LLMWIRE_STATUS_QUOTA_EXHAUSTED');
    assert.equal(error.type, 'insufficient_quota');
    assert.equal(error.error.type, 'insufficient_quota');
    assert.match(error.requestID, /^req_/);
    assert.equal(error.headers['x-request-id'], error.requestID);
    assert.match(error.summary, /quota_exhausted/);
    assert.equal(error.attempts.length, 1);
    await client.close();
  });

  it('errors from Client keep the C status name in status', async () => {
    const client = mock.client('quota_exhausted');
    const error = await rejectionOf(client.chat(ask()));
    assert.ok(error instanceof llmwire.RateLimitError);
    assert.equal(error.status, 'LLMWIRE_STATUS_QUOTA_EXHAUSTED');
    assert.equal(error.name, 'QuotaExhausted');
    await client.close();
  });

  it('a stream iterates chunks, assembles the completion, and stops on controller.abort()', async () => {
    const { client } = openai('echo');
    const stream = await client.chat.completions.create({ ...ask('one two three'), stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'one two three');
    assert.equal((await stream.completion).choices[0].message.content, 'one two three');

    const slow = openai('echo:chunk_delay_ms=200').client;
    const stopped = await slow.chat.completions.create({ ...ask('a b c d e f g h'), stream: true });
    const started = Date.now();
    let chunks = 0;
    for await (const chunk of stopped) {
      chunks += chunk.choices.length;
      stopped.controller.abort();
    }
    assert.equal(chunks, 1);
    assert.ok(Date.now() - started < 200 * 8, 'the abort ended the stream before it completed');
    await Promise.all([client.close(), slow.close()]);
  });

  it('a stream failure is an official error type', async () => {
    const { client } = openai('stream_error_after_chunks:chunks=1,n=5', { maxRetries: 0 });
    const stream = await client.chat.completions.create({ ...ask(), stream: true });
    const error = await rejectionOf((async () => { for await (const chunk of stream) void chunk; })());
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.equal(error.name, 'InternalServerError');
    await client.close();
  });

  it('withOptions derives a client with merged options', async () => {
    const { client } = openai('echo', { maxRetries: 2, defaultHeaders: { 'x-a': '1' } });
    const derived = client.withOptions({ timeout: 1234 });
    assert.equal(derived.maxRetries, 2);
    assert.equal(derived.timeout, 1234);
    assert.equal(derived.baseURL, client.baseURL);
    await Promise.all([client.close(), derived.close()]);
  });

  it('rejects what llmwire cannot honour, and unknown options, by name', () => {
    assert.throws(() => new OpenAI({ fetch: () => {} }), /does not support 'fetch'/);
    assert.throws(() => new OpenAI({ maxRetries: -1 }), /maxRetries must be an integer >= 0/);
    assert.throws(() => new OpenAI({ timeout: 0 }), /timeout must be a positive number/);
    assert.throws(() => new OpenAI({ baseURL: 'http://127.0.0.1:9/v1', colour: 'blue' }),
      (error) => error instanceof llmwire.InvalidConfig
        && /^invalid_config: unknown key "colour" in config \(expected one of: provider, base_url/.test(error.message)
        && !/line 1/.test(error.message));
  });
});

describe('naming: camelCase out, either case in', () => {
  let mock;
  before(async () => { mock = await startMock(); });
  after(() => mock.stop());

  it('metrics use camelCase keys and keep class names as map keys', async () => {
    const client = mock.client('overloaded_then_ok:n=1');
    await client.chat(ask());
    const metrics = client.metrics();
    assert.equal(metrics.retries, 1);
    assert.equal(typeof metrics.sleptMs, 'number');
    assert.equal(typeof metrics.budgetLevel, 'number');
    assert.equal(metrics.retriesByClass.server_error + metrics.retriesByClass.overloaded, 1);
    assert.deepEqual(Object.keys(metrics).filter((key) => key.includes('_')), []);
    await client.close();
  });

  it('the configuration may be given in camelCase; header names are left alone', async () => {
    const session = randomUUID();
    const client = new llmwire.Client({
      baseUrl: mock.baseUrl('overloaded_then_ok:n=5', session),
      apiKey: 'sk-test-not-a-secret',
      model: 'mock-model',
      headers: { 'x_custom_Header': 'kept' },
      retry: { maxAttempts: 2, initialBackoffMs: 5, jitter: 'none' },
    });
    const error = await rejectionOf(client.chat(ask()));
    assert.equal(error.attempts.length, 2);
    const [request] = await mock.requests(session);
    assert.equal(request.headers.x_custom_header, 'kept');
    await client.close();
  });

  it('trim reports in camelCase, takes options in either case, and leaves the request alone', () => {
    const history = [];
    for (let i = 0; i < 10; i++) history.push({ role: 'user', content: 'q '.repeat(400) }, { role: 'assistant', content: 'a '.repeat(400) });
    history.push({ role: 'user', content: 'last' });
    const result = llmwire.trim({ model: 'm', messages: history, max_tokens: 10 }, { budgetTokens: 500 });
    assert.equal(result.report.budgetTokens, 500);
    assert.equal(result.report.trimmed, true);
    assert.ok(result.report.droppedTurns > 0);
    assert.equal(result.request.max_tokens, 10);
  });

  it('validate reports in camelCase, and leaves the repaired request in the API\'s names', () => {
    const report = llmwire.validate(
      { model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 },
      { provider: 'gemini', repair: true },
    );
    assert.equal(typeof report.estimatedPromptTokens, 'number');
    assert.equal(report.estimated_prompt_tokens, undefined);
    assert.ok('max_tokens' in report.request || 'max_completion_tokens' in report.request, JSON.stringify(report.request));
  });
});
