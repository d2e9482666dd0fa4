'use strict';

// Targets through the Node binding: the configuration is a plain object (JSON).

const assert = require('node:assert/strict');
const { randomUUID } = require('node:crypto');
const { describe, it, before, after } = require('node:test');

const llmwire = require('..');
const { startMock, ask, rejectionOf } = require('./mock');

describe('targets', () => {
  let mock;
  before(async () => { mock = await startMock(); });
  after(() => mock.stop());

  const target = (name, scenario) => ({
    name,
    base_url: mock.baseUrl(scenario, randomUUID()),
    api_key: 'sk-test-not-a-secret',
    model: 'mock-model',
  });

  it('moves a call from a failing primary to the backup and names each attempt\'s target', async () => {
    const client = new llmwire.Client({
      targets: [target('primary', 'always_500'), target('backup', 'echo')],
      validation: 'off',
    });
    const completion = await client.chat(ask());
    const attempts = completion.llmwire.attempts;
    assert.deepEqual(attempts.map((a) => a.target), ['primary', 'backup']);
    assert.equal(attempts[0].delaySource, 'failover');
    const metrics = client.metrics();
    assert.deepEqual(metrics.targets.map((t) => t.name), ['primary', 'backup']);
    await client.close();
  });

  it('rejects with all_targets_unavailable and every target\'s state when none comes back in time', async () => {
    const cooling = 'retry_after_ms_then_ok:ms=60000';
    const client = new llmwire.Client({
      targets: [target('a', cooling), target('b', cooling)],
      timeouts: { deadline_ms: 1000 },
      validation: 'off',
    });
    const error = await rejectionOf(client.chat(ask()));
    assert.ok(error instanceof llmwire.LlmwireError);
    assert.equal(error.stopReason, 'all_targets_unavailable');
    assert.deepEqual(error.details.targets.map((t) => [t.name, t.state]), [['a', 'cooling'], ['b', 'cooling']]);
    await client.close();
  });
});
