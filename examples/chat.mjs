#!/usr/bin/env node
// One robust chat completion through llmwire's Node binding, printed as it streams.
//
// The same program as examples/chat.c and examples/chat.py: the same options, the same report and
// the same exit status (tests/examples/agree.py runs the three side by side).
//
// Against the bundled simulated provider (no key needed; uses $LLMWIRE_MOCK_ORIGIN when it is set,
// else starts `llmwire mock` from next to the library):
//   node examples/chat.mjs --mock "Tell me about retries"
//   node examples/chat.mjs --mock=overloaded_then_ok:n=2 "Survive two 503s"
//   node examples/chat.mjs --mock=quota_exhausted "See a quota error explained"
//
// Against a real provider (the key comes from its usual environment variable):
//   OPENAI_API_KEY=… node examples/chat.mjs --model gpt-4o-mini "Say hello"
//   GEMINI_API_KEY=… node examples/chat.mjs --provider gemini --model gemini-2.5-flash "Say hello"
//
// Options: --mock[=SCENARIO], --base-url URL, --model M (gpt-4o-mini), --provider P,
// --api-key-env VAR, --system TEXT, --max-attempts N (4), --timeout-ms N (120000: the whole call),
// --no-stream. LLMWIRE_BASE_URL and LLMWIRE_MODEL may replace --base-url and --model.
//
// The answer goes to stdout; the report (retries as they happen, then the attempts and tokens, or
// the error's class, summary and advice) to stderr. Exit status: 0 success, 1 the call failed,
// 2 usage or configuration, 130 interrupted (Ctrl-C cancels the call, even between attempts).

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const llmwire = require('../bindings/node');

const USAGE = `usage: chat [--mock[=SCENARIO]] [--base-url URL] [--model M] [--provider P] [--api-key-env VAR]
            [--system TEXT] [--max-attempts N] [--timeout-ms N] [--no-stream] [PROMPT...]`;

// The scenario `--mock` alone plays: an echo, streamed a little slowly so it can be seen arriving.
const DEFAULT_SCENARIO = 'echo:chunk_delay_ms=40';

// What the person at the terminal can do about a failure, by class (the same table in all three).
const ADVICE = {
  authentication: "check the API key (the provider's variable, or --api-key-env)",
  rate_limited: 'still rate limited after every attempt: try again later',
  quota_exhausted: 'the quota or billing limit is used up; retrying will not help',
  context_length_exceeded: 'the prompt is too long for this model',
  request_too_large: "the request is over the provider's size limit: shorten it",
  validation_failed: 'the request was not sent: fix what the summary names',
  network: 'no answer from the provider: is the base URL reachable?',
  timeout: 'no answer from the provider: is the base URL reachable?',
  overloaded: 'the provider is struggling: try again in a while',
  server_error: 'the provider is struggling: try again in a while',
  not_found: 'check the model name and that this key may use it',
  permission_denied: 'check the model name and that this key may use it',
  content_filtered: 'the provider refused the content',
};

class UsageError extends Error {}

/** The options; null when help was asked for. */
function parseOptions(argv) {
  const options = {
    mock: null,
    base_url: process.env.LLMWIRE_BASE_URL || null,
    model: process.env.LLMWIRE_MODEL || null,
    provider: null,
    api_key_env: null,
    system: null,
    max_attempts: 4,
    timeout_ms: 120000,
    stream: true,
  };
  const texts = new Set(['--base-url', '--model', '--provider', '--api-key-env', '--system']);
  const numbers = new Set(['--max-attempts', '--timeout-ms']);
  const words = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.replace(/^-+/, '').replaceAll('-', '_');
    if (arg === '-h' || arg === '--help') return null;
    if (arg === '--no-stream') {
      options.stream = false;
    } else if (arg === '--mock' || arg.startsWith('--mock=')) {
      options.mock = arg.slice('--mock='.length) || DEFAULT_SCENARIO;
    } else if (texts.has(arg) || numbers.has(arg)) {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      if (numbers.has(arg)) {
        if (!/^[0-9]+$/.test(value) || Number(value) <= 0) {
          throw new UsageError(`${arg} wants a positive number, not "${value}"`);
        }
        options[name] = Number(value);
      } else {
        options[name] = value;
      }
    } else if (arg.startsWith('--')) {
      throw new UsageError(`unknown option ${arg}`);
    } else {
      words.push(arg);
    }
  }
  options.prompt = words.join(' ') || 'Say hello in five words.';
  return options;
}

/** The bundled simulated provider: $LLMWIRE_MOCK_ORIGIN, or `llmwire mock` started here. */
async function startMock() {
  if (process.env.LLMWIRE_MOCK_ORIGIN) return { origin: process.env.LLMWIRE_MOCK_ORIGIN, stop: () => {} };
  const binary = process.env.LLMWIRE_BIN || path.join(path.dirname(llmwire.libraryPath), 'llmwire');
  const child = spawn(binary, ['mock', '--port', '0', '--until-stdin-eof'], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (data) => {
      const port = /\(port (\d+)\)/.exec(String(data))?.[1];
      if (port) resolve({ origin: `http://127.0.0.1:${port}`, stop: () => child.stdin.end() });
      else reject(new Error(`unexpected output from ${binary}: ${data}`));
    });
  });
}

function buildConfig(options, mock) {
  const config = {
    model: options.model ?? (mock ? 'mock-model' : 'gpt-4o-mini'),
    retry: { max_attempts: options.max_attempts },
    timeouts: { deadline_ms: options.timeout_ms },
  };
  for (const key of ['provider', 'api_key_env', 'base_url']) {
    if (options[key]) config[key] = options[key];
  }
  if (mock) {
    config.base_url = `${mock.origin}/s/${options.mock}/chat-${process.pid}/v1`;
    config.api_key = 'sk-mock';
  }
  return config;
}

function buildRequest(options) {
  const messages = [];
  if (options.system) messages.push({ role: 'system', content: options.system });
  messages.push({ role: 'user', content: options.prompt });
  const request = { messages };
  if (options.stream) request.stream_options = { include_usage: true }; // the token counts, at the end
  return request;
}

function report(line) {
  process.stderr.write(`[llmwire] ${line}\n`);
}

function reportError(error) {
  // A local error's summary starts with its class already: say it once.
  const prefix = `${error.errorClass}: `;
  const summary = error.summary.startsWith(prefix) ? error.summary.slice(prefix.length) : error.summary;
  report(`error [${error.errorClass}]: ${summary}`);
  let advice = ADVICE[error.errorClass];
  if (advice !== undefined) {
    if (error.retryAfterMs !== null) advice += ` (the server asked for ${(error.retryAfterMs / 1000).toFixed(1)} s)`;
    report(advice);
  }
}

/** Makes the call, printing the answer; returns the completion. */
async function call(client, options, signal) {
  const request = buildRequest(options);
  if (!options.stream) {
    const completion = await client.chat(request, { signal });
    process.stdout.write(`${completion.choices[0].message.content ?? ''}\n`);
    return completion;
  }
  let printed = false;
  try {
    const stream = client.stream(request, { signal });
    for await (const chunk of stream) {
      for (const choice of chunk.choices ?? []) {
        const text = choice.delta?.content;
        if (text) {
          process.stdout.write(text);
          printed = true;
        }
      }
    }
    process.stdout.write('\n');
    return await stream.response;
  } catch (error) {
    if (printed) process.stdout.write('\n'); // a failure starts on a line of its own
    throw error;
  }
}

async function main(argv) {
  let options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`chat: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options === null) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const mock = options.mock === null ? null : await startMock();
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  let client;
  try {
    try {
      client = new llmwire.Client(buildConfig(options, mock));
    } catch (error) {
      if (!(error instanceof llmwire.LlmwireError)) throw error;
      reportError(error);
      return 2;
    }
    client.onEvent((event) => {
      if (event.decision === 'retry') {
        report(`attempt ${event.attempt} failed (${event.class}, HTTP ${event.httpStatus ?? '-'}); ` +
          `retrying in ${event.delayMs} ms (${event.delaySource})`);
      }
    });
    let completion;
    try {
      completion = await call(client, options, controller.signal);
    } catch (error) {
      if (!(error instanceof llmwire.LlmwireError)) throw error;
      if (error instanceof llmwire.Cancelled && controller.signal.aborted) {
        report('interrupted');
        return 130;
      }
      reportError(error);
      return 1;
    }
    const attempts = completion.llmwire?.attempts?.length ?? 0;
    const { usage } = completion;
    report(`done in ${attempts} attempt(s)` +
      (usage ? `; ${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion tokens` : ''));
    return 0;
  } finally {
    await client?.close();
    mock?.stop();
  }
}

process.exitCode = await main(process.argv.slice(2));
