// Session reuse: across calls, across a restart with file storage, one visitor for many
// concurrent first calls, resetSession, custom storage, updateSession and 401 recovery.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim, account, repoRoot } from './sim.mjs';
import { createChatApi } from '../../web/src/node.js';

let sim;
let dir;
before(async () => {
  sim = await startSim();
  dir = await mkdtemp(join(tmpdir(), 'appengage-test-'));
});
after(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

test('calls reuse one visitor and session; resetSession starts a new visitor', async () => {
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url });
  try {
    assert.equal(await api.session(), null);
    const a = await api.getEngagement({});
    const b = await api.getEngagement({ consumerSections: ['billing'] });
    const c = await api.getEngagement({});
    assert.equal(b.visitorId, a.visitorId);
    assert.equal(c.sessionId, a.sessionId);
    assert.notEqual(c.pageId, a.pageId);
    assert.deepEqual(await api.session(), { vid: c.visitorId, sid: c.sessionId, pageId: c.pageId });
    let stats = await sim.stats(acct);
    assert.equal(stats.visitors, 1);
    assert.equal(stats.createCalls, 3);

    await api.resetSession();
    assert.equal(await api.session(), null);
    const d = await api.getEngagement({});
    assert.notEqual(d.visitorId, a.visitorId);
    stats = await sim.stats(acct);
    assert.equal(stats.visitors, 2);
  } finally {
    api.close();
  }
});

test('200 concurrent first calls create one visitor', async () => {
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url });
  try {
    const all = await Promise.all(Array.from({ length: 200 }, () => api.getEngagement({ appType: 'EXTERNAL' })));
    assert.equal(new Set(all.map((r) => r.visitorId)).size, 1);
    assert.equal(new Set(all.map((r) => r.sessionId)).size, 1);
    const stats = await sim.stats(acct);
    assert.equal(stats.visitors, 1);
    assert.equal(stats.sessions, 1);
    assert.equal(stats.createCalls, 200);
  } finally {
    api.close();
  }
});

// Runs one getEngagement in a fresh Node process with the given file storage.
async function runProcess(acct, file) {
  const script = `
    import { createChatApi } from ${JSON.stringify(new URL('../../web/src/node.js', import.meta.url).href)};
    const api = await createChatApi({ accountId: ${JSON.stringify(acct)}, domain: ${JSON.stringify(sim.url)}, storage: { file: ${JSON.stringify(file)} } });
    const r = await api.getEngagement({});
    console.log(JSON.stringify({ vid: r.visitorId, sid: r.sessionId }));
    api.close();`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, timeout: 30000 });
  return JSON.parse(stdout);
}

test('file storage keeps the session across a restart of the process', async () => {
  const acct = account();
  const file = join(dir, 'nested', 'session.json');
  const first = await runProcess(acct, file);
  const second = await runProcess(acct, file);
  assert.deepEqual(second, first);
  const stored = JSON.parse(await readFile(file, 'utf8'));
  assert.deepEqual(Object.keys(stored), [`appengage.session.${acct}`]);
  assert.equal(JSON.parse(stored[`appengage.session.${acct}`]).vid, first.vid);
  const stats = await sim.stats(acct);
  assert.equal(stats.visitors, 1);
  assert.equal(stats.createCalls, 2);
});

test('a damaged session file is replaced, not fatal', async () => {
  const acct = account();
  const file = join(dir, 'damaged.json');
  await (await import('node:fs/promises')).writeFile(file, '{"appengage.session.x": 12, oops');
  const r = await runProcess(acct, file);
  assert.ok(r.vid);
});

test('a caller-supplied {get,set,remove} storage, with async methods, is used', async () => {
  const acct = account();
  const map = new Map();
  const storage = {
    get: async (k) => map.get(k) ?? null,
    set: async (k, v) => { map.set(k, v); },
    remove: async (k) => { map.delete(k); },
  };
  const api = await createChatApi({ accountId: acct, domain: sim.url, storage });
  try {
    const r = await api.getEngagement({});
    assert.deepEqual(JSON.parse(map.get(`appengage.session.${acct}`)), { vid: r.visitorId, sid: r.sessionId, pageId: r.pageId });
  } finally {
    api.close();
  }
  // A second ChatApi over the same storage continues the same visitor.
  const again = await createChatApi({ accountId: acct, domain: sim.url, storage });
  try {
    const r2 = await again.getEngagement({});
    assert.equal(r2.visitorId, JSON.parse(map.get(`appengage.session.${acct}`)).vid);
    assert.equal((await sim.stats(acct)).visitors, 1);
  } finally {
    again.close();
  }
  await assert.rejects(createChatApi({ accountId: acct, domain: sim.url, storage: { get() {} } }), (err) => {
    assert.equal(err.code, 'validation');
    assert.equal(err.field, 'storage.set');
    return true;
  });
});

test('updateSession sends SDEs and impressions on the last pageId', async () => {
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url });
  try {
    await assert.rejects(api.updateSession({ engagementAttributes: [] }), (err) => {
      assert.equal(err.code, 'validation');
      assert.equal(err.field, 'vid');
      return true;
    });
    const r = await api.getEngagement({});
    const display = api.impression('impDisplay', r.engagementDetails);
    assert.deepEqual(display, {
      type: 'impDisplay', campaign: 3346848610, engId: 3562981110, revision: 44,
      eContext: [{ type: 'engagementContext', id: '1' }],
    });
    assert.deepEqual(api.impression('impAccept', r), { ...display, type: 'impAccept' });
    await api.updateSession({
      impAttributes: [display],
      engagementAttributes: [{ type: 'lead', lead: { topic: 'upgrade', value: 49.5, leadId: 'L-17' } }],
    });
    await api.updateSession({ pageId: r.pageId, impAttributes: [api.impression('impClose', r.engagementDetails)] });
    const stats = await sim.stats(acct);
    assert.equal(stats.updateCalls, 2);
    assert.equal(stats.impressions.impDisplay, 1);
    assert.equal(stats.impressions.impClose, 1);
    assert.deepEqual(stats.sdeTypes, { lead: 1 });
    const log = await sim.requests(acct);
    const puts = (log.requests ?? log).filter((e) => e.method === 'PUT');
    assert.equal(puts.length, 2);
    assert.equal(puts[0].vid, r.visitorId);
    assert.equal(puts[0].sid, r.sessionId);

    assert.throws(() => api.impression('impBogus', r.engagementDetails), (err) => err.code === 'validation' && err.field === 'type');
    assert.throws(() => api.impression('impDisplay', { campaignId: 'x' }), (err) => err.code === 'validation' && /^engagementDetails\./.test(err.field));
    await assert.rejects(api.updateSession({ impAttributes: [{ type: 'personal' }] }), (err) => err.code === 'validation' && err.field === 'impAttributes[0].type');
  } finally {
    api.close();
  }
});

test('a session the server has forgotten: updateSession is refused with 401, the next getEngagement recovers', async () => {
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url });
  try {
    const before = await api.getEngagement({});
    await sim.reset(); // the simulator forgets every visitor and session
    await assert.rejects(api.updateSession({ engagementAttributes: [{ type: 'searchInfo', keywords: ['x'] }] }), (err) => {
      assert.equal(err.code, 'unauthorized');
      assert.equal(err.status, 401);
      assert.equal(typeof err.internalCode, 'number');
      assert.ok(err instanceof Error);
      return true;
    });
    const after = await api.getEngagement({});
    assert.equal(after.status, 'Available');
    const s = await api.session();
    assert.equal(s.sid, after.sessionId);
    await api.updateSession({ engagementAttributes: [{ type: 'searchInfo', keywords: ['x'] }] });
    assert.equal((await sim.stats(acct)).updateCalls >= 1, true);
    assert.ok(before.visitorId);
  } finally {
    api.close();
  }
});
