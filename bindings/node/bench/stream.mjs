#!/usr/bin/env node
// Streaming throughput and many concurrent calls, llmwire's binding beside the `openai` npm
// package, in one run:
//
// - stream: one stream of about 500 chunks (`llmwire mock`'s `echo` scenario answers a 500-word
//   message with one chunk per word) on loopback, read to the end, repeated; chunks per second.
//   Each client reads its streams in a child process of its own (a few rounds per child, the
//   clients' children alternated), so that one client's garbage is never collected during the
//   other's rounds: interleaved in one process, the `openai` package's allocations had V8
//   collecting during llmwire's streams and halved their measured rate.
// - concurrent: 1,000 calls started at once against the fast mock (`llmwire mock --fast`), each
//   client in a fresh child process; wall time until all resolved, and the process's peak RSS.
//
//   node bench/stream.mjs [--rounds 20] [--words 500] [--concurrent 1000] [--openai DIR]
//
// The `openai` package is not a dependency of llmwire: install it anywhere and point --openai (or
// OPENAI_NODE_DIR) at that folder (e.g. `npm install --prefix build/bench-openai openai`). Build
// the library with `cargo build --release` first.

import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const llmwire = require('..');

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    words: { type: 'string', default: '500' },
    concurrent: { type: 'string', default: '1000' },
    openai: { type: 'string', default: process.env.OPENAI_NODE_DIR },
    child: { type: 'string' }, // internal: run the concurrent measure for one client
    'stream-child': { type: 'string' }, // internal: read streams with one client
    'base-url': { type: 'string' },
  },
});

function loadOpenAI() {
  const bases = [args.openai && path.join(path.resolve(args.openai), 'package.json'), import.meta.url].filter(Boolean);
  for (const base of bases) {
    try {
      const module = createRequire(base)('openai');
      return module.default ?? module;
    } catch {
      // Try the next place.
    }
  }
  return null;
}

function startMock(fast) {
  const binary = process.env.LLMWIRE_BIN ?? path.join(path.dirname(llmwire.libraryPath), 'llmwire');
  const flags = ['mock', '--port', '0', '--until-stdin-eof', '--max-connections', '4096', ...(fast ? ['--fast'] : [])];
  const child = spawn(binary, flags, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (data) => {
      const port = /port (\d+)/.exec(String(data))?.[1];
      if (!port) return reject(new Error(`unexpected output from ${binary}: ${data}`));
      resolve({ baseUrl: `http://127.0.0.1:${port}/v1`, stop: () => child.kill() });
    });
  });
}

const MODEL = 'gpt-4o-mini';
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The child process of the concurrent measure: N calls at once, wall time and peak RSS. */
async function concurrentChild(which, baseUrl, count) {
  const request = { model: MODEL, messages: [{ role: 'user', content: 'benchmark prompt' }] };
  let call;
  let close = async () => {};
  if (which === 'llmwire') {
    const client = new llmwire.Client({ base_url: baseUrl, api_key: 'sk-bench' });
    call = () => client.chat(request);
    close = () => client.close();
  } else {
    const OpenAI = loadOpenAI();
    const client = new OpenAI({ apiKey: 'sk-bench', baseURL: baseUrl, maxRetries: 0 });
    call = () => client.chat.completions.create(request);
  }
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: count }, call));
  const wall = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (results.some((r) => r.choices[0].message.content !== 'pong')) throw new Error('unexpected answer');
  await close();
  console.log(JSON.stringify({ wallMs: wall, rssBeforeMb: before / 2 ** 20, rssPeakMb: peak / 2 ** 20 }));
}

if (args.child) {
  await concurrentChild(args.child, args['base-url'], Number(args.concurrent));
  process.exit(0);
}

const words = Array.from({ length: Number(args.words) }, (_, n) => `w${n}`).join(' ');
const streamRequest = { model: MODEL, messages: [{ role: 'user', content: words }] };

/**
 * The child process of the stream measure: `--rounds` streams read with one client, after a
 * warm-up; prints each round's chunks per second and CPU µs per chunk (this process's, the
 * library's threads included: steadier than the rate on a loaded machine).
 */
async function streamChild(which, baseUrl, rounds) {
  let read;
  let close = async () => {};
  if (which === 'llmwire') {
    const client = new llmwire.Client({ base_url: baseUrl, api_key: 'sk-bench' });
    read = async () => {
      let count = 0;
      for await (const chunk of client.stream(streamRequest)) count += chunk ? 1 : 0;
      return count;
    };
    close = () => client.close();
  } else {
    const OpenAI = loadOpenAI();
    const openai = new OpenAI({ apiKey: 'sk-bench', baseURL: baseUrl, maxRetries: 0 });
    read = async () => {
      let count = 0;
      const stream = await openai.chat.completions.create({ ...streamRequest, stream: true });
      for await (const chunk of stream) count += chunk ? 1 : 0;
      return count;
    };
  }
  for (let i = 0; i < 20; i += 1) await read(); // warm-up: connection, and the JIT for both clients
  const result = { chunks: 0, rates: [], cpuPerChunk: [] };
  for (let r = 0; r < rounds; r += 1) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    result.chunks = await read();
    result.rates.push(result.chunks / ((performance.now() - started) / 1000));
    const cpu = process.cpuUsage(cpuBefore);
    result.cpuPerChunk.push((cpu.user + cpu.system) / result.chunks);
  }
  await close();
  console.log(JSON.stringify(result));
}

if (args['stream-child']) {
  await streamChild(args['stream-child'], args['base-url'], Number(args.rounds));
  process.exit(0);
}

const OpenAI = loadOpenAI();
const script = fileURLToPath(import.meta.url);
const openaiArgs = args.openai ? ['--openai', args.openai] : [];
/** Runs `which`'s child with `rest` and returns the JSON of its last line. */
function child(which, mode, rest) {
  const output = execFileSync(process.execPath, [script, mode, which, ...rest, ...openaiArgs], { encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').pop());
}

const mock = await startMock(false);
const names = { llmwire: 'llmwire (binding)', openai: 'openai (npm)' };
const clients = OpenAI ? ['llmwire', 'openai'] : ['llmwire'];
const rates = Object.fromEntries(clients.map((which) => [which, []]));
const cpuPerChunk = Object.fromEntries(clients.map((which) => [which, []]));
const chunks = {};
try {
  // Blocks of up to 10 rounds, the clients' children alternated, so a burst of load elsewhere
  // hits both alike.
  for (let done = 0; done < Number(args.rounds); done += 10) {
    const rounds = String(Math.min(10, Number(args.rounds) - done));
    for (const which of clients) {
      const result = child(which, '--stream-child', ['--base-url', mock.baseUrl, '--rounds', rounds, '--words', args.words]);
      chunks[which] = result.chunks;
      rates[which].push(...result.rates);
      cpuPerChunk[which].push(...result.cpuPerChunk);
    }
  }
} finally {
  mock.stop();
}
console.log(`one ${args.words}-word stream on loopback, ${args.rounds} rounds per client (a child process per block of 10, alternated); library: ${llmwire.libraryPath}`);
console.table(clients.map((which) => ({
  client: names[which],
  'chunks/stream': chunks[which],
  'median chunks/s': Math.round(median(rates[which])),
  'best chunks/s': Math.round(Math.max(...rates[which])),
  'median CPU µs/chunk': median(cpuPerChunk[which]).toFixed(1),
})));
if (OpenAI) {
  const ratio = median(rates.llmwire) / median(rates.openai);
  console.log(`llmwire streams ${ratio.toFixed(2)}× the chunks per second of openai (medians)`);
}

const fast = await startMock(true);
try {
  const rows = [];
  for (const which of clients) {
    const result = child(which, '--child', ['--base-url', fast.baseUrl, '--concurrent', args.concurrent]);
    rows.push({ client: which, 'wall ms': Math.round(result.wallMs), 'RSS before MB': result.rssBeforeMb.toFixed(1),
      'peak RSS MB': result.rssPeakMb.toFixed(1) });
  }
  console.log(`${args.concurrent} concurrent calls against the fast mock, each client in a fresh process:`);
  console.table(rows);
} finally {
  fast.stop();
}
