'use strict';

const assert = require('node:assert/strict');
const { describe, it, before, after } = require('node:test');

const llmwire = require('..');
const { startMock, ask, rejectionOf } = require('./mock');

describe('client.chat', () => {
  let mock;
  before(async () => { mock = await startMock(); });
  after(() => mock.stop());

  it('resolves to the completion with the llmwire report of its single attempt', async () => {
    const client = mock.client('echo');
    const completion = await client.chat(ask('echo this back'));
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, 'mock-model', 'the config model fills a request without one');
    assert.deepEqual(completion.choices[0].message, { role: 'assistant', content: 'echo this back' });
    assert.equal(completion.llmwire.attempts.length, 1);
    assert.equal(completion.llmwire.attempts[0].httpStatus, 200);
    await client.close();
  });

  it('retries overloaded answers with the configured backoff until one succeeds', async () => {
    const client = mock.client('overloaded_then_ok:n=2,format=gemini');
    const completion = await client.chat(ask());
    const attempts = completion.llmwire.attempts;
    assert.deepEqual(attempts.map((a) => a.httpStatus), [503, 503, 200]);
    assert.deepEqual(attempts.map((a) => a.delayMs), [5, 10, 0], 'initial 5 ms, doubled, no jitter');
    assert.deepEqual(attempts.map((a) => a.delaySource), ['backoff', 'backoff', null]);
    assert.equal((await mock.requests(client.session)).length, 3);
    await client.close();
  });

  it('honours a retry-after-ms hint and wastes no attempt', async () => {
    const client = mock.client('retry_after_ms_then_ok:ms=300');
    const started = performance.now();
    const completion = await client.chat(ask());
    assert.ok(performance.now() - started >= 300, 'waited out the hint');
    const [first, second] = completion.llmwire.attempts;
    assert.equal(first.httpStatus, 429);
    assert.equal(first.delayMs, 300);
    assert.equal(first.delaySource, 'retry-after-ms');
    assert.equal(second.httpStatus, 200);
    assert.equal((await mock.requests(client.session)).length, 2, 'an early retry would get the 429 again');
    await client.close();
  });

  it('honours a Gemini RetryInfo delay found only in the body', async () => {
    const client = mock.client('retry_info_then_ok:ms=300,format=gemini',
      { provider: 'gemini' }, { api: 'v1beta/openai' });
    const completion = await client.chat(ask());
    const [first] = completion.llmwire.attempts;
    assert.equal(first.httpStatus, 429);
    assert.equal(first.delaySource, 'retry_info');
    assert.equal(first.delayMs, 300);
    assert.equal(completion.llmwire.attempts.length, 2);
    await client.close();
  });

  it('the stack of a failed call leads back to the code that awaited it', async () => {
    const client = mock.client('invalid_api_key:format=openai');
    const error = await rejectionOf(client.chat(ask()));
    assert.match(error.stack.split('\n')[0], /^Authentication: /);
    assert.match(error.stack, /chat\.test\.js/);
    assert.doesNotMatch(error.stack, /boundary\.js/);
    await client.close();
  });

  it('sends one event per attempt outcome to every listener until it unsubscribes', async () => {
    const client = mock.client('overloaded_then_ok:n=1,format=gemini');
    const events = [];
    const unsubscribe = client.onEvent((event) => events.push(event));
    await client.chat(ask());
    assert.deepEqual(events.map((e) => [e.attempt, e.outcome, e.decision, e.httpStatus]), [
      [1, 'failure', 'retry', 503],
      [2, 'success', 'done', 200],
    ]);
    assert.equal(new Set(events.map((e) => e.callId)).size, 1);
    unsubscribe();
    await client.chat(ask());
    assert.equal(events.length, 2, 'no event after unsubscribing');
    await client.close();
  });

  it('a listener may use the client: read its metrics, start a call, unsubscribe itself', async () => {
    const client = mock.client('overloaded_then_ok:n=1,format=gemini');
    const seen = [];
    let nested;
    const unsubscribe = client.onEvent((event) => {
      seen.push([event.decision, client.metrics().attempts]);
      nested ??= client.chat(ask('started from a listener'));
      unsubscribe();
    });
    await client.chat(ask());
    assert.equal((await nested).choices[0].message.content, 'started from a listener');
    assert.deepEqual(seen, [['retry', 1]], 'one event, then unsubscribed');
    await client.close();
  });

  it('counts calls, retries and failures in its metrics, as JSON or Prometheus text', async () => {
    const client = mock.client('overloaded_then_ok:n=1,format=gemini');
    await client.chat(ask());
    await client.chat(ask());
    const metrics = client.metrics();
    assert.equal(metrics.calls, 2);
    assert.equal(metrics.successes, 2);
    assert.equal(metrics.attempts, 3);
    assert.equal(metrics.retries, 1);
    assert.match(client.metrics('prometheus'), /^# (HELP|TYPE) llmwire_/m);
    await client.close();
  });

  it('runs 16 concurrent calls on one client, each getting its own answer', async () => {
    const client = mock.client('echo:delay_ms=20');
    const prompts = Array.from({ length: 16 }, (_, i) => `prompt number ${i}`);
    const completions = await Promise.all(prompts.map((prompt) => client.chat(ask(prompt))));
    assert.deepEqual(completions.map((c) => c.choices[0].message.content), prompts);
    assert.equal(client.metrics().calls, 16);
    await client.close();
  });

  it('never blocks the event loop: timers keep firing during a one-second call', async () => {
    const client = mock.client('slow_headers:delay_ms=1000');
    let ticks = 0;
    const timer = setInterval(() => { ticks += 1; }, 10);
    const started = performance.now();
    try {
      await client.chat(ask());
    } finally {
      clearInterval(timer);
    }
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 950, `the call took ${elapsed} ms`);
    // A blocked loop would fire the timer at most once; a free one about 100 times.
    assert.ok(ticks >= 30, `only ${ticks} timer ticks in ${Math.round(elapsed)} ms`);
    await client.close();
  });

  it('an AbortSignal cancels a call while it waits out a server-requested delay', async () => {
    const client = mock.client('retry_after_then_ok:s=30');
    const controller = new AbortController();
    client.onEvent((event) => { if (event.decision === 'retry') controller.abort(new Error('user gave up')); });
    const started = performance.now();
    const error = await rejectionOf(client.chat(ask(), { signal: controller.signal }));
    assert.ok(error instanceof llmwire.Cancelled, `${error.name}: ${error.message}`);
    assert.equal(error.stopReason, 'cancelled');
    assert.equal(error.attempts.length, 1);
    assert.equal(error.attempts[0].delayMs, 30_000);
    assert.equal(error.attempts[0].delaySource, 'retry-after');
    assert.equal(error.cause?.message, 'user gave up', 'the abort reason is kept as the cause');
    assert.ok(performance.now() - started < 5000, 'stopped long before the 30 s delay');
    await client.close();
  });

  it('an already-aborted signal cancels before anything is sent', async () => {
    const client = mock.client('echo');
    const error = await rejectionOf(client.chat(ask(), { signal: AbortSignal.abort() }));
    assert.ok(error instanceof llmwire.Cancelled, `${error.name}: ${error.message}`);
    assert.deepEqual(await mock.requests(client.session), []);
    await client.close();
  });

  it('a CancelToken cancels every call using it, running or started later', async () => {
    const client = mock.client('retry_after_then_ok:s=30');
    const token = new llmwire.CancelToken();
    let waiting = 0;
    client.onEvent((event) => {
      if (event.decision === 'retry' && ++waiting === 2) token.cancel();
    });
    const results = await Promise.allSettled([
      client.chat(ask(), { signal: token }),
      client.chat(ask(), { signal: token }),
    ]);
    assert.equal(token.cancelled, true);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof llmwire.Cancelled, result.reason.message);
    }
    const sentBefore = (await mock.requests(client.session)).length;
    const late = await rejectionOf(client.chat(ask(), { signal: token }));
    assert.ok(late instanceof llmwire.Cancelled);
    assert.equal((await mock.requests(client.session)).length, sentBefore, 'the late call sent nothing');
    await client.close();
  });

  it('close() settles running calls with Cancelled at once, then frees the client; later calls reject', async () => {
    const client = mock.client('retry_after_then_ok:s=30');
    const running = [client.chat(ask()), client.chat(ask())];
    const stream = client.stream(ask());
    const started = performance.now();
    const closed = client.close();
    assert.equal(client.closed, true);
    for (const call of running) {
      const error = await rejectionOf(call);
      assert.ok(error instanceof llmwire.Cancelled, `${error.name}: ${error.message}`);
      assert.equal(error.stopReason, 'cancelled');
    }
    await assert.rejects(stream.next(), llmwire.Cancelled);
    await closed; // the library has reported every call: nothing of the client is left
    assert.ok(performance.now() - started < 5000, 'long before the 30 s the server asked to wait');
    const error = await rejectionOf(client.chat(ask()));
    assert.ok(error instanceof llmwire.InvalidArgument);
    assert.match(error.message, /closed/);
    assert.throws(() => client.stream(ask()), /closed/);
    assert.throws(() => client.metrics(), /closed/);
    assert.equal(client.close(), closed, 'close() is idempotent');
  });
});
