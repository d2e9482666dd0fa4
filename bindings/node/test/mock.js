'use strict';

/**
 * Test support: runs the real simulated provider (`llmwire mock`) and builds clients pointed at
 * its scenarios. Not a test file itself (the npm script runs only `*.test.js`).
 */

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const path = require('node:path');
const readline = require('node:readline');
const llmwire = require('..');

/** Where the `llmwire` CLI is: `LLMWIRE_BIN`, else beside the library the binding loaded. */
function mockBinary() {
  if (process.env.LLMWIRE_BIN) return path.resolve(process.env.LLMWIRE_BIN);
  const exe = process.platform === 'win32' ? 'llmwire.exe' : 'llmwire';
  return path.join(path.dirname(llmwire.libraryPath), exe);
}

/** Scenarios of this suite for classes no built-in scenario produces. */
const SCENARIO_FILE = path.join(__dirname, 'fixtures', 'scenarios.json');

/**
 * Starts `llmwire mock --port 0` (with this suite's scenario file) and resolves once it printed
 * its port.
 *
 * @param {{scenarioFiles?: string[]}} [options]
 * @returns {Promise<Mock>}
 */
function startMock({ scenarioFiles = [SCENARIO_FILE] } = {}) {
  const binary = mockBinary();
  const args = ['mock', '--port', '0', '--until-stdin-eof'];
  for (const file of scenarioFiles) args.push('--scenarios', file);
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text) => { stderr += text; });
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    const fail = (why) => {
      child.kill();
      reject(new Error(`cannot start ${binary} ${args.join(' ')}: ${why}${stderr ? `\n${stderr}` : ''}\n` +
        'Build it with `cargo build` at the repository root, or set LLMWIRE_BIN.'));
    };
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`it exited (${signal ?? code}) before printing its port`));
    lines.once('line', (line) => {
      const match = /port (\d+)/.exec(line);
      if (!match) return fail(`unexpected first line ${JSON.stringify(line)}`);
      child.removeAllListeners('exit');
      child.removeAllListeners('error');
      lines.close();
      resolve(new Mock(child, Number(match[1])));
    });
  });
}

class Mock {
  constructor(child, port) {
    this.child = child;
    this.port = port;
    this.origin = `http://127.0.0.1:${port}`;
  }

  /**
   * A base URL selecting `scenario` for a session.
   *
   * @param {string} scenario
   * @param {string} session
   * @param {string} [api] the API path: `v1` (OpenAI) or `v1beta/openai` (Gemini).
   */
  baseUrl(scenario, session, api = 'v1') {
    return `${this.origin}/s/${encodeURIComponent(scenario)}/${session}/${api}`;
  }

  /**
   * A client for one scenario, with tiny deterministic backoff.
   *
   * @param {string} scenario e.g. `"overloaded_then_ok:n=2"`
   * @param {object} [config] merged over the defaults (`retry` merged one level deep).
   * @param {{api?: string}} [options]
   * @returns {import('..').Client & {session: string}}
   */
  client(scenario, config = {}, { api } = {}) {
    const session = randomUUID();
    const client = new llmwire.Client({
      base_url: this.baseUrl(scenario, session, api),
      api_key: 'sk-test-not-a-secret',
      model: 'mock-model',
      ...config,
      retry: { initial_backoff_ms: 5, max_backoff_ms: 20, jitter: 'none', ...config.retry },
    });
    client.session = session;
    return client;
  }

  /** What a session sent, as the mock logged it. */
  async requests(session) {
    const response = await fetch(`${this.origin}/_mock/requests?session=${encodeURIComponent(session)}`);
    return (await response.json()).requests;
  }

  /** Stops the mock and waits for it to exit. */
  stop() {
    if (this.child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', resolve);
      this.child.stdin.end(); // --until-stdin-eof: a clean stop.
      this.child.kill();
    });
  }
}

/**
 * The error a promise rejects with; fails the test, showing what came instead, if it resolves.
 *
 * @param {Promise<unknown>} promise
 * @returns {Promise<any>}
 */
async function rejectionOf(promise) {
  let value;
  try {
    value = await promise;
  } catch (error) {
    return error;
  }
  throw new assert.AssertionError({ message: `expected a rejection, got ${JSON.stringify(value)?.slice(0, 300)}` });
}

/** A small chat request. */
function ask(content = 'hello mock', extra = {}) {
  return { messages: [{ role: 'user', content }], ...extra };
}

module.exports = { startMock, mockBinary, ask, rejectionOf };
