'use strict';

// The deadline and AbortSignal through the binding, against the real library and mock. Elapsed
// times are asserted with a margin that holds on a loaded machine (the library's bound is 50 ms);
// the measured figures are logged.

const assert = require('node:assert/strict');
const { describe, it, before, after } = require('node:test');

const llmwire = require('..');
const { startMock, ask, rejectionOf } = require('./mock');

const MARGIN_MS = 400;

describe('deadline and cancel', () => {
  let mock;
  before(async () => { mock = await startMock(); });
  after(() => mock.stop());

  it('the deadline cuts a server that never sends its head', async () => {
    const client = mock.client('slow_headers:delay_ms=30000', { timeouts: { deadline_ms: 500 } });
    const started = performance.now();
    const error = await rejectionOf(client.chat(ask()));
    const elapsed = performance.now() - started;
    console.log(`measure deadline node head: ${elapsed.toFixed(1)} ms for 500 ms`);
    assert.ok(error instanceof llmwire.Timeout, `${error.name}: ${error.message}`);
    assert.equal(error.stopReason, 'deadline');
    assert.equal(error.attempts.at(-1).fault, 'deadline');
    assert.equal(error.attempts.at(-1).phase, 'head');
    assert.ok(elapsed >= 495 && elapsed < 500 + MARGIN_MS, `${elapsed} ms`);
    await client.close();
  });

  it('aborting rejects calls blocked on the network at once, none of them a success', async () => {
    // More calls than libuv's default pool of four threads: the queued ones are cancelled too.
    const client = mock.client('trickle_body:interval_ms=1000');
    const controller = new AbortController();
    const calls = Array.from({ length: 6 }, () => client.chat(ask(), { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('user gave up')), 300);
    const started = performance.now();
    const results = await Promise.allSettled(calls);
    const elapsed = performance.now() - started;
    console.log(`measure cancel node 6 calls (trickled bodies): all settled ${(elapsed - 300).toFixed(1)} ms after abort()`);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof llmwire.Cancelled, result.reason.message);
      assert.equal(result.reason.cause?.message, 'user gave up');
    }
    assert.ok(elapsed < 300 + MARGIN_MS, `${elapsed} ms`);
    const metrics = client.metrics();
    assert.equal(metrics.successes, 0);
    assert.equal(metrics.failures_by_class.cancelled, 6);
    await client.close();
  });

  it('aborting a stream of keep-alives ends it at once', async () => {
    const client = mock.client('stream_keepalive_only:keepalive_ms=20');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = performance.now();
    const error = await rejectionOf(client.chat(ask('hi', { stream: true }), { signal: controller.signal }));
    const elapsed = performance.now() - started;
    console.log(`measure cancel node keep-alive stream: ${(elapsed - 300).toFixed(1)} ms after abort()`);
    assert.ok(error instanceof llmwire.Cancelled, `${error.name}: ${error.message}`);
    assert.equal(error.attempts.at(-1).phase, 'first_chunk');
    assert.ok(elapsed < 300 + MARGIN_MS, `${elapsed} ms`);
    await client.close();
  });
});
