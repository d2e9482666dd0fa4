'use strict';

const assert = require('node:assert/strict');
const { it } = require('node:test');

it('the ES module entry point exports exactly what require() does, as the same objects', async () => {
  const cjs = require('..');
  const esm = await import('../index.mjs');
  const named = Object.keys(esm).filter((name) => name !== 'default').sort();
  assert.deepEqual(named, Object.keys(cjs).sort(), 'index.mjs must list every export of index.js');
  for (const name of named) assert.equal(esm[name], cjs[name], name);
  assert.equal(esm.default, cjs);
});

it('package.json maps import and require to the two entry points, each with its types', () => {
  const { exports } = require('../package.json');
  assert.deepEqual(exports['.'].import, { types: './index.d.mts', default: './index.mjs' });
  assert.deepEqual(exports['.'].require, { types: './index.d.ts', default: './index.js' });
});
