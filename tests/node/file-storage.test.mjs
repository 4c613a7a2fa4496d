// {file} session storage under attack and under load: two ChatApis of one process on one file
// (one visitor, every call answered, every account kept), two processes on one file, links
// planted at the paths it uses, a lock left by a dead or hung process, a FIFO at the path,
// and a store that fails or hangs (the call ends with the right code).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { startSim, account, repoRoot } from './sim.mjs';
import { createChatApi, fileStorage } from '../../web/src/node.js';

let sim;
let dir;
let n = 0;
before(async () => {
  sim = await startSim();
  dir = await mkdtemp(join(tmpdir(), 'appengage-fs-'));
});
after(async () => {
  await sim.stop();
  // A store still waiting for a hung lock (the last tests) may write one more file while
  // the directory is removed: retry on ENOTEMPTY instead of failing the suite.
  await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
});

// A fresh directory for each test, so no test sees another's files.
async function freshDir() {
  n += 1;
  const d = join(dir, `case${n}`);
  await mkdir(d);
  return d;
}

const key = (acct) => `appengage.session.${acct}`;
const stored = async (file) => JSON.parse(await readFile(file, 'utf8'));
const session = (r) => ({ vid: r.visitorId, sid: r.sessionId, pageId: r.pageId });

test('two ChatApis of one process on one file and account: 200 concurrent calls, all answered, one visitor', async () => {
  const acct = account();
  const file = join(await freshDir(), 'session.json');
  const a = await createChatApi({ accountId: acct, domain: sim.url, storage: { file } });
  const b = await createChatApi({ accountId: acct, domain: sim.url, storage: { file } });
  try {
    const calls = Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).getEngagement({ appType: 'EXTERNAL' }));
    const results = await Promise.allSettled(calls);
    const failed = results.filter((r) => r.status === 'rejected');
    assert.equal(failed.length, 0, `rejected: ${failed.slice(0, 3).map((r) => r.reason.message).join('; ')}`);
    const vids = new Set(results.map((r) => r.value.visitorId));
    assert.equal(vids.size, 1);
    const stats = await sim.stats(acct);
    assert.equal(stats.visitors, 1);
    assert.equal(stats.createCalls, 200);
    assert.equal(JSON.parse((await stored(file))[key(acct)]).vid, [...vids][0]);
    // Nothing is left behind: no temporary file, no lock.
    assert.deepEqual(await readdir(join(file, '..')), ['session.json']);
  } finally {
    a.close();
    b.close();
  }
});

test('two ChatApis of one process with two accounts on one file: both records kept', async () => {
  const file = join(await freshDir(), 'session.json');
  const accts = [account(), account()];
  const apis = await Promise.all(accts.map((acct) => createChatApi({ accountId: acct, domain: sim.url, storage: { file } })));
  try {
    const last = await Promise.all(apis.map(async (api) => {
      let r;
      const all = await Promise.all(Array.from({ length: 30 }, () => api.getEngagement({})));
      r = all.at(-1);
      // One more call after the burst, so the stored pageId is known exactly.
      r = await api.getEngagement({});
      return r;
    }));
    const data = await stored(file);
    assert.deepEqual(Object.keys(data).sort(), accts.map(key).sort());
    accts.forEach((acct, i) => assert.deepEqual(JSON.parse(data[key(acct)]), session(last[i])));
  } finally {
    for (const api of apis) api.close();
  }
});

test('two fileStorage objects over one file, many concurrent sets of distinct keys: every key kept', async () => {
  const file = join(await freshDir(), 's.json');
  const s1 = fileStorage(file);
  const s2 = fileStorage(join(file, '..', '.', 's.json')); // another spelling of the same file
  await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? s1 : s2).set(`k${i}`, `v${i}`)));
  const data = await stored(file);
  assert.equal(Object.keys(data).length, 100);
  for (let i = 0; i < 100; i++) assert.equal(await s1.get(`k${i}`), `v${i}`);
  await s2.remove('k7');
  assert.equal(await s1.get('k7'), null);
});

// Runs script (an ES module body) in a fresh Node process.
const runNode = (script) => promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, timeout: 60000 });
const nodeEntry = JSON.stringify(new URL('../../web/src/node.js', import.meta.url).href);

test('two processes writing one file at once: every record of both kept', async () => {
  const file = join(await freshDir(), 's.json');
  // Both start writing at the same moment, one key after another, so their writes interleave.
  const start = Date.now() + 2000;
  const writer = (tag) => `
    import { fileStorage } from ${nodeEntry};
    const s = fileStorage(${JSON.stringify(file)});
    await new Promise((r) => setTimeout(r, ${start} - Date.now()));
    for (let i = 0; i < 100; i++) await s.set('${tag}' + i, String(i));`;
  await Promise.all([runNode(writer('p')), runNode(writer('q'))]);
  const data = await stored(file);
  assert.equal(Object.keys(data).length, 200);
});

test('two processes with two accounts: each keeps its visitor, both records kept', async () => {
  const file = join(await freshDir(), 's.json');
  const accts = [account(), account()];
  const run = (acct) => runNode(`
    import { createChatApi } from ${nodeEntry};
    const api = await createChatApi({ accountId: ${JSON.stringify(acct)}, domain: ${JSON.stringify(sim.url)}, storage: { file: ${JSON.stringify(file)} } });
    let r;
    for (let i = 0; i < 15; i++) r = await api.getEngagement({});
    console.log(JSON.stringify({ vid: r.visitorId, sid: r.sessionId, pageId: r.pageId }));
    api.close();`).then(({ stdout }) => JSON.parse(stdout));
  const last = await Promise.all(accts.map(run));
  const data = await stored(file);
  accts.forEach((acct, i) => assert.deepEqual(JSON.parse(data[key(acct)]), last[i]));
  for (const acct of accts) assert.equal((await sim.stats(acct)).visitors, 1);
});

test('a link planted at the temporary file name it used to predict is not followed', async () => {
  const d = await freshDir();
  const file = join(d, 'session.json');
  const victim = join(d, 'victim.txt');
  await writeFile(victim, 'precious');
  await symlink(victim, `${file}.${process.pid}.tmp`);
  const api = await createChatApi({ accountId: account(), domain: sim.url, storage: { file } });
  try {
    await api.getEngagement({});
  } finally {
    api.close();
  }
  assert.equal(await readFile(victim, 'utf8'), 'precious');
  assert.ok((await lstat(file)).isFile(), 'the session file is a regular file, not the planted link');
  assert.ok((await lstat(`${file}.${process.pid}.tmp`)).isSymbolicLink(), 'the planted link is left alone');
});

test('a link at the session file itself is refused, not read or written through', async () => {
  const d = await freshDir();
  const file = join(d, 'session.json');
  const victim = join(d, 'victim.json');
  await writeFile(victim, '{"appengage.session.x":"{}"}');
  await symlink(victim, file);
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url, storage: { file } });
  try {
    await assert.rejects(api.getEngagement({}), (err) => {
      assert.equal(err.code, 'internal');
      assert.match(err.message, /symbolic link/);
      return true;
    });
    assert.equal(await readFile(victim, 'utf8'), '{"appengage.session.x":"{}"}');
    assert.equal((await sim.stats(acct)).createCalls, 0);
    // Once the link is gone the next call works.
    await rm(file);
    assert.equal((await api.getEngagement({})).status, 'Available');
  } finally {
    api.close();
  }
});

test('a link planted at the lock file is removed, its target untouched', async () => {
  const d = await freshDir();
  const file = join(d, 'session.json');
  const victim = join(d, 'victim.txt');
  await writeFile(victim, 'precious');
  await symlink(victim, `${file}.lock`);
  const api = await createChatApi({ accountId: account(), domain: sim.url, storage: { file } });
  try {
    await api.getEngagement({});
  } finally {
    api.close();
  }
  assert.equal(await readFile(victim, 'utf8'), 'precious');
  assert.deepEqual((await readdir(d)).sort(), ['session.json', 'victim.txt']);
});

test('a lock left by a process that is gone, or too old, is broken at once', async () => {
  const d = await freshDir();
  const file = join(d, 's.json');
  const child = spawn(process.execPath, ['-e', '']);
  const deadPid = child.pid;
  await new Promise((r) => child.once('exit', r));
  await writeFile(`${file}.lock`, JSON.stringify({ pid: deadPid, host: hostname(), time: Date.now() }));
  const s = fileStorage(file);
  await s.set('a', '1');
  assert.equal(await s.get('a'), '1');
  // A lock of a live process (this one) older than the stale limit.
  await writeFile(`${file}.lock`, JSON.stringify({ pid: 1, host: 'elsewhere', time: 0 }));
  const old = new Date(Date.now() - 60_000);
  await utimes(`${file}.lock`, old, old);
  await s.set('b', '2');
  assert.deepEqual(await stored(file), { a: '1', b: '2' });
});

test('a FIFO at the session path does not hang the store', async (t) => {
  const d = await freshDir();
  const file = join(d, 'fifo.json');
  try {
    await promisify(execFile)('mkfifo', [file]);
  } catch {
    t.skip('mkfifo is not available');
    return;
  }
  const s = fileStorage(file);
  await assert.rejects(s.get('a'), /not a regular file/);
});

test('a store that fails (a directory that cannot be made) ends the call at once with internal naming the storage', async () => {
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url, storage: { file: '/proc/self/nope/s.json' } });
  try {
    await assert.rejects(api.getEngagement({}, { timeoutMs: 20000 }), (err) => {
      assert.equal(err.code, 'internal', err.message);
      assert.match(err.message, /session store/);
      assert.match(err.message, /ENOENT/); // it failed, rather than hang until timeoutMs
      return true;
    });
  } finally {
    api.close();
  }
});

test('a store held by a hung process ends the call with timeout or aborted, not internal', async () => {
  const d = await freshDir();
  const file = join(d, 's.json');
  // A fresh lock held by a live process of this host (this one), as a hung writer leaves it.
  await writeFile(`${file}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), time: Date.now() }));
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url, storage: { file } });
  try {
    // Reads do not need the lock: the first call creates the session and stores it, which
    // waits for the lock.
    await assert.rejects(api.getEngagement({}, { timeoutMs: 300 }), (err) => {
      assert.equal(err.code, 'timeout', err.message);
      return true;
    });
    const ac = new AbortController();
    const p = api.getEngagement({}, { signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    await assert.rejects(p, (err) => {
      assert.equal(err.code, 'aborted', err.message);
      return true;
    });
  } finally {
    api.close();
    await rm(`${file}.lock`, { force: true });
  }
});
