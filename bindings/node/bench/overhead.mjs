#!/usr/bin/env node
// Per-call overhead: sequential chat calls per second over one keep-alive connection to a fast
// loopback endpoint (`llmwire mock --fast`: one fixed completion, answered at once, so that what
// is measured is the clients), through llmwire's binding, the `openai` npm package, and Node's
// own fetch (the floor: one HTTP exchange, no client logic).
//
//   node bench/overhead.mjs [--calls 2000] [--rounds 10] [--warmup 200] [--openai DIR] [--rust]
//
// --rust also times the Rust API's `chat` from a Rust program against the same mock (the client
// benchmark's `fast` mode, `cargo bench --bench client -- fast`, median of its rounds), so that the
// binding's cost per call over Rust is read within one run.
//
// The `openai` package is not a dependency of llmwire. Install it anywhere and point --openai (or
// OPENAI_NODE_DIR) at that folder, e.g.:
//   npm install --no-save --prefix /tmp/llmwire-bench openai
//   node bench/overhead.mjs --openai /tmp/llmwire-bench
// Build the library with `cargo build --release` first: the binding prefers target/release.
//
// For figures that count the clients' work rather than how long an idle core takes to wake up
// (which on a small VM varies by more than a whole call costs), run it on one CPU; the mock it
// starts inherits the CPU:  taskset -c 0 node bench/overhead.mjs --openai /tmp/llmwire-bench

import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const llmwire = require('..');

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '10' },
    openai: { type: 'string', default: process.env.OPENAI_NODE_DIR },
    rust: { type: 'boolean', default: false },
  },
});
const CALLS = Number(args.calls);
const WARMUP = Number(args.warmup);
const ROUNDS = Number(args.rounds);

/** Loads the `openai` package from --openai, or from wherever Node resolves it; null if absent. */
function loadOpenAI() {
  const bases = [args.openai && path.join(path.resolve(args.openai), 'package.json'), import.meta.url].filter(Boolean);
  for (const base of bases) {
    try {
      return createRequire(base)('openai');
    } catch {
      // Try the next place.
    }
  }
  return null;
}

/**
 * µs per call of the Rust API's `chat` against `baseUrl`, from the client benchmark's `fast` mode
 * (the median of its rounds; it is pinned by whoever pins this process).
 *
 * @param {string} baseUrl
 * @returns {number}
 */
function rustMicrosPerCall(baseUrl) {
  const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
  const output = execFileSync('cargo', ['bench', '--quiet', '--bench', 'client', '--', 'fast'], {
    cwd: repo,
    env: { ...process.env, LLMWIRE_BENCH_BASE_URL: baseUrl, LLMWIRE_BENCH_PIN: '0' },
    encoding: 'utf8',
  });
  const match = /chat \(a Value in.*?([0-9.]+) µs\/call/.exec(output);
  if (!match) throw new Error(`unexpected output from the Rust benchmark:\n${output}`);
  return Number(match[1]);
}

/** Starts `llmwire mock` (`LLMWIRE_BIN`, else the CLI beside the loaded library). */
function startMock() {
  const binary = process.env.LLMWIRE_BIN ?? path.join(path.dirname(llmwire.libraryPath), 'llmwire');
  const child = spawn(binary, ['mock', '--port', '0', '--until-stdin-eof', '--fast'], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (data) => {
      const port = /port (\d+)/.exec(String(data))?.[1];
      if (!port) return reject(new Error(`unexpected output from ${binary}: ${data}`));
      resolve({ baseUrl: (session) => `http://127.0.0.1:${port}/s/echo/${session}/v1`, stop: () => child.kill() });
    });
  });
}

/**
 * Times one round of CALLS / ROUNDS sequential calls; returns the duration of each call (ms).
 *
 * @param {() => Promise<string>} call resolves to the answer's text, checked every time.
 * @param {number} count
 */
async function round(call, count) {
  const times = [];
  for (let i = 0; i < count; i += 1) {
    const t0 = performance.now();
    const text = await call();
    times.push(performance.now() - t0);
    if (text !== 'pong') throw new Error(`unexpected answer ${JSON.stringify(text)}`);
  }
  return times;
}

/**
 * Warms every client up, then runs ROUNDS rounds, each client in turn within a round, so a burst of
 * load elsewhere on the machine hits all of them alike. Reports the overall rate (every call,
 * garbage-collection pauses included) and the median round's rate (robust to bursts of load).
 *
 * @param {Record<string, () => Promise<string>>} clients
 */
async function measure(clients) {
  const perRound = Math.ceil(CALLS / ROUNDS);
  const rates = Object.fromEntries(Object.keys(clients).map((name) => [name, []]));
  const times = Object.fromEntries(Object.keys(clients).map((name) => [name, []]));
  for (const call of Object.values(clients)) await round(call, WARMUP);
  for (let r = 0; r < ROUNDS; r += 1) {
    for (const [name, call] of Object.entries(clients)) {
      const roundTimes = await round(call, perRound);
      rates[name].push(perRound / (roundTimes.reduce((a, b) => a + b, 0) / 1000));
      times[name].push(...roundTimes);
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.floor(values.length * q)];
  return Object.fromEntries(Object.keys(clients).map((name) => [name, {
    callsPerSecond: times[name].length / (times[name].reduce((a, b) => a + b, 0) / 1000),
    meanUs: (times[name].reduce((a, b) => a + b, 0) / times[name].length) * 1000,
    medianRoundCallsPerSecond: median(rates[name]),
    p50Ms: quantile(times[name], 0.5),
    p99Ms: quantile(times[name], 0.99),
  }]));
}

// A model llmwire knows, as in the Rust benchmark (an unknown one adds a warning to every answer).
const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'benchmark prompt' }] };
const mock = await startMock();
let results;
/** @type {number | null} */
let rustUs = null;
const client = new llmwire.Client({ base_url: mock.baseUrl('llmwire'), api_key: 'sk-bench' });
try {
  const clients = {
    'llmwire (binding)': async () => (await client.chat(request)).choices[0].message.content,
  };
  const OpenAI = loadOpenAI();
  if (OpenAI) {
    const openai = new (OpenAI.default ?? OpenAI)({ apiKey: 'sk-bench', baseURL: mock.baseUrl('openai') });
    clients['openai (npm)'] = async () => (await openai.chat.completions.create(request)).choices[0].message.content;
  }
  const url = `${mock.baseUrl('fetch')}/chat/completions`;
  const body = JSON.stringify(request);
  const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-bench' };
  clients['fetch (floor)'] = async () => {
    const response = await fetch(url, { method: 'POST', headers, body });
    return (await response.json()).choices[0].message.content;
  };
  results = await measure(clients);
  if (args.rust) rustUs = rustMicrosPerCall(mock.baseUrl('rust'));
} finally {
  await client.close();
  mock.stop();
}

const rows = Object.entries(results).map(([name, r]) => ({
  client: name,
  'calls/s': Math.round(r.callsPerSecond),
  'mean µs': Math.round(r.meanUs),
  'median round calls/s': Math.round(r.medianRoundCallsPerSecond),
  'p50 ms': r.p50Ms.toFixed(3),
  'p99 ms': r.p99Ms.toFixed(3),
}));
const cpus = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 'unknown';
console.log(`${CALLS} sequential calls per client in ${ROUNDS} interleaved rounds, ` +
  `after ${WARMUP} warm-up calls; CPUs ${cpus}; library: ${llmwire.libraryPath}`);
console.table(rows);
if (rustUs !== null) {
  const ours = results['llmwire (binding)'];
  // The Rust figure is a median round's mean call; the binding's median round is its like.
  const oursMedianRoundUs = 1e6 / ours.medianRoundCallsPerSecond;
  console.log(`Rust API chat: ${rustUs.toFixed(1)} µs/call (median round); the binding costs ` +
    `${(oursMedianRoundUs / rustUs).toFixed(2)}× that comparing median rounds, ` +
    `${(ours.meanUs / rustUs).toFixed(2)}× on average over every call (mean, pauses included), ` +
    `${((ours.p50Ms * 1000) / rustUs).toFixed(2)}× comparing the median call`);
}
const ours = results['llmwire (binding)'].callsPerSecond;
const theirs = results['openai (npm)']?.callsPerSecond;
if (theirs) {
  const medians = results['llmwire (binding)'].medianRoundCallsPerSecond / results['openai (npm)'].medianRoundCallsPerSecond;
  console.log(`llmwire makes ${(ours / theirs).toFixed(2)}× the calls per second of openai ` +
    `(${medians.toFixed(2)}× comparing median rounds; ` +
    `${(results['openai (npm)'].p50Ms / results['llmwire (binding)'].p50Ms).toFixed(2)}× comparing median calls)`);
} else {
  console.log('openai is not installed: npm install --no-save --prefix /tmp/llmwire-bench openai, ' +
    'then pass --openai /tmp/llmwire-bench');
}
