// Retries, rate limiting, cancellation and timeouts against the simulator's scenarios, with
// short retry.delaysMs. After every failure the next call must work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, account } from './sim.mjs';
import { createChatApi } from '../../web/src/node.js';

let sim;
before(async () => { sim = await startSim(); });
after(async () => { await sim.stop(); });

async function withApi(options, fn) {
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url, retry: { delaysMs: [20, 20, 20] }, ...options });
  try {
    await fn(api, acct);
  } finally {
    api.close();
  }
}

test('"Loading account" 500s are retried with the vid from the message', () => withApi({}, async (api, acct) => {
  await sim.scenario(acct, { loadingCalls: 2 });
  const r = await api.getEngagement({});
  assert.equal(r.status, 'Available');
  const stats = await sim.stats(acct);
  assert.equal(stats.createCalls, 3);
  assert.equal(stats.visitors, 1);
  const log = await sim.requests(acct);
  const entries = log.requests ?? log;
  assert.deepEqual(entries.map((e) => e.status), [500, 500, 200]);
  assert.equal(entries[1].vid, r.visitorId, 'the retry names the visitor of the loading message');
}));

test('503s are retried, and after the last retry the error carries status and code', () => withApi({}, async (api, acct) => {
  await sim.scenario(acct, { failCalls: 2, failStatus: 503 });
  assert.equal((await api.getEngagement({})).status, 'Available');
  assert.equal((await sim.stats(acct)).createCalls, 3);

  await sim.scenario(acct, { failCalls: 4, failStatus: 502 });
  await assert.rejects(api.getEngagement({}), (err) => {
    assert.ok(err instanceof Error);
    assert.equal(err.code, 'server');
    assert.equal(err.status, 502);
    return true;
  });
  assert.equal((await sim.stats(acct)).createCalls, 3 + 4, 'one call and three retries');
  assert.equal((await api.getEngagement({})).status, 'Available');
}));

test('retry.delaysMs [] means no retries', () => withApi({ retry: { delaysMs: [] } }, async (api, acct) => {
  await sim.scenario(acct, { failCalls: 1 });
  await assert.rejects(api.getEngagement({}), (err) => err.code === 'server' && err.status === 503);
  assert.equal((await sim.stats(acct)).createCalls, 1);
}));

test('429 waits for Retry-After, then succeeds; if it persists the error is rate_limited', () => withApi({ retry: { delaysMs: [20] } }, async (api, acct) => {
  await sim.scenario(acct, { rateLimitCalls: 1, retryAfterSeconds: 1 });
  const t0 = performance.now();
  assert.equal((await api.getEngagement({})).status, 'Available');
  assert.ok(performance.now() - t0 >= 900, 'waited for Retry-After');

  await sim.scenario(acct, { rateLimitCalls: 5, retryAfterSeconds: 1 });
  await assert.rejects(api.getEngagement({}), (err) => err.code === 'rate_limited' && err.status === 429);
  await sim.clear(acct);
  assert.equal((await api.getEngagement({})).status, 'Available');
}));

test('an AbortSignal cancels the call under way; an aborted one never starts', () => withApi({}, async (api, acct) => {
  await api.getEngagement({}); // session exists, so the next call goes straight to Create Session
  await sim.scenario(acct, { delayMs: 5000 });
  const ac = new AbortController();
  const t0 = performance.now();
  setTimeout(() => ac.abort(), 50);
  let seen;
  await assert.rejects(api.getEngagement({}, { signal: ac.signal, onError: (e) => { seen = e; } }), (err) => err.code === 'aborted');
  assert.equal(seen?.code, 'aborted', 'onError from the call options got the error');
  assert.ok(performance.now() - t0 < 2000);

  const before = (await sim.stats(acct)).createCalls;
  await assert.rejects(api.getEngagement({}, { signal: AbortSignal.abort() }), (err) => err.code === 'aborted');
  assert.equal((await sim.stats(acct)).createCalls, before);
  await sim.clear(acct);
  assert.equal((await api.getEngagement({})).status, 'Available');
}));

test('timeoutMs bounds the whole call; attemptTimeoutMs bounds each attempt', async () => {
  await withApi({}, async (api, acct) => {
    await sim.scenario(acct, { delayMs: 5000 });
    const t0 = performance.now();
    await assert.rejects(api.getEngagement({}, { timeoutMs: 150 }), (err) => err.code === 'timeout');
    assert.ok(performance.now() - t0 < 2000);
    await sim.clear(acct);
    assert.equal((await api.getEngagement({})).status, 'Available');
  });
  await withApi({ attemptTimeoutMs: 100, retry: { delaysMs: [10, 10] } }, async (api, acct) => {
    await sim.scenario(acct, { delayMs: 2000 });
    await assert.rejects(api.getEngagement({}), (err) => err.code === 'timeout');
    // The simulator records an abandoned request when its handler ends: wait for all three.
    let calls = 0;
    for (let i = 0; i < 50 && calls < 3; i++) {
      calls = (await sim.stats(acct)).createCalls;
      if (calls < 3) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(calls, 3, 'each timed-out attempt was retried');
  });
});

test('a network failure (nothing listening) is code network after the retries', async () => {
  const api = await createChatApi({ accountId: account(), domain: 'http://127.0.0.1:9', retry: { delaysMs: [10] } });
  try {
    await assert.rejects(api.getEngagement({}), (err) => err.code === 'network' && err.status === undefined);
  } finally {
    api.close();
  }
});

test('CSDS: the msdkgw host is looked up through csdsDomain; a failed lookup is domain_lookup', async () => {
  const acct = account();
  const api = await createChatApi({ accountId: acct, csdsDomain: sim.url, retry: { delaysMs: [10] } });
  try {
    assert.equal((await api.getEngagement({})).status, 'Available');
    assert.ok((await sim.stats(acct)).csdsCalls >= 1);
  } finally {
    api.close();
  }
  const empty = account();
  await sim.scenario(empty, { csds: 'empty' });
  const api2 = await createChatApi({ accountId: empty, csdsDomain: sim.url, retry: { delaysMs: [10] } });
  try {
    await assert.rejects(api2.getEngagement({}), (err) => err.code === 'domain_lookup');
  } finally {
    api2.close();
  }
});

test('close() cancels the calls under way: they reject with aborted', async () => {
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url });
  await api.getEngagement({});
  await sim.scenario(acct, { delayMs: 5000 });
  const t0 = performance.now();
  const pending = [api.getEngagement({}), api.updateSession({ engagementAttributes: [{ type: 'searchInfo', keywords: ['x'] }] })];
  setTimeout(() => api.close(), 50);
  for (const p of pending) await assert.rejects(p, (err) => err.code === 'aborted');
  assert.ok(performance.now() - t0 < 2000);
  await sim.clear(acct);
});
