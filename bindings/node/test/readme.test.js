'use strict';

// The README's first example runs as written (CommonJS), pointed at the simulated provider.

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

test('the README example runs as written', async () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const code = readme.split('```js\n')[1].split('```')[0];
  // A directory of its own where `require('llmwire')` finds this package, as after `npm install`.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmwire-readme-'));
  try {
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(path.resolve(__dirname, '..'), path.join(dir, 'node_modules', 'llmwire'), 'dir');
    fs.writeFileSync(path.join(dir, 'hello.js'), code);
    const env = { ...process.env, OPENAI_BASE_URL: mock.baseUrl('echo', 'readme'), OPENAI_API_KEY: 'sk-readme' };
    const { stdout } = await new Promise((resolve, reject) => {
      execFile(process.execPath, ['hello.js'], { cwd: dir, env, timeout: 30_000 }, (error, out, err) => {
        if (error) reject(new Error(`${error.message}\n${err}`));
        else resolve({ stdout: out });
      });
    });
    assert.equal(stdout, 'Hello 1\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
