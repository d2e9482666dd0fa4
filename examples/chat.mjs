#!/usr/bin/env node
// A robust streaming chat call with llmwire's Node binding: tokens are printed as they arrive,
// retries are reported as they happen, and a failure is explained by its class.
//
// Against the bundled simulated provider (starts `llmwire mock` for you; no key needed):
//   node examples/chat.mjs --mock "Tell me about retries"
//   node examples/chat.mjs --mock=overloaded_then_ok:n=2 "Survive two 503s"
//   node examples/chat.mjs --mock=quota_exhausted "See a quota error explained"
//
// Against a real provider (the key comes from its usual environment variable):
//   OPENAI_API_KEY=… node examples/chat.mjs --model gpt-4o-mini "Say hello"
//   GEMINI_API_KEY=… node examples/chat.mjs --provider gemini --model gemini-2.0-flash "Say hello"
//
// Ctrl-C cancels the call cleanly (even while it waits between attempts).

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const llmwire = require('../bindings/node');

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    mock: { type: 'string' },
    provider: { type: 'string' },
    model: { type: 'string' },
    'base-url': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  args: process.argv.slice(2).map((arg) => (arg === '--mock' ? '--mock=echo:chunk_delay_ms=40' : arg)),
});

if (options.help || positionals.length === 0) {
  console.error('usage: node examples/chat.mjs [--mock[=SCENARIO]] [--provider P] [--model M] [--base-url URL] PROMPT');
  process.exit(options.help ? 0 : 2);
}

/** Starts `llmwire mock --port 0` from the same build as the library; resolves to its origin. */
function startMock() {
  const binary = path.join(path.dirname(llmwire.libraryPath), process.platform === 'win32' ? 'llmwire.exe' : 'llmwire');
  const child = spawn(binary, ['mock', '--port', '0', '--until-stdin-eof'], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (data) => {
      const port = /port (\d+)/.exec(String(data))?.[1];
      if (port) resolve({ origin: `http://127.0.0.1:${port}`, stop: () => child.kill() });
      else reject(new Error(`unexpected output from ${binary}: ${data}`));
    });
  });
}

const mock = options.mock === undefined ? null : await startMock();
const config = {
  provider: options.provider,
  model: options.model ?? (mock ? 'mock-model' : undefined),
  base_url: mock ? `${mock.origin}/s/${encodeURIComponent(options.mock)}/demo-${process.pid}/v1` : options['base-url'],
  api_key: mock ? 'sk-mock' : undefined,
  retry: { max_attempts: 4 },
};

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

/** What a person should do about a failure, by class. */
function advice(error) {
  if (error instanceof llmwire.RateLimited) {
    return error.retryAfterMs === null ? 'slow down and try later' : `try again in ${Math.ceil(error.retryAfterMs / 1000)} s`;
  }
  if (error instanceof llmwire.QuotaExhausted) return 'the quota or billing limit is spent: check your plan';
  if (error instanceof llmwire.Authentication) return 'check the API key (and that it belongs to this provider)';
  if (error instanceof llmwire.PermissionDenied) return 'this key may not use this model or endpoint';
  if (error instanceof llmwire.NotFound) return 'check the model name and the base URL';
  if (error instanceof llmwire.ContextLengthExceeded) return 'shorten the conversation or lower max_tokens';
  if (error instanceof llmwire.ContentFiltered) return 'the provider refused the content';
  if (error instanceof llmwire.ValidationFailed) return 'fix the request (nothing was sent)';
  if (error instanceof llmwire.InvalidConfig) return 'fix the configuration';
  if (error instanceof llmwire.Cancelled) return 'cancelled';
  if (error instanceof llmwire.Overloaded || error instanceof llmwire.ServerError ||
      error instanceof llmwire.Timeout || error instanceof llmwire.Network) {
    return 'the provider is struggling: try again in a while';
  }
  return 'see the summary above';
}

let client;
let midLine = false; // Whether tokens were printed since the last newline.
try {
  client = new llmwire.Client(config);
  client.onEvent((event) => {
    if (event.decision === 'retry') {
      console.error(`[llmwire] attempt ${event.attempt} failed (${event.class}, HTTP ${event.http_status ?? '-'}); ` +
        `retrying in ${event.delay_ms} ms (${event.delay_source})`);
    }
  });
  const stream = client.stream({ messages: [{ role: 'user', content: positionals.join(' ') }] },
    { signal: controller.signal });
  for await (const chunk of stream) {
    const text = chunk.choices[0]?.delta?.content ?? '';
    process.stdout.write(text);
    midLine ||= text.length > 0;
  }
  const completion = await stream.response;
  const { usage, llmwire: report } = completion;
  process.stdout.write('\n');
  midLine = false;
  console.error(`[llmwire] done in ${report.attempts.length} attempt(s)` +
    (usage ? `; ${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion tokens` : ''));
} catch (error) {
  if (!(error instanceof llmwire.LlmwireError)) throw error;
  if (midLine) process.stdout.write('\n');
  console.error(`[llmwire] ${error.name}: ${error.summary}`);
  console.error(`[llmwire] ${advice(error)}` + (error.requestId ? ` (request id ${error.requestId})` : ''));
  process.exitCode = error instanceof llmwire.Cancelled ? 130 : 1;
} finally {
  await client?.close();
  mock?.stop();
}
