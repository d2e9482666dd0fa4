'use strict';

// A hostile loopback server (a few lines of node:http answering every POST with bytes the test
// chose): secrets echoed in every field, a body nested too deep to parse.

const assert = require('node:assert/strict');
const http = require('node:http');
const { describe, it, after } = require('node:test');

const llmwire = require('..');

const KEY = 'sk-node.hostile*key+(0123456789)';
const servers = [];

/** Starts a server answering every request with `status` and `body`; resolves to its base URL. */
function serve(status, body) {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
      response.end(body);
    });
  });
  servers.push(server);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}/v1`));
  });
}

after(() => servers.forEach((server) => server.close()));

function client(baseUrl, extra = {}) {
  return new llmwire.Client({
    base_url: baseUrl,
    api_key: KEY,
    model: 'm',
    validation: 'off',
    retry: { initial_backoff_ms: 1, max_backoff_ms: 2, jitter: 'none' },
    ...extra,
  });
}

const HI = { messages: [{ role: 'user', content: 'hi' }] };

describe('hostile answers', () => {
  it('a key echoed in every field never reaches the error details or events', async () => {
    const body = JSON.stringify({
      error: {
        message: `${'x'.repeat(4090)} ${KEY}`,
        type: `type-${KEY}`,
        code: `code-${KEY}`,
        param: `param-${KEY}`,
        details: [{ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: `quota-${KEY}` }] }],
      },
    });
    const c = client(await serve(429, body), { provider: 'gemini', retry: { max_attempts: 2, initial_backoff_ms: 1 } });
    const events = [];
    c.onEvent((event) => events.push(event));
    const error = await c.chat(HI).then(() => assert.fail('expected a failure'), (e) => e);
    assert.ok(error instanceof llmwire.RateLimited, String(error));
    const shown = JSON.stringify(error.details) + error.message + JSON.stringify(events);
    assert.ok(!shown.includes(KEY) && !shown.includes(KEY.slice(0, 12)), shown.slice(-400));
    assert.equal(error.details.provider_code, 'code-[REDACTED]');
    assert.equal(error.details.quota_id, 'quota-[REDACTED]');
    assert.equal(events.length, 2);
    c.close();
  });

  it('a body nested too deep is MalformedResponse, not a RangeError', async () => {
    const deep = '['.repeat(200000) + ']'.repeat(200000);
    const body = `{"choices":[{"message":{"role":"assistant","content":"hi","x":${deep}}}]}`;
    const c = client(await serve(200, body));
    const error = await c.chat(HI).then(() => assert.fail('expected a failure'), (e) => e);
    assert.ok(error instanceof llmwire.MalformedResponse, String(error));
    assert.equal(error.attempts.length, 2);
    c.close();
  });
});
