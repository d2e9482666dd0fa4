'use strict';

const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { describe, it } = require('node:test');

const PACKAGE_DIR = path.resolve(__dirname, '..');

/** Runs `require('llmwire')` in a fresh process with `env` and returns what it printed. */
function requireIn(env, script = "console.log(require('.').libraryPath)") {
  const result = spawnSync(process.execPath, ['-e', script], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
}

/** Builds a shared library from C source, or returns null when no C compiler is at hand. */
function buildLibrary(t, source) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmwire-fake-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'fake.c');
  const library = path.join(dir, 'libfake.so');
  fs.writeFileSync(file, source);
  const cc = spawnSync(process.env.CC || 'cc', ['-shared', '-fPIC', '-o', library, file], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return null;
  return library;
}

describe('finding and checking the native library', () => {
  it('without LLMWIRE_LIB it loads the cargo build of the repository it sits in', { skip: process.platform !== 'linux' }, () => {
    const { status, stdout, stderr } = requireIn({ LLMWIRE_LIB: '' });
    assert.equal(status, 0, stderr);
    assert.match(stdout, /[/\\]target[/\\](release|debug)[/\\]libllmwire\.so$/);
    assert.ok(stdout.startsWith(path.resolve(PACKAGE_DIR, '..', '..')));
  });

  it('LLMWIRE_LIB naming a missing file fails with the path tried and how to fix it', () => {
    const missing = path.join(os.tmpdir(), 'no-such-dir', 'libllmwire.so');
    const { status, stderr } = requireIn({ LLMWIRE_LIB: missing });
    assert.notEqual(status, 0);
    assert.match(stderr, /cannot find the native library/);
    assert.ok(stderr.includes(missing), stderr);
    assert.match(stderr, /LLMWIRE_LIB names a file that does not exist/);
  });

  it('a library of another ABI version is refused, naming both versions', (t) => {
    const library = buildLibrary(t, 'unsigned int llmwire_abi_version(void) { return 2; }\n');
    if (!library) return t.skip('no C compiler');
    const { status, stderr } = requireIn({ LLMWIRE_LIB: library });
    assert.notEqual(status, 0);
    assert.match(stderr, /speaks C ABI version 2, but this binding needs version 1/);
  });

  it('a library that is not libllmwire is refused', (t) => {
    const library = buildLibrary(t, 'int unrelated(void) { return 0; }\n');
    if (!library) return t.skip('no C compiler');
    const { status, stderr } = requireIn({ LLMWIRE_LIB: library });
    assert.notEqual(status, 0);
    assert.match(stderr, /is not libllmwire/);
  });

  it('a second copy of the module (a reset module registry) loads and works beside the first', () => {
    const { status, stdout, stderr } = requireIn({}, `
      const first = require('.');
      for (const key of Object.keys(require.cache)) if (!key.includes('node_modules')) delete require.cache[key];
      const second = require('.');
      console.log(first !== second, second.classify({ status: 503 }).httpStatus, first.classify({ status: 429 }).class);`);
    assert.equal(status, 0, stderr);
    assert.equal(stdout, 'true 503 rate_limited');
  });

  it('the library found by LLMWIRE_LIB is the one used', () => {
    const real = requireIn({ LLMWIRE_LIB: '' }).stdout;
    const { status, stdout, stderr } = requireIn({ LLMWIRE_LIB: real },
      "const l = require('.'); console.log(l.libraryPath, l.abiVersion())");
    assert.equal(status, 0, stderr);
    assert.equal(stdout, `${real} 1`);
  });
});
