// The fault suite, JS half (issue 9): every row of testdata/faults.json run against the JS
// ChatApi (the wasm module from web/) over each of its Node transports — node:http(s), the
// Node entry's default (exchange.js, httpFetch), and Node's fetch, which options.fetch
// selects — and the fault server
// build/bin/faultsrv, with the same expectations the native client meets in
// tests/faults/faults_test.go. Pauses are the table's short retry.delaysMs and a 1 ms
// minimum rate-limit pause (retry.minRateLimitWaitMs: a 429 whose Retry-After is past or
// absent waits that, not 1 s); the maximum stays the default 60 s, so a huge Retry-After
// still outlasts the call's deadline. The attempt count stays LivePerson's 1 + 3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { repoRoot } from './sim.mjs';
import { createChatApi } from '../../web/src/node.js';

const table = JSON.parse(readFileSync(new URL('../../testdata/faults.json', import.meta.url), 'utf8'));

/** Starts build/bin/faultsrv on a free port of 127.0.0.1; resolves with {url, stats, stop}. */
async function startFaultServer() {
  const child = spawn(`${repoRoot}build/bin/faultsrv`, [], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`faultsrv exited with ${code} before listening (run make build-go)`)));
    lines.once('line', (line) => {
      const m = /^faultsrv: listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (m) resolve(m[1]); else reject(new Error(`unexpected first line from faultsrv: ${line}`));
    });
  });
  child.stdout.resume();
  return {
    url,
    async stats(account) {
      const res = await fetch(`${url}/_faults/stats?account=${account}`);
      assert.equal(res.status, 200);
      return res.json();
    },
    async faults() {
      return (await fetch(`${url}/_faults/list`)).json();
    },
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill();
    }),
  };
}

// The shortest 429 pause: the rows test what is retried and how often, not the clock.
const RATE_LIMIT_MIN_MS = 1;

// Each transport gets its own fault server: faults are picked by account and count each
// account's attempts (firstOK and the like), so the two runs must not share them.
const TRANSPORTS = [
  ['node:http', {}],
  ['fetch', { fetch: globalThis.fetch }],
];
const servers = new Map();
before(async () => {
  for (const [transport] of TRANSPORTS) servers.set(transport, await startFaultServer());
});
after(async () => {
  for (const s of servers.values()) await s.stop();
});

test('the table has one row per fault the server implements', async () => {
  const rows = table.rows.map((r) => r.fault).sort();
  assert.deepEqual(rows, await servers.get('node:http').faults());
});

for (const [transport, transportOption] of TRANSPORTS) for (const row of table.rows) {
  test(`${transport}: ${row.fault}: ${row.why}`, async () => {
    const srv = servers.get(transport);
    const want = row.knownDifference?.js ?? row.expect;
    const { defaults } = table;
    assert.equal(defaults.retryDelaysMs.length, 3, "the production policy's attempt count: 1 + 3");
    const api = await createChatApi({
      ...transportOption,
      accountId: row.fault,
      ...(row.via === 'csds' ? { csdsDomain: srv.url } : { domain: srv.url }),
      storage: 'memory',
      retry: { delaysMs: defaults.retryDelaysMs, minRateLimitWaitMs: RATE_LIMIT_MIN_MS },
      attemptTimeoutMs: row.attemptTimeoutMs || defaults.attemptTimeoutMs,
    });
    try {
      let primed = null;
      if (row.prime) {
        await api.getEngagement({});
        primed = await api.session();
        assert.ok(primed?.vid, 'the priming call stored a session');
      }
      const before = await srv.stats(row.fault);
      const callTimeoutMs = row.callTimeoutMs || defaults.callTimeoutMs;
      let response = null;
      let error = null;
      try {
        response = await api.getEngagement({}, callTimeoutMs ? { timeoutMs: callTimeoutMs } : undefined);
      } catch (err) {
        error = err;
      }
      const afterStats = await srv.stats(row.fault);

      if (want.code === null) {
        assert.equal(error, null, `expected success, got ${error?.message}`);
        assert.equal(response.status, 'NotAvailable');
      } else {
        assert.ok(error instanceof Error, 'the call rejects with an Error');
        assert.equal(error.code, want.code, `code (${error.message})`);
        assert.equal(error.status ?? 0, want.status, `status (${error.message})`);
      }
      assert.equal(afterStats.attempts - before.attempts, want.attempts, 'attempts the server saw');
      assert.equal(afterStats.fresh - before.fresh, want.fresh, 'attempts without a visitor id');
      assert.equal(afterStats.redirectTargetHits - before.redirectTargetHits, want.redirectTargetHits, 'requests at the redirect target');

      const s = await api.session();
      switch (want.session) {
        case 'none':
          assert.equal(s, null, 'session dropped or never stored');
          break;
        case 'stored':
          assert.ok(s?.vid && s?.sid, 'a session is stored');
          break;
        case 'kept':
          assert.deepEqual(s, primed, 'the primed session is kept');
          break;
        case 'replaced':
          assert.ok(s?.vid, 'a session is stored');
          assert.notEqual(s.vid, primed.vid, 'a new visitor replaced the rejected one');
          break;
        default:
          assert.fail(`unknown session expectation ${want.session}`);
      }

    } finally {
      api.close();
    }
  });
}
