#!/usr/bin/env node
// llmwire demo in Node: what a robust client does that the usual ones don't.
//
// The scenes of examples/demo.c, through the Node binding, against the bundled simulated provider
// (`make demo` starts it and sets LLMWIRE_MOCK_ORIGIN). Each scene makes real HTTP calls and prints
// what happened, attempt by attempt, as reported by the client's event listener. Without `make`:
//
//   cargo build && (cd bindings/node && npm ci) && scripts/with-mock.sh -- node examples/demo.mjs

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const llmwire = require('../bindings/node');

const origin = process.env.LLMWIRE_MOCK_ORIGIN;
if (!origin) {
  console.error('demo: run it with `make demo` (it needs LLMWIRE_MOCK_ORIGIN)');
  process.exit(2);
}

const hello = { messages: [{ role: 'user', content: 'Hello, robust world' }] };
const badGemini = {
  model: 'models/gemini-2.5-flash',
  messages: [{ role: 'user', content: 'Weather in Paris?' }],
  tools: [{
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: { type: 'object', additionalProperties: false, properties: { city: { type: ['string', 'null'] } } },
    },
  }],
};

/** The event listener: one line per attempt, as the library reports it. */
function printAttempt(event) {
  const status = event.httpStatus ?? '-';
  if (event.decision === 'done') {
    console.log(`    attempt ${event.attempt}: HTTP ${status}, a usable completion`);
  } else if (event.decision === 'retry') {
    console.log(`    attempt ${event.attempt}: ${event.class} (HTTP ${status}) -> retry in ${event.delayMs} ms (${event.delaySource})`);
  } else {
    console.log(`    attempt ${event.attempt}: ${event.class} (HTTP ${status}) -> stop: ${event.stopReason}`);
  }
}

// Every client's counters, added up as each client is closed (Prometheus series -> value), and the
// number of calls the demo made: the metrics scene shows that the two agree.
const totals = new Map();
let callsMade = 0;

/** Adds a client's counters (the `_total` series) to the demo's totals. */
function tally(client) {
  for (const line of client.metrics('prometheus').split('\n')) {
    const at = line.lastIndexOf(' ');
    const series = line.slice(0, at);
    if (at > 0 && !line.startsWith('#') && series.split('{')[0].endsWith('_total')) {
      totals.set(series, (totals.get(series) ?? 0) + Number(line.slice(at + 1)));
    }
  }
}

/**
 * Runs `body` with a Gemini client for one mock scenario and session that reports its attempts,
 * then adds its counters to the totals and closes it. `body` also gets the function that stops
 * the reporting.
 */
async function withClient(path, config, body) {
  const client = new llmwire.Client({
    provider: 'gemini', base_url: origin + path, api_key: 'demo-key', model: 'gemini-2.5-flash', ...config,
  });
  const stopReporting = client.onEvent(printAttempt);
  try {
    const result = await body(client, stopReporting);
    tally(client);
    return result;
  } finally {
    await client.close();
  }
}

/** A system prompt, 60 question/answer turns, and the newest question. */
function longConversation() {
  const messages = [{ role: 'system', content: 'Be brief.' }];
  const parts = (word, turn) => Array.from({ length: 40 }, (_, part) => `${word} ${turn} part ${part}, `).join('');
  for (let turn = 0; turn < 60; turn++) {
    messages.push({ role: 'user', content: parts('question', turn) }, { role: 'assistant', content: parts('answer', turn) });
  }
  messages.push({ role: 'user', content: 'And the newest question?' });
  return { model: 'gpt-4', max_tokens: 500, messages };
}

function scene(title, whatOthersDo) {
  console.log(`\n== ${title}\n   (${whatOthersDo})`);
}

/** Makes the call and prints the outcome: the answer, or the failure's one-line summary. */
async function call(client, request) {
  callsMade += 1;
  try {
    const completion = await client.chat(request);
    console.log(`  => answer: "${completion.choices[0].message.content}"`);
    for (const repair of completion.llmwire.repairs ?? []) console.log(`     repaired ${repair.path}: ${repair.code}`);
  } catch (error) {
    if (!(error instanceof llmwire.LlmwireError)) throw error;
    console.log(`  => ${error.name}: ${error.summary}`); // one subclass per class: QuotaExhausted, …
  }
}

console.log(`llmwire ${llmwire.version()} demo against the simulated provider at ${origin}`);

scene('1. An invalid Gemini request is caught before it is sent', 'others send it and get a 400 they cannot read');
await withClient('/s/echo/demo-node-1/v1beta/openai', {}, (strict) => call(strict, badGemini));
console.log('   ... and with "validation": "repair" it is fixed and sent:');
await withClient('/s/echo/demo-node-1/v1beta/openai', { validation: 'repair' }, (repairing) => call(repairing, badGemini));

scene("2. Gemini's list-wrapped 400 is read, and not retried",
  'others cannot parse the list, retry, and print "no more retries left"');
await withClient('/s/gemini_unknown_field_400/demo-node-2/v1beta/openai', { validation: 'off' }, (listed) => call(listed, hello));

scene('3. A per-day quota is not retried', 'others retry a quota that is gone until tomorrow');
await withClient('/s/quota_exhausted/demo-node-3/v1beta/openai', {}, (quota) => call(quota, hello));

scene("4. Gemini's RetryInfo delay (in the body) is honoured", 'others ignore it, retry too early, and give up');
await withClient('/s/retry_info_then_ok:ms=1000/demo-node-4/v1beta/openai', {}, (hinted) => call(hinted, hello));

scene('5. An overloaded model is ridden out (3 x 503, then OK)', 'others give up after their 3rd try');
await withClient('/s/overloaded_then_ok:n=3/demo-node-5/v1beta/openai', {}, (overloaded) => call(overloaded, hello));

scene('6. A stream, token by token, printed as it arrives', 'retried only before the first token reaches you');
await withClient('/s/echo:chunk_delay_ms=80/demo-node-6/v1beta/openai', {}, async (streaming, stopReporting) => {
  stopReporting(); // keep the tokens on one line
  process.stdout.write('  => ');
  callsMade += 1;
  const started = performance.now();
  let pieces = 0;
  for await (const chunk of streaming.stream({ messages: [{ role: 'user', content: 'streamed one token at a time' }] })) {
    const text = chunk.choices[0]?.delta?.content;
    if (text) {
      process.stdout.write(text);
      pieces += 1;
    }
  }
  console.log(`\n     (${pieces} pieces over ${Math.round(performance.now() - started)} ms, each printed on arrival)`);
});

scene("7. A conversation over gpt-4's 8k window is trimmed before it is sent", 'others send it and get a 400 no retry can cure');
const trimming = new llmwire.Client({
  provider: 'openai', base_url: `${origin}/s/echo/demo-node-7/v1`, api_key: 'demo-key', context: { on_overflow: 'trim' },
});
try {
  trimming.onEvent(printAttempt);
  callsMade += 1;
  const completion = await trimming.chat(longConversation());
  const report = completion.llmwire.trimmed[0];
  console.log(`  => dropped the ${report.droppedTurns} oldest turns: about ${report.estimatedTokensBefore} -> ` +
    `${report.estimatedTokensAfter} tokens; the system prompt and the newest question kept`);
  console.log(`  => answer: "${completion.choices[0].message.content}"`);
  tally(trimming);
} finally {
  await trimming.close();
}


// ---- Fleet scenes (targets, failover, client-side limits): self-contained. ----

/** The fleet scenes' listener: attempts with their target, state changes, failovers. */
function printFleetEvent(event) {
  if (event.event === 'failover') {
    console.log(`    failover ${event.from} -> ${event.to} after ${event.class}`);
  } else if (event.event === 'target') {
    const until = event.untilMs ? ` for ${event.untilMs - Date.now()} ms` : '';
    console.log(`    target ${event.target}: ${event.transition}${until}`);
  } else if (event.decision === 'done') {
    console.log(`    attempt ${event.attempt} on ${event.target}: HTTP ${event.httpStatus}, a usable completion`);
  } else {
    console.log(`    attempt ${event.attempt} on ${event.target}: ${event.class} (HTTP ${event.httpStatus})`);
  }
}

scene('Failover: a failing primary, a healthy backup', 'others fail the call, or retry the dead endpoint');
{
  const fleet = new llmwire.Client({
    targets: [
      { name: 'primary', base_url: `${origin}/s/always_500/demo-node-f1/v1`, api_key: 'demo-key' },
      { name: 'backup', base_url: `${origin}/s/echo/demo-node-f2/v1`, api_key: 'demo-key' },
    ],
    model: 'gpt-4o-mini',
    fleet: { breaker: { failures: 2, cooldown_ms: 30000 } },
  });
  try {
    fleet.onEvent(printFleetEvent);
    for (let n = 1; n <= 3; n++) {
      console.log(`  call ${n}:`);
      callsMade += 1;
      await fleet.chat(hello);
    }
    const primary = fleet.metrics().targets[0];
    console.log(`  => the primary is ${primary.state} (${primary.breaker} breaker) after ${primary.attempts} attempts`);
    tally(fleet);
  } finally {
    await fleet.close();
  }
}

scene('Client-side limits: 3 requests a second, 6 calls', 'others send them all and collect 429s');
{
  const limited = new llmwire.Client({
    targets: [{ name: 'limited', base_url: `${origin}/s/echo/demo-node-l1/v1`, api_key: 'demo-key',
      limits: { rpm: 3, window_ms: 1000 } }],
    model: 'gpt-4o-mini',
  });
  try {
    const started = performance.now();
    for (let n = 1; n <= 6; n++) {
      callsMade += 1;
      await limited.chat(hello);
      console.log(`  call ${n} answered at ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    tally(limited);
  } finally {
    await limited.close();
  }
}

// --- Shared limit across processes (Redis) -------------------------------------------------------
// A self-contained scene: two Node processes share one limit of 3 requests a second through a
// redis-server this block starts (and stops) itself; skipped when none is installed.
scene('Shared limit: 2 processes, 3 requests a second between them (Redis)',
  'others limit each process alone, so together they send twice the rate');
{
  const { spawn, spawnSync } = await import('node:child_process');
  const net = await import('node:net');
  const { fileURLToPath } = await import('node:url');
  const found = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  if (found.error) {
    console.log('  skipped: redis-server is not installed (apt-get install redis-server)');
  } else {
    const port = await new Promise((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address();
        probe.close(() => resolve(free));
      });
    });
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' });
    try {
      for (let tries = 0; tries < 200; tries++) {
        const up = await new Promise((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
          socket.on('error', () => resolve(false));
        });
        if (up) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // Each process: three calls under the shared limit, each printed when answered.
      const worker = `
        const llmwire = require(${JSON.stringify(fileURLToPath(new URL('../bindings/node', import.meta.url)))});
        const [name, origin, url, namespace, started] = process.argv.slice(1);
        (async () => {
          const shared = new llmwire.Client({
            targets: [{ name: 'limited', base_url: origin + '/s/echo/demo-node-shared/v1', api_key: 'demo-key',
              limits: { rpm: 3, window_ms: 1000 } }],
            model: 'gpt-4o-mini',
            coordination: { backend: 'redis', url, namespace },
          });
          try {
            for (let n = 1; n <= 3; n++) {
              await shared.chat({ messages: [{ role: 'user', content: 'Hello, robust world' }] });
              console.log('  process ' + name + ': call ' + n + ' answered at ' + ((Date.now() - Number(started)) / 1000).toFixed(1) + ' s');
            }
          } finally {
            await shared.close();
          }
        })();`;
      const url = `redis://127.0.0.1:${port}/0`;
      const namespace = `demo-node-${process.pid}`;
      const started = String(Date.now());
      await Promise.all(['A', 'B'].map((name) => new Promise((resolve) => {
        spawn(process.execPath, ['-e', worker, name, origin, url, namespace, started], { stdio: 'inherit' })
          .on('exit', resolve);
      })));
      console.log('  => 3 calls at once, the other 3 a second later: never more than 3 a second between the two processes');
    } finally {
      redis.kill();
    }
  }
}

scene('8. Metrics, per class (Prometheus text), over every client of this demo', 'for dashboards and alerts');
for (const [series, value] of totals) {
  if (value) console.log(`   ${series} ${+value.toFixed(6)}`);
}
console.log(`   (this demo made ${callsMade} calls)`);
