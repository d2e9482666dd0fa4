'use strict';

// Calls run on the library's threads, not libuv's pool: many overlap, `fs` stays responsive, a
// slow stream reader pauses the library instead of growing the process, and exit never waits.

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs/promises');
const { describe, it, before, after } = require('node:test');

const llmwire = require('..');
const { startMock, ask } = require('./mock');

describe('concurrency', () => {
  let mock;
  before(async () => { mock = await startMock(); });
  after(() => mock.stop());

  it('256 concurrent calls to a 1 s endpoint overlap (about 1 s, not 64 s four at a time)', async () => {
    const client = mock.client('slow_headers:delay_ms=1000');
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 256 }, (_, n) => client.chat(ask(`call ${n}`))));
    const elapsed = performance.now() - started;
    results.forEach((completion, n) => assert.equal(completion.choices[0].message.content, `call ${n}`));
    // Serialised through libuv's 4 threads this takes 64 s; margin for a loaded 2-core machine.
    assert.ok(elapsed < 4000, `256 calls took ${Math.round(elapsed)} ms`);
    await client.close();
  });

  it('fs.readFile is not delayed while 64 calls are in flight', async () => {
    const client = mock.client('slow_headers:delay_ms=1500');
    const calls = Array.from({ length: 64 }, () => client.chat(ask()));
    await new Promise((resolve) => setTimeout(resolve, 100)); // every call is now waiting on the network
    const started = performance.now();
    await fs.readFile(__filename);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 500, `fs.readFile took ${Math.round(elapsed)} ms (the calls last 1500 ms)`);
    await Promise.all(calls);
    await client.close();
  });

  it('a stream nobody reads pauses the library at maxBufferedChunks instead of buffering everything', async () => {
    const client = mock.client('echo');
    const words = Array.from({ length: 400 }, (_, n) => `w${n}`).join(' ');
    const stream = client.stream(ask(words), { maxBufferedChunks: 8 });
    // Give the library ample time to read the whole (loopback, instant) response if it would.
    await new Promise((resolve) => setTimeout(resolve, 300));
    let settled = false;
    stream.response.then(() => { settled = true; }, () => { settled = true; });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'the call cannot end while its chunks wait unread');
    let count = 0;
    let text = '';
    for await (const chunk of stream) {
      count += 1;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    assert.ok(count >= 400, `${count} chunks`);
    assert.equal(text.trim().split(/\s+/).length, 400);
    assert.equal((await stream.response).choices[0].message.content, text);
    await client.close();
  });

  // Windows has no completion queue: the binding uses koffi callbacks there, which do hold the thread.
  const noQueue = process.platform === 'win32' && 'no completion queue on Windows';
  it('a finished call frees its library thread while JavaScript is busy (results wait in the queue)', { skip: noQueue }, async () => {
    // One library thread; the second call waits in the library's queue, its deadline running. If
    // the first call's thread waited for the main thread to take its result (as it did with koffi
    // callbacks), the second could only start after the busy loop and would miss its deadline.
    const client = mock.client('echo', { timeouts: { deadline_ms: 1000 } });
    llmwire.setMaxThreads(1);
    try {
      const first = client.chat(ask('first'));
      const second = client.chat(ask('second'));
      const busyUntil = performance.now() + 2500;
      while (performance.now() < busyUntil) {
        // The main thread is busy: nothing of the binding can run.
      }
      const [a, b] = await Promise.all([first, second]);
      assert.equal(a.choices[0].message.content, 'first');
      assert.equal(b.choices[0].message.content, 'second');
    } finally {
      llmwire.setMaxThreads(512);
      await client.close();
    }
  });

  it('setMaxThreads rejects 0 and reports the cap', () => {
    assert.equal(llmwire.maxThreads(), 512);
    assert.throws(() => llmwire.setMaxThreads(0), llmwire.InvalidArgument);
  });

  for (const how of ['process.exit(0)', 'returning from the script']) {
    it(`exit by ${how} with calls pending neither hangs nor crashes`, async () => {
      const script = `
        const llmwire = require(${JSON.stringify(require.resolve('..'))});
        const client = new llmwire.Client({ base_url: ${JSON.stringify(mock.baseUrl('slow_headers:delay_ms=20000', 'exit'))},
          api_key: 'sk-test', model: 'm' });
        const calls = [client.chat({ messages: [{ role: 'user', content: 'hi' }] }),
          client.chat({ messages: [{ role: 'user', content: 'hi' }] })];
        const stream = client.stream({ messages: [{ role: 'user', content: 'hi' }] });
        calls.forEach((call) => call.catch(() => {}));
        setTimeout(() => {
          console.log('exiting');
          ${how === 'process.exit(0)' ? 'process.exit(0);' : 'client.close(); // returns; pending promises settle with Cancelled'}
        }, 200);`;
      const started = performance.now();
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
      let output = '';
      child.stdout.on('data', (data) => { output += data; });
      child.stderr.on('data', (data) => { output += data; });
      const [code, signal] = await new Promise((resolve) => child.on('exit', (...args) => resolve(args)));
      const elapsed = performance.now() - started;
      assert.equal(signal, null, output);
      assert.equal(code, 0, output);
      assert.match(output, /exiting/);
      // The answers would take 20 s; exit must not wait for them (start-up of node included).
      assert.ok(elapsed < 8000, `exit took ${Math.round(elapsed)} ms`);
    });
  }
});
