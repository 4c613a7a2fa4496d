// A getEngagement with a stored session, an immediate store and a known host runs "on the
// JS thread" as a flight (jsbridge/api.go fly, core Flight): the direct call starts the
// first attempt, the port (web/src/exchange.js) keeps its deadline, and the answer settles
// the call inside appengage_answer, without a goroutine and without resuming Go's
// scheduler. Every other outcome goes on on a goroutine (Flight.Continue) under the same
// rules as the blocking path. These tests hold the flight path to that, against a real HTTP
// server on 127.0.0.1: no resume, the same number of requests per call as the goroutine
// path, the port's attempt timeout, cancellation, close(), malformed answers and a call
// made from inside the fetch a flight calls. The last tests check the port's timeoutMs
// alone.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createWith } from '../../web/src/chatapi.js';
import { instantiate } from '../../web/src/loader.js';
import { startGo } from '../../web/src/wasm-exec.js';
import { exchangeOver } from '../../web/src/exchange.js';
import { seedRequest, web } from './sim.mjs';

// ---- Counting Go's resumes -------------------------------------------------------------
//
// Every run of Go's scheduler after main (a js.Func call, a Go timer, enter for a direct
// call that woke a goroutine) goes through the Go instance's _resume. wasm_exec.js is
// loaded here before the loader loads it (the same module: the loader imports it once and
// keeps globalThis.Go), and its Go class replaced by a subclass that counts the resumes of
// each instance. startGo checks the internals it needs on the instance, so a subclass that
// breaks them fails the load.
await import('../../web/wasm_exec.js');
const BaseGo = globalThis.Go;
let lastGo = null;
globalThis.Go = class CountingGo extends BaseGo {
  constructor(...args) {
    super(...args);
    this.resumes = 0;
    lastGo = this;
  }

  _resume() {
    this.resumes++;
    return super._resume();
  }
};

const wasmBytes = await readFile(new URL('chatapi.wasm', web));

/**
 * A ChatApi on a module of its own, instrumented:
 *   go.resumes       how many times Go's scheduler was resumed
 *   enters           every direct function's numeric answer (0 not taken, 1 taken, 2 taken
 *                    with a goroutine woken: the scheduler is resumed), in order
 *   direct           per direct call made: {fn, taken, result} (result: that call's answer,
 *                    undefined when enter did not call it because Go was running)
 *   sends            every round trip Go handed the port: {id, url, timeoutMs}. A flight's
 *                    first attempt carries the attempt timeout for the port to keep
 *                    (timeoutMs > 0); an attempt made on a goroutine carries 0 (Go keeps it).
 */
async function instrumented(options = {}) {
  lastGo = null;
  const started = await startGo();
  const go = lastGo;
  assert.ok(go instanceof globalThis.Go, 'the loader made its Go from the counting class');
  const enters = [];
  const starting = Promise.resolve({
    ...started,
    enter: (fn) => started.enter(() => {
      const r = fn();
      enters.push(r);
      return r;
    }),
  });
  const module = await instantiate(wasmBytes, starting);
  assert.ok(module.direct, 'the package module has its direct calls');
  const direct = [];
  const inner = module.direct;
  const wrap = (fn) => (...args) => {
    const before = enters.length;
    const taken = inner[fn](...args);
    direct.push({ fn, taken, result: enters.length > before ? enters[before] : undefined });
    return taken;
  };
  module.direct = { getEngagement: wrap('getEngagement'), answer: wrap('answer') };
  const sends = [];
  const exports = module.exports;
  module.exports = {
    ...exports,
    newClient: (config, port, storage, settle) => exports.newClient(config, {
      connect: (...args) => port.connect(...args),
      send: (id, method, url, override, body, maxBytes, timeoutMs) => {
        sends.push({ id, url, timeoutMs });
        return port.send(id, method, url, override, body, maxBytes, timeoutMs);
      },
      abort: (...args) => port.abort(...args),
      delivering: () => port.delivering(),
    }, storage, settle),
  };
  const api = await createWith({ accountId: 'flight', domain: base, storage: 'memory', ...options }, async () => module, (s) => s);
  return { api, go, enters, direct, sends, module };
}

// ---- The server --------------------------------------------------------------------------

let server;
let base;
/** Every request: {method, url, body, aborted, closed}; closed resolves when its response
 * closes, aborted is then true when the client went away before the response ended. */
const requests = [];
/** (req, res, entry) => void, or null for the default answer (Available, V1/S1). */
let handler = null;
/** Responses the handler left open; ended after each test. */
const held = new Set();
/** Resolvers waiting for the next request to arrive. */
let arrivals = [];

const details = {
  campaignId: '3346848610', engagementId: '3562981110', contextId: '1', windowId: '3346847910',
  language: 'en-US', engagementRevision: 3, validForSeconds: 60, skillId: 23, skillName: 'Support',
};
const available = (extra = {}) => JSON.stringify({ status: 'Available', visitorId: 'V1', sessionId: 'S1', pageId: 'P1', engagementDetails: details, ...extra });
const json = (res, status, text, headers = {}) => {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(text);
};
const hold = (res) => { held.add(res); };

before(async () => {
  server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let closed;
      const entry = { method: req.method, url: req.url, body: Buffer.concat(chunks).toString('utf8'), aborted: false };
      entry.closed = new Promise((resolve) => { closed = resolve; });
      res.on('close', () => {
        entry.aborted = !res.writableFinished;
        held.delete(res);
        closed();
      });
      requests.push(entry);
      const waiting = arrivals;
      arrivals = [];
      for (const r of waiting) r();
      if (handler) handler(req, res, entry);
      else json(res, 200, available({ n: requests.length }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

afterEach(() => {
  handler = null;
  for (const res of held) res.end();
  held.clear();
});

after(() => new Promise((resolve) => {
  server.closeAllConnections();
  server.close(resolve);
}));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves once the server has received n requests in all. */
async function received(n) {
  while (requests.length < n) {
    await within(new Promise((r) => arrivals.push(r)), 5000, `request ${requests.length + 1} of ${n} never arrived`);
  }
}

/** p, or a rejection after ms: only a bound on waiting, so a broken case fails instead of
 * hanging (no assertion about speed). */
function within(p, ms, message) {
  let timer;
  return Promise.race([
    p,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${message} (waited ${ms} ms)`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

const request = () => { const { vid, sid, ...r } = seedRequest(); return r; };
const caught = (p) => p.then((v) => assert.fail(`expected a rejection, got ${JSON.stringify(v)}`), (e) => e);

// ---- 1. No resume -------------------------------------------------------------------------

test('after the first call, every getEngagement is a flight: answered without resuming Go', async () => {
  const { api, go, enters, direct, sends } = await instrumented();
  try {
    const req = request();
    const first = await api.getEngagement(req);
    assert.equal(first.status, 'Available');
    assert.equal(requests.length, 1);
    // The first call creates the session on a goroutine: the direct call woke it (2).
    assert.deepEqual(direct.map((d) => [d.fn, d.taken, d.result]), [['getEngagement', true, 2], ['answer', true, 2]]);

    for (let i = 0; i < 10; i++) {
      const resumes = go.resumes;
      const entered = enters.length;
      const calls = direct.length;
      const sent = requests.length;
      const r = await api.getEngagement(req);
      assert.equal(r.status, 'Available');
      assert.equal(r.n, sent + 1, 'the answer is the server\'s answer to this call');
      assert.equal(requests.length, sent + 1, 'one request per call');
      assert.ok(requests.at(-1).url.includes('/visitors/V1?') && requests.at(-1).url.includes('sid=S1'), `the stored ids were sent: ${requests.at(-1).url}`);
      assert.deepEqual(direct.slice(calls).map((d) => [d.fn, d.taken, d.result]), [['getEngagement', true, 1], ['answer', true, 1]],
        'both direct calls were taken and woke no goroutine');
      assert.deepEqual(enters.slice(entered), [1, 1]);
      assert.equal(go.resumes - resumes, 0, 'Go\'s scheduler was not resumed for this call');
      assert.equal(pathOf(sends, sends.length - 1), 'flight', 'the port kept the attempt\'s deadline');
    }

    // Concurrent flights too.
    const resumes = go.resumes;
    const results = await Promise.all(Array.from({ length: 5 }, () => api.getEngagement(req)));
    assert.ok(results.every((r) => r.status === 'Available'));
    assert.equal(go.resumes - resumes, 0);

    // The counter does see resumes: a call with its own timeoutMs takes the goroutine path.
    const before = go.resumes;
    assert.equal((await api.getEngagement(req, { timeoutMs: 60_000 })).status, 'Available');
    assert.ok(go.resumes > before, 'a goroutine call resumes Go');
  } finally {
    api.close();
  }
});

// ---- 2. Request counts -----------------------------------------------------------------

const RETRY = { delaysMs: [1, 1, 1], minRateLimitWaitMs: 0 };

// The path a call took, from the first round trip it handed the port (sends[from]): a
// flight's carries the attempt timeout for the port to keep, a goroutine's carries 0.
// (Not from the direct getEngagement's answer, 1 or 2: a goroutine woken by an earlier
// js.Func call, such as session() or a cancel, makes the next flight's answer 2 as well.)
const pathOf = (sends, from) => {
  const s = sends[from];
  return s === undefined ? 'none' : s.timeoutMs > 0 ? 'flight' : 'goroutine';
};

/**
 * Runs one call per mode against scenario (a handler) and returns, per mode, what happened:
 *   first      no stored session (resetSession): the goroutine path
 *   goroutine  a stored session, with a per-call timeoutMs: the goroutine path
 *   flight     a stored session, no per-call options: the flight path
 */
async function perMode(modes, scenario, check) {
  const { api, sends } = await instrumented({ retry: RETRY });
  try {
    const req = request();
    const out = {};
    for (const mode of modes) {
      handler = null;
      if (mode === 'first') await api.resetSession();
      else assert.equal((await api.getEngagement(req)).status, 'Available'); // stores V1/S1
      const sent = requests.length;
      const from = sends.length;
      handler = scenario();
      const settled = await within(api.getEngagement(req, mode === 'goroutine' ? { timeoutMs: 60_000 } : undefined).then(
        (value) => ({ value }), (error) => ({ error })), 10_000, `${mode}: the call never settled`);
      const urls = requests.slice(sent).map((r) => r.url);
      assert.equal(pathOf(sends, from), mode === 'flight' ? 'flight' : 'goroutine', `${mode}: the path taken`);
      check(mode, settled, urls);
      out[mode] = urls.length;
    }
    // Nothing more was sent after the calls settled.
    const total = requests.length;
    await sleep(50);
    assert.equal(requests.length, total);
    return out;
  } finally {
    api.close();
  }
}

const always = (status, headers) => () => (req, res) => json(res, status, '', headers);

test('always 503: 4 requests on every path, then code server with status 503', async () => {
  const counts = await perMode(['first', 'goroutine', 'flight'], always(503), (mode, { error }, urls) => {
    assert.ok(error, `${mode}: rejected`);
    assert.equal(error.code, 'server', mode);
    assert.equal(error.status, 503, mode);
    assert.equal(urls.length, 4, `${mode}: one attempt and three retries`);
  });
  assert.deepEqual(counts, { first: 4, goroutine: 4, flight: 4 });
});

test('always 429 with Retry-After: 0: 4 requests on every path, then code rate_limited', async () => {
  const counts = await perMode(['first', 'goroutine', 'flight'], always(429, { 'Retry-After': '0' }), (mode, { error }, urls) => {
    assert.ok(error, `${mode}: rejected`);
    assert.equal(error.code, 'rate_limited', mode);
    assert.equal(error.status, 429, mode);
    assert.equal(urls.length, 4, mode);
  });
  assert.deepEqual(counts, { first: 4, goroutine: 4, flight: 4 });
});

test('a 200 after two 503s: 3 requests on every path, and the call succeeds', async () => {
  const counts = await perMode(['first', 'goroutine', 'flight'], () => {
    let n = 0;
    return (req, res) => (++n <= 2 ? json(res, 503, '') : json(res, 200, available({ third: true })));
  }, (mode, { value, error }, urls) => {
    assert.equal(error, undefined, `${mode}: ${error?.message}`);
    assert.equal(value.status, 'Available');
    assert.equal(value.third, true);
    assert.equal(urls.length, 3, mode);
    assert.equal(new Set(urls).size, 1, `${mode}: every attempt sent the same URL`);
  });
  assert.deepEqual(counts, { first: 3, goroutine: 3, flight: 3 });
});

test('a 401 for the stored session clears it and repeats once without ids, on both paths', async () => {
  const { api, sends } = await instrumented({ retry: RETRY });
  try {
    const req = request();
    const counts = {};
    for (const mode of ['goroutine', 'flight']) {
      handler = null;
      await api.resetSession();
      assert.equal((await api.getEngagement(req)).visitorId, 'V1'); // stores V1/S1
      const sent = requests.length;
      const from = sends.length;
      // 401 for any visitor; a new session for a call without one.
      handler = (r, res) => (/\/visitors\/\?/.test(r.url)
        ? json(res, 200, available({ visitorId: 'V2', sessionId: 'S2', pageId: 'P2' }))
        : json(res, 401, JSON.stringify({ message: 'invalid session' })));
      const r = await api.getEngagement(req, mode === 'goroutine' ? { timeoutMs: 60_000 } : undefined);
      assert.equal(pathOf(sends, from), mode);
      assert.equal(r.visitorId, 'V2');
      const urls = requests.slice(sent).map((x) => x.url);
      assert.equal(urls.length, 2, `${mode}: ${urls.join(' ')}`);
      assert.match(urls[0], /\/visitors\/V1\?.*sid=S1/);
      assert.match(urls[1], /\/visitors\/\?/, 'the repeat has an empty visitor segment');
      assert.doesNotMatch(urls[1], /sid=/);
      counts[mode] = urls.length;
      assert.deepEqual(await api.session(), { vid: 'V2', sid: 'S2', pageId: 'P2' });
      // The next call is a flight with the new ids.
      handler = null;
      const next = requests.length;
      const nextFrom = sends.length;
      assert.equal((await api.getEngagement(req)).status, 'Available');
      assert.equal(pathOf(sends, nextFrom), 'flight');
      assert.match(requests[next].url, /\/visitors\/V2\?.*sid=S2/);
    }
    assert.deepEqual(counts, { goroutine: 2, flight: 2 });
  } finally {
    api.close();
  }
});

test('a 401 for the stored session, then 503s for the new one: the same requests on both paths', async () => {
  // The repeat without ids is a call of its own, with its own retries: 1 + 4 requests.
  const counts = await perMode(['goroutine', 'flight'], () => (r, res) => (/\/visitors\/\?/.test(r.url)
    ? json(res, 503, '')
    : json(res, 401, JSON.stringify({ message: 'invalid session' }))), (mode, { error }, urls) => {
    assert.ok(error, `${mode}: rejected`);
    assert.equal(error.code, 'server', mode);
    assert.equal(error.status, 503, mode);
    assert.match(urls[0], /\/visitors\/V1\?/);
    assert.ok(urls.slice(1).every((u) => /\/visitors\/\?/.test(u)), `${mode}: ${urls.join(' ')}`);
  });
  assert.deepEqual(counts, { goroutine: 5, flight: 5 });
});

test('a "Loading account" 500 on the first attempt: the retry names the visitor of its message, on both paths', async () => {
  const counts = await perMode(['goroutine', 'flight'], () => {
    let n = 0;
    return (r, res) => (++n === 1
      ? json(res, 500, JSON.stringify({ time: Date.now(), message: 'Loading account: flight, vid: V7', internalCode: 20 }))
      : json(res, 200, available({ visitorId: 'V7' })));
  }, (mode, { value, error }, urls) => {
    assert.equal(error, undefined, `${mode}: ${error?.message}`);
    assert.equal(value.visitorId, 'V7');
    assert.match(urls[0], /\/visitors\/V1\?.*sid=S1/);
    assert.match(urls[1], /\/visitors\/V7\?.*sid=S1/, `${mode}: the retry names the visitor of the message`);
  });
  assert.deepEqual(counts, { goroutine: 2, flight: 2 });
});

// ---- 3. The attempt timeout on the flight path ------------------------------------------

test('attemptTimeoutMs on a flight: the port aborts the first attempt, one retry, then code timeout', async () => {
  const { api, sends } = await instrumented({ attemptTimeoutMs: 100, retry: { delaysMs: [10] } });
  try {
    const req = request();
    assert.equal((await api.getEngagement(req)).status, 'Available');
    const sent = requests.length;
    const from = sends.length;
    handler = (r, res) => hold(res);
    const err = await within(caught(api.getEngagement(req)), 10_000, 'the call never settled');
    assert.equal(pathOf(sends, from), 'flight');
    assert.equal(err.code, 'timeout', err.message);
    assert.equal(requests.length - sent, 2, 'one attempt and one retry');
    assert.deepEqual(sends.slice(from).map((x) => x.timeoutMs), [100, 0], 'the port kept the first deadline, Go the retry\'s');
    const [first, second] = requests.slice(sent);
    await within(first.closed, 5000, 'the first attempt\'s connection was never closed');
    assert.equal(first.aborted, true, 'the client went away before the response ended');
    await within(second.closed, 5000, 'the retry\'s connection was never closed');
    assert.equal(second.aborted, true);
    await sleep(100);
    assert.equal(requests.length - sent, 2, 'nothing more was sent');
    handler = null;
    assert.equal((await api.getEngagement(req)).status, 'Available');
  } finally {
    api.close();
  }
});

test('attemptTimeoutMs on a flight: a retry answered in time succeeds', async () => {
  const { api, sends } = await instrumented({ attemptTimeoutMs: 100, retry: { delaysMs: [10] } });
  try {
    const req = request();
    await api.getEngagement(req);
    const sent = requests.length;
    const from = sends.length;
    let n = 0;
    handler = (r, res) => (++n === 1 ? hold(res) : json(res, 200, available({ retried: true })));
    const r = await within(api.getEngagement(req), 10_000, 'the call never settled');
    assert.equal(pathOf(sends, from), 'flight');
    assert.equal(r.retried, true);
    assert.equal(requests.length - sent, 2);
    await within(requests[sent].closed, 5000, 'the timed-out attempt\'s connection was never closed');
    assert.equal(requests[sent].aborted, true);
  } finally {
    api.close();
  }
});

// ---- 4. Cancellation ------------------------------------------------------------------------

test('an AbortSignal cancels a flight under way: aborted, the connection closed, and the next call works', async () => {
  const { api, sends } = await instrumented({ retry: { delaysMs: [10, 10] } });
  try {
    const req = request();
    await api.getEngagement(req);
    const sent = requests.length;
    const from = sends.length;
    handler = (r, res) => hold(res);
    const ac = new AbortController();
    let seen;
    const p = caught(api.getEngagement(req, { signal: ac.signal, onError: (e) => { seen = e; } }));
    await received(sent + 1);
    assert.equal(pathOf(sends, from), 'flight');
    ac.abort();
    const err = await within(p, 5000, 'the aborted call never settled');
    assert.equal(err.code, 'aborted', err.message);
    assert.equal(seen?.code, 'aborted');
    await within(requests[sent].closed, 5000, 'the server never saw the connection closed');
    assert.equal(requests[sent].aborted, true);
    await sleep(100);
    assert.equal(requests.length, sent + 1, 'no retry after the cancellation');

    handler = null;
    const nextFrom = sends.length;
    const r = await api.getEngagement(req);
    assert.equal(r.status, 'Available');
    assert.equal(pathOf(sends, nextFrom), 'flight');
    assert.equal(requests.length, sent + 2);
  } finally {
    api.close();
  }
});

// ---- 5. close() -------------------------------------------------------------------------------

// Holds the next request after a first call has stored a session, starts a call with opts
// on the path expected, closes the ChatApi and checks that the call rejects as aborted and
// its fetch is aborted. Returns what the rest of a test needs.
async function closeWhileHeld(opts, path) {
  const { api, sends } = await instrumented({ retry: { delaysMs: [10, 10] } });
  const req = request();
  await api.getEngagement(req);
  const sent = requests.length;
  const from = sends.length;
  handler = (r, res) => hold(res);
  const p = caught(api.getEngagement(req, opts));
  await received(sent + 1);
  assert.equal(pathOf(sends, from), path);
  api.close();
  const err = await within(p, 5000, 'the call never settled after close()');
  assert.equal(err.code, 'aborted', err.message);
  await within(requests[sent].closed, 5000, 'close() left the fetch under way open');
  assert.equal(requests[sent].aborted, true);
  return { api, req, sent };
}

test('close() while a flight\'s request is held: the call rejects with aborted, its fetch is aborted and nothing more is sent', async () => {
  const { api, req, sent } = await closeWhileHeld(undefined, 'flight');
  await sleep(200);
  assert.equal(requests.length, sent + 1, 'no request after close()');
  await assert.rejects(api.getEngagement(req), (e) => e.code === 'aborted');
  assert.equal(requests.length, sent + 1);
});

test('close() while a goroutine-path request is held: its fetch is aborted too', async () => {
  await closeWhileHeld({ timeoutMs: 60000 }, 'goroutine'); // a per-call timeout: a goroutine
});

// ---- 6. Malformed answers -------------------------------------------------------------------

test('a 2xx with a malformed body on a flight is code server "malformed response"; the next call reuses the ids', async () => {
  const { api, sends } = await instrumented({ retry: { delaysMs: [10] } });
  try {
    const req = request();
    await api.getEngagement(req);
    const bodies = [
      available({ status: 'Maybe' }),
      JSON.stringify({ status: 'NotAvailable', visitorId: 'V9', pageId: 'P9' }), // no sessionId
      '[1, 2]',
    ];
    for (const body of bodies) {
      const sent = requests.length;
      const from = sends.length;
      handler = (r, res) => json(res, 200, body);
      const err = await caught(api.getEngagement(req));
      assert.equal(pathOf(sends, from), 'flight');
      assert.equal(err.code, 'server', `${body}: ${err.message}`);
      assert.match(err.message, /malformed response/);
      assert.equal(err.status, 200);
      assert.equal(requests.length, sent + 1, 'a malformed 2xx is not retried');
      assert.deepEqual(await api.session(), { vid: 'V1', sid: 'S1', pageId: 'P1' }, 'the stored session is unchanged');

      handler = null;
      const good = requests.length;
      const r = await api.getEngagement(req);
      assert.equal(r.status, 'Available');
      assert.match(requests[good].url, /\/visitors\/V1\?.*sid=S1/, 'the stored ids were reused');
    }
  } finally {
    api.close();
  }
});

// ---- 7. A call from inside the fetch of a flight -------------------------------------------

test('a getEngagement made from the fetch function a flight calls (inside a wasm export) starts once that call returned, and both settle', async () => {
  let api;
  let armed = false;
  let nested = null;
  const fetchInExport = (url, init) => {
    if (armed) {
      armed = false; // before the call: the nested call's own fetch comes through here too
      nested = api.getEngagement(request());
    }
    return fetch(url, init);
  };
  const made = await instrumented({ fetch: fetchInExport });
  api = made.api;
  try {
    const req = request();
    await api.getEngagement(req);
    const fromDirect = made.direct.length;
    const from = made.sends.length;
    const sent = requests.length;
    armed = true;
    const outer = api.getEngagement(req);
    assert.ok(nested, 'the fetch was called synchronously by the direct getEngagement');
    assert.equal(made.sends.length, from + 1, 'the nested call has not started inside the outer one');
    const [o, n] = await within(Promise.all([outer, nested]), 5000, 'the outer or the nested call never settled');
    assert.equal(o.status, 'Available');
    assert.equal(n.status, 'Available');
    assert.equal(requests.length, sent + 2);
    assert.equal(made.sends.length, from + 2);
    assert.ok(made.sends[from].timeoutMs > 0, 'the outer call was a flight');
    assert.ok(made.sends[from + 1].timeoutMs > 0, 'the nested call, started after it, was a flight too');
    const calls = made.direct.slice(fromDirect).filter((d) => d.fn === 'getEngagement');
    assert.deepEqual(calls.map((c) => c.taken), [true, true], 'both calls went in by the direct call');
    assert.equal(made.module.alive(), true, 'the Go program is still running');
    const nextFrom = made.sends.length;
    assert.equal((await api.getEngagement(req)).status, 'Available');
    assert.equal(pathOf(made.sends, nextFrom), 'flight');
  } finally {
    api.close();
  }
});

test('a fetch function that calls getEngagement every time does not recurse under Go: each call starts after the last returned', async () => {
  let api;
  let depth = 0;
  let deepest = 0;
  let left = 0;
  const nested = [];
  const fetchCalling = (url, init) => {
    depth++;
    deepest = Math.max(deepest, depth);
    try {
      if (left > 0) {
        left--;
        nested.push(api.getEngagement(request()));
      }
      return fetch(url, init);
    } finally {
      depth--;
    }
  };
  const made = await instrumented({ fetch: fetchCalling });
  api = made.api;
  try {
    await api.getEngagement(request());
    const sent = requests.length;
    left = 30; // 30 calls, each made from the fetch of the one before
    const first = api.getEngagement(request());
    await within(first, 5000, 'the first call never settled');
    for (let i = 0; i < 100 && nested.length < 30; i++) await sleep(10);
    assert.equal(nested.length, 30);
    const all = await within(Promise.all(nested), 10000, 'a nested call never settled');
    assert.ok(all.every((r) => r.status === 'Available'));
    assert.equal(deepest, 1, 'no fetch was called from inside another');
    assert.equal(requests.length, sent + 31);
    assert.equal(made.module.alive(), true, 'the Go program is still running');
  } finally {
    api.close();
  }
});

// ---- 8. The port's timeoutMs ----------------------------------------------------------------

/** A port over fetchFn, connected to a callback recording what it receives. */
function port(fetchFn) {
  const got = [];
  const ex = exchangeOver(fetchFn);
  ex.connect((...args) => { got.push(args); });
  return { ex, got };
}

test('port: timeoutMs passes first: the callback gets (id, -3) and the fetch\'s signal aborts with a TimeoutError', async () => {
  const inits = [];
  const { ex, got } = port((url, init) => { inits.push(init); return new Promise(() => {}); });
  ex.send(7, 'POST', 'http://127.0.0.1:9/x', null, '{}', 1024, 30);
  assert.equal(inits.length, 1);
  assert.equal(inits[0].signal.aborted, false);
  await within((async () => { while (got.length === 0) await sleep(5); })(), 5000, 'no timeout reported');
  assert.deepEqual(got, [[7, -3]]);
  assert.equal(inits[0].signal.aborted, true);
  assert.equal(inits[0].signal.reason?.name, 'TimeoutError');
  await sleep(60);
  assert.deepEqual(got, [[7, -3]], 'reported once');
  ex.abort(7, false); // already over: nothing happens
  assert.equal(inits[0].signal.reason?.name, 'TimeoutError');
  assert.deepEqual(got, [[7, -3]]);
});

test('port: a fetch that rejects on abort reports the timeout first; its later failure comes after it', async () => {
  const { ex, got } = port((url, init) => new Promise((_, reject) => {
    init.signal.addEventListener('abort', () => reject(init.signal.reason), { once: true });
  }));
  ex.send(1, 'GET', 'http://127.0.0.1:9/x', null, undefined, 1024, 30);
  await within((async () => { while (got.length < 2) await sleep(5); })(), 5000, 'nothing reported');
  assert.deepEqual(got[0], [1, -3]);
  assert.equal(got[1][1], -2);
  assert.equal(got[1][2].name, 'TimeoutError');
});

test('port: a send with timeoutMs 0 or undefined never times out', async () => {
  const inits = [];
  const { ex, got } = port((url, init) => { inits.push(init); return new Promise(() => {}); });
  ex.send(1, 'GET', 'http://127.0.0.1:9/a', null, undefined, 1024, 0);
  ex.send(2, 'GET', 'http://127.0.0.1:9/b', null, undefined, 1024, undefined);
  ex.send(3, 'GET', 'http://127.0.0.1:9/c', null, undefined, 1024);
  await sleep(150);
  assert.deepEqual(got, []);
  assert.ok(inits.every((i) => !i.signal.aborted));
  for (const id of [1, 2, 3]) ex.abort(id, false);
  assert.ok(inits.every((i) => i.signal.aborted && i.signal.reason.name === 'AbortError'));
});

/** Runs fn while recording the timers set for delay ms and every timer cleared. */
async function watchingTimers(ms, fn) {
  const set = [];
  const cleared = new Set();
  const { setTimeout: realSet, clearTimeout: realClear } = globalThis;
  globalThis.setTimeout = function recordSet(cb, delay, ...args) {
    const t = realSet(cb, delay, ...args);
    if (delay === ms) set.push(t);
    return t;
  };
  globalThis.clearTimeout = function recordClear(t) {
    cleared.add(t);
    return realClear(t);
  };
  try {
    await fn();
  } finally {
    globalThis.setTimeout = realSet;
    globalThis.clearTimeout = realClear;
  }
  return { set, cleared };
}

test('port: an answer before the deadline clears the timer (no -3 later)', async () => {
  const inits = [];
  const { ex, got } = port(async (url, init) => {
    inits.push(init);
    return new Response('{"ok":true}', { status: 200, headers: { 'Content-Type': 'application/json' } });
  });
  const timers = await watchingTimers(30, async () => {
    ex.send(5, 'POST', 'http://127.0.0.1:9/x', null, '{}', 1024, 30);
    await within((async () => { while (got.length === 0) await sleep(1); })(), 5000, 'no answer reported');
  });
  assert.deepEqual(got, [[5, 200, null, '{"ok":true}']]);
  assert.equal(timers.set.length, 1, 'the send armed one deadline');
  assert.ok(timers.cleared.has(timers.set[0]), 'the answer cleared it');
  await sleep(100); // well past the 30 ms deadline
  assert.deepEqual(got, [[5, 200, null, '{"ok":true}']], 'no timeout after the answer');
  assert.equal(inits[0].signal.aborted, false, 'the answered fetch was not aborted');
});

test('port: abort(id) before the deadline clears the timer (no -3 later)', async () => {
  const inits = [];
  const { ex, got } = port((url, init) => { inits.push(init); return new Promise(() => {}); });
  const timers = await watchingTimers(30, () => {
    ex.send(9, 'GET', 'http://127.0.0.1:9/x', null, undefined, 1024, 30);
    ex.abort(9, false);
  });
  assert.equal(timers.set.length, 1);
  assert.ok(timers.cleared.has(timers.set[0]), 'abort cleared the deadline');
  assert.equal(inits[0].signal.reason.name, 'AbortError');
  await sleep(100);
  assert.deepEqual(got, []);
});

test('port: a failed fetch before the deadline clears the timer (no -3 later)', async () => {
  const { ex, got } = port(async () => { throw new TypeError('fetch failed'); });
  const timers = await watchingTimers(30, async () => {
    ex.send(4, 'GET', 'http://127.0.0.1:9/x', null, undefined, 1024, 30);
    await within((async () => { while (got.length === 0) await sleep(1); })(), 5000, 'nothing reported');
  });
  assert.equal(got[0][1], -2);
  assert.equal(timers.set.length, 1);
  assert.ok(timers.cleared.has(timers.set[0]), 'the failure cleared the deadline');
  await sleep(100);
  assert.equal(got.length, 1, 'no timeout after the failure');
});
