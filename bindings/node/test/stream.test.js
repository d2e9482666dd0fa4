'use strict';

const assert = require('node:assert/strict');
const { describe, it, before, after } = require('node:test');
const koffi = require('koffi');

const llmwire = require('..');
const { startMock, ask, rejectionOf } = require('./mock');

/** The text of a chunk's first choice, or ''. */
const deltaText = (chunk) => chunk.choices[0]?.delta?.content ?? '';

describe('client.stream', () => {
  let mock;
  before(async () => { mock = await startMock(); });
  after(() => mock.stop());

  it('yields chunks in order, then response is the assembled completion', async () => {
    const client = mock.client('echo');
    const stream = client.stream(ask('one two three four'));
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
    assert.equal(chunks.map(deltaText).join(''), 'one two three four');
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
    const completion = await stream.response;
    assert.equal(completion.choices[0].message.content, 'one two three four');
    assert.equal(completion.choices[0].finish_reason, 'stop');
    assert.equal(completion.llmwire.attempts.length, 1);
    await client.close();
  });

  it('streamed parallel tool calls are assembled in response like a plain call', async () => {
    const client = mock.client('tool_call:parallel=2');
    const request = ask('weather in two places?', {
      tools: [{
        type: 'function',
        function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      }],
    });
    const stream = client.stream(request);
    for await (const chunk of stream) void chunk;
    const streamed = (await stream.response).choices[0];
    const plain = (await client.chat(request)).choices[0];
    assert.equal(streamed.finish_reason, 'tool_calls');
    const shape = (choice) => choice.message.tool_calls.map((call) => [call.type, call.function.name, JSON.parse(call.function.arguments)]);
    assert.deepEqual(shape(streamed), [['function', 'get_weather', { city: 'mock' }], ['function', 'get_weather', { city: 'mock' }]]);
    assert.deepEqual(shape(streamed), shape(plain));
    await client.close();
  });

  it('retries failures that happen before the first chunk', async () => {
    const client = mock.client('overloaded_then_ok:n=2,format=gemini');
    const stream = client.stream(ask('after two 503s'));
    let text = '';
    for await (const chunk of stream) text += deltaText(chunk);
    assert.equal(text, 'after two 503s');
    assert.deepEqual((await stream.response).llmwire.attempts.map((a) => a.httpStatus), [503, 503, 200]);
    await client.close();
  });

  it('an error after some chunks is thrown after them, and the stream is not replayed', async () => {
    const client = mock.client('stream_error_after_chunks:chunks=2');
    const stream = client.stream(ask('one two three four'));
    const chunks = [];
    const error = await rejectionOf((async () => { for await (const chunk of stream) chunks.push(chunk); })());
    assert.equal(chunks.length, 2, 'both chunks sent before the error were delivered');
    assert.ok(error instanceof llmwire.ServerError, `${error.name}: ${error.message}`);
    assert.equal(error.stopReason, 'stream_started');
    assert.equal(await rejectionOf(stream.response), error, 'response rejects with the same error');
    assert.equal((await mock.requests(client.session)).length, 1);
    await client.close();
  });

  it('a failure before any chunk rejects the first next()', async () => {
    const client = mock.client('invalid_api_key:format=openai');
    const stream = client.stream(ask());
    const error = await rejectionOf(stream.next());
    assert.ok(error instanceof llmwire.Authentication, `${error.name}: ${error.message}`);
    assert.deepEqual(await stream.next(), { value: undefined, done: true }, 'then the iterator is done');
    await client.close();
  });

  it('leaving the loop early cancels the call', async () => {
    const client = mock.client('echo:chunk_delay_ms=100');
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const stream = client.stream(ask(words));
    const started = performance.now();
    let seen = '';
    for await (const chunk of stream) {
      seen += deltaText(chunk);
      if (seen.length > 0) break;
    }
    const error = await rejectionOf(stream.response);
    assert.ok(error instanceof llmwire.Cancelled, `${error.name}: ${error.message}`);
    assert.ok(['aborted_by_callback', 'cancelled'].includes(error.stopReason), error.stopReason);
    // The whole stream takes 40 × 100 ms; a cancelled one ends within a chunk or two.
    assert.ok(performance.now() - started < 2000, 'the call stopped early');
    assert.equal(seen, 'w0');
    await client.close();
  });

  it('an AbortSignal stops a stream mid-way and the loop throws Cancelled', async () => {
    const client = mock.client('echo:chunk_delay_ms=50');
    const controller = new AbortController();
    const stream = client.stream(ask('a b c d e f g h i j k l m n o p q r s t'), { signal: controller.signal });
    let count = 0;
    const error = await rejectionOf((async () => {
      for await (const chunk of stream) {
        if (deltaText(chunk) && ++count === 2) controller.abort();
      }
    })());
    assert.ok(error instanceof llmwire.Cancelled, `${error.name}: ${error.message}`);
    assert.equal(error.stopReason, 'cancelled');
    assert.ok(count < 20);
    await client.close();
  });

  it('cancel() before reading ends the iteration and rejects response', async () => {
    const client = mock.client('slow_headers:delay_ms=200');
    const stream = client.stream(ask());
    stream.cancel();
    assert.deepEqual(await stream.next(), { value: undefined, done: true });
    const error = await rejectionOf(stream.response);
    assert.ok(error instanceof llmwire.Cancelled, `${error.name}: ${error.message}`);
    await client.close();
  });

  it('an unread stream that fails does not raise an unhandled rejection', async () => {
    const unhandled = [];
    const onUnhandled = (reason) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const client = mock.client('invalid_api_key:format=openai');
    const stream = client.stream(ask());
    await rejectionOf(stream.response.then(() => {}, (e) => { throw e; }));
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, []);
    await client.close();
  });

  it('releases every chunk callback once its stream has ended', async () => {
    const client = mock.client('echo');
    const before = koffi.stats().callbacks;
    await Promise.all(Array.from({ length: 8 }, async (_, i) => {
      const stream = client.stream(ask(`stream ${i}`));
      for await (const chunk of stream) void chunk;
    }));
    assert.equal(koffi.stats().callbacks, before);
    await client.close();
  });
});
