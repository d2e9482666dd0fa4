'use strict';

const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { it } = require('node:test');

it('index.d.ts type-checks against the documented usage (tsc --strict)', () => {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022',
    '--module', 'commonjs', '--lib', 'es2022', '--types', 'node', path.join(__dirname, 'types', 'usage.ts')],
  { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
});
