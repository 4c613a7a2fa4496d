// No leaked js.Func or JS value: after calls of every kind (successes, failures, aborts,
// watches, whole ChatApis created and closed), the JS values Go holds, counted after a Go
// garbage collection, are back where they started.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, account, seedRequest } from './sim.mjs';
import { createChatApi, moduleStats } from '../../web/src/node.js';

let sim;
before(async () => { sim = await startSim(); });
after(async () => { await sim.stop(); });

test('calls, failures, aborts, watches and closed ChatApis leave no JS values behind', async () => {
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url, retry: { delaysMs: [] } });
  await api.getEngagement({});
  const start = await moduleStats();

  for (let i = 0; i < 200; i++) await api.getEngagement(seedRequest());
  for (let i = 0; i < 50; i++) await api.getEngagement({ appType: 'WEB' }).catch(() => {});
  const cyclic = {}; cyclic.self = cyclic;
  for (let i = 0; i < 50; i++) await api.getEngagement(cyclic).catch(() => {});
  await sim.scenario(acct, { delayMs: 2000 });
  for (let i = 0; i < 20; i++) {
    const ac = new AbortController();
    const p = api.getEngagement({}, { signal: ac.signal }).catch((e) => e.code);
    setTimeout(() => ac.abort(), 5);
    assert.equal(await p, 'aborted');
  }
  await sim.clear(acct);
  for (let i = 0; i < 20; i++) {
    const stop = api.watchEngagement({}, () => {}, { intervalMs: 1000 });
    await new Promise((r) => setTimeout(r, 10));
    stop();
  }
  for (let i = 0; i < 20; i++) {
    const other = await createChatApi({ accountId: account(), domain: sim.url });
    await other.getEngagement({});
    other.close();
  }
  await api.updateSession({ engagementAttributes: [{ type: 'searchInfo', keywords: ['x'] }] });
  api.impression('impDisplay', (await api.getEngagement({})).engagementDetails);

  const end = await moduleStats();
  assert.ok(end.jsValues <= start.jsValues + 2, `JS values held by Go: ${start.jsValues} before, ${end.jsValues} after`);
  api.close();
});
