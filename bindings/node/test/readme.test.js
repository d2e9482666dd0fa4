'use strict';

// The README's examples run as written (the OpenAI-shaped one as an ES module, the `Client` one as
// CommonJS), pointed at the simulated provider.

const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test, before, after } = require('node:test');
const { startMock } = require('./mock');

let mock;
before(async () => { mock = await startMock(); });
after(() => mock?.stop());

async function runAsWritten(fileName, code) {
  // A directory of its own where `llmwire` resolves to this package, as after `npm install`.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmwire-readme-'));
  try {
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(path.resolve(__dirname, '..'), path.join(dir, 'node_modules', 'llmwire'), 'dir');
    fs.writeFileSync(path.join(dir, fileName), code);
    const env = { ...process.env, OPENAI_BASE_URL: mock.baseUrl('echo', 'readme'), OPENAI_API_KEY: 'sk-readme' };
    return await new Promise((resolve, reject) => {
      execFile(process.execPath, [fileName], { cwd: dir, env, timeout: 30_000 }, (error, out, err) => {
        if (error) reject(new Error(`${error.message}\n${err}`));
        else resolve(out);
      });
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function readmeBlocks() {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  return readme.split('```js\n').slice(1).map((block) => block.split('```')[0]);
}

test('the README example of the OpenAI-shaped client runs as written', async () => {
  const code = readmeBlocks().find((block) => block.includes('new OpenAI('));
  assert.equal(await runAsWritten('hello.mjs', code), 'Hello\n');
});

test('the README example of Client runs as written', async () => {
  const code = readmeBlocks().find((block) => block.includes("require('llmwire')"));
  assert.equal(await runAsWritten('hello.js', code), 'Hello 1\n');
});
