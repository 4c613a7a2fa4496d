// watchEngagement: the first result, then only changes; stop() ends the questions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, account } from './sim.mjs';
import { createChatApi } from '../../web/src/node.js';

let sim;
before(async () => { sim = await startSim(); });
after(async () => { await sim.stop(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('reports the first result, then each change of availability, until stopped', async () => {
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url, retry: { delaysMs: [10] } });
  const seen = [];
  try {
    const stop = api.watchEngagement({ consumerSections: ['watch'] }, (response, error) => {
      seen.push(error ? `error:${error.code}` : response.status);
    }, { intervalMs: 100 });
    await sleep(400);
    assert.deepEqual(seen, ['Available'], 'unchanged answers are not reported again');
    await sim.scenario(acct, { availability: 'NotAvailable' });
    await sleep(400);
    await sim.scenario(acct, { failCalls: 100 });
    await sleep(400);
    await sim.clear(acct);
    await sleep(400);
    assert.deepEqual(seen, ['Available', 'NotAvailable', 'error:server', 'Available']);
    stop();
    stop(); // idempotent
    await sleep(150); // a question already under way when stop was called may still land
    const calls = (await sim.stats(acct)).createCalls;
    await sleep(400);
    assert.equal((await sim.stats(acct)).createCalls, calls, 'no questions after stop');
    assert.equal((await sim.stats(acct)).visitors, 1);
  } finally {
    api.close();
  }
});

test('accepts (request, options, onChange) too; close() stops every watch; a bad request is refused at once', async () => {
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url, retry: { delaysMs: [] } });
  const seen = [];
  api.watchEngagement({}, { intervalMs: 100 }, (r, e) => seen.push(r?.status ?? e.code));
  await sleep(250);
  assert.deepEqual(seen, ['Available']);
  assert.throws(() => api.watchEngagement({ appType: 'WEB' }, () => {}), (err) => err.code === 'validation' && err.field === 'appType');
  api.close();
  await sleep(150);
  const calls = (await sim.stats(acct)).createCalls;
  await sleep(300);
  assert.equal((await sim.stats(acct)).createCalls, calls);
  assert.throws(() => api.watchEngagement({}, () => {}), (err) => err.code === 'aborted');
});
