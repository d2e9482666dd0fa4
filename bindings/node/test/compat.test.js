'use strict';

// Programs written for the official `openai` package run on llmwire with one line changed.
//
// Each file in compat/programs/ is an ordinary program in the style of the official package's
// documentation, except for its import line, marked `// was: <the official import>`. Each runs
// here as its own process, configured as its users configure the official package (only
// OPENAI_BASE_URL and OPENAI_API_KEY in the environment), against the simulated provider.
//
// With LLMWIRE_COMPAT_OFFICIAL_DIR naming a directory where the official package is installed
// (`npm install openai` there), the same programs also run there with their official import
// line restored, and must print the same.

const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { after, before, describe, it } = require('node:test');
const { startMock } = require('./mock');

const PROGRAMS = path.join(__dirname, 'compat', 'programs');
const MARKED_LINE = /^(?<line>.*?)\s+\/\/ was: (?<original>.+)$/gm;

/** program → [scenario, the exact output expected] */
const CASES = {
  'basic.mjs': ['echo', 'Say hello to the compatibility suite.\nstop\n'],
  'system_prompt.mjs': ['echo', 'assistant Why is the sky blue?\ntrue\n'],
  'streaming.mjs': ['echo', 'count one two three\ntotal tokens: true\nstopped after 2 pieces\n'],
  'tool_calls.mjs': ['compat_tool_then_answer',
    'tool_calls\ncalling get_weather city\nIt is sunny in the city you asked about.\n'],
  'json_mode.mjs': ['compat_json_answer', 'Mars 2\n'],
  'concurrent.mjs': ['echo', 'request 0 | request 1 | request 2\naborted\n'],
  'error_handling.mjs': ['quota_exhausted', 'rate limited 429\nhandled\n'],
  'timeouts.mjs': ['slow_headers:delay_ms=3000', 'timed out\ntimed out again: true\n'],
};

/**
 * Runs a program with the official package's environment variables pointing at `baseURL`.
 *
 * @returns {Promise<{code: number, stdout: string, stderr: string}>}
 */
function runProgram(program, baseURL, file = path.join(PROGRAMS, program)) {
  return new Promise((resolve) => {
    execFile(process.execPath, [file], {
      env: { ...process.env, OPENAI_BASE_URL: baseURL, OPENAI_API_KEY: 'sk-compat-not-a-secret' },
      timeout: 60_000,
    }, (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
  });
}

describe('programs written for the official openai package', () => {
  let mock;
  before(async () => {
    mock = await startMock({ scenarioFiles: [path.join(__dirname, 'compat', 'scenarios.json')] });
  });
  after(() => mock.stop());

  const url = (scenario, session = randomUUID()) => mock.baseUrl(scenario, session);

  it('has a case for every program', () => {
    assert.deepEqual(fs.readdirSync(PROGRAMS).sort(), Object.keys(CASES).sort());
  });

  for (const [program, [scenario, expected]] of Object.entries(CASES)) {
    it(`${program} differs from its official version in its import line only`, () => {
      const source = fs.readFileSync(path.join(PROGRAMS, program), 'utf8');
      const marks = [...source.matchAll(MARKED_LINE)];
      assert.equal(marks.length, 1, 'exactly one line marked // was:');
      assert.equal(marks[0].groups.line, "import { OpenAI } from 'llmwire';");
      assert.match(marks[0].groups.original, /^import OpenAI from 'openai';$/);
      assert.equal(source.replace(MARKED_LINE, '').includes('llmwire'), false);
    });

    it(`${program} runs on llmwire (scenario ${scenario})`, async () => {
      const { code, stdout, stderr } = await runProgram(program, url(scenario));
      assert.equal(code, 0, stderr);
      assert.equal(stdout, expected, stderr);
    });
  }

  const officialDir = process.env.LLMWIRE_COMPAT_OFFICIAL_DIR;
  for (const [program, [scenario, expected]] of Object.entries(CASES)) {
    it(`${program} prints the same with the official package`, { skip: !officialDir && 'LLMWIRE_COMPAT_OFFICIAL_DIR is not set' }, async () => {
      const source = fs.readFileSync(path.join(PROGRAMS, program), 'utf8');
      const file = path.join(officialDir, `official-${program}`);
      fs.writeFileSync(file, source.replace(MARKED_LINE, '$<original>'));
      const { code, stdout, stderr } = await runProgram(program, url(scenario), file);
      assert.equal(code, 0, stderr);
      assert.equal(stdout, expected, stderr);
    });
  }

  it('the tool program sends the assistant message and the tool result back', async () => {
    const session = randomUUID();
    const { code, stderr } = await runProgram('tool_calls.mjs', url('compat_tool_then_answer', session));
    assert.equal(code, 0, stderr);
    const [first, second] = (await mock.requests(session)).map((request) => request.body);
    assert.equal(first.tools[0].function.name, 'get_weather');
    const [, assistant, toolResult] = second.messages;
    const [call] = assistant.tool_calls;
    assert.equal(assistant.role, 'assistant');
    assert.deepEqual(call.function, { name: 'get_weather', arguments: '{"city":"mock"}' });
    assert.deepEqual(toolResult, { role: 'tool', tool_call_id: call.id, content: 'sunny in mock' });
  });

  it('the JSON program sends response_format, and the key only as a redacted bearer token', async () => {
    const session = randomUUID();
    const { code, stderr } = await runProgram('json_mode.mjs', url('compat_json_answer', session));
    assert.equal(code, 0, stderr);
    const [request] = await mock.requests(session);
    assert.deepEqual(request.body.response_format, { type: 'json_object' });
    assert.equal(request.headers.authorization, 'Bearer ***');
  });

  for (const [scenario, expected] of [
    ['model_not_found_404', 'API error 404 true,false,false\nhandled\n'],
    ['context_length_exceeded', 'API error 400 false,true,false\nhandled\n'],
    ['invalid_api_key', 'API error 401 false,false,true\nhandled\n'],
  ]) {
    it(`the error program takes the APIError branch for ${scenario}`, async () => {
      const { code, stdout, stderr } = await runProgram('error_handling.mjs', url(scenario));
      assert.equal(code, 0, stderr);
      assert.equal(stdout, expected);
    });
  }

  it('the error program takes the connection branch when nothing listens', async () => {
    const port = await new Promise((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address();
        server.close(() => resolve(free));
      });
    });
    const { code, stdout, stderr } = await runProgram('error_handling.mjs', `http://127.0.0.1:${port}/v1`);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'The server could not be reached\nhandled\n');
  });
});
