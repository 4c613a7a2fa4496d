// The two calls on the path of every getEngagement (the call starting, its answer arriving)
// go into Go through the module's direct functions (wasmexport) with their text written into
// Go's memory, not through js.Funcs (directCalls in web/src/exchange.js, jsbridge/api.go). These tests
// check, against a real HTTP server on 127.0.0.1, that both are taken, that text crosses
// exactly (non-ASCII both ways, a body near the 1 MiB cap, a Retry-After header), and that a
// call made while Go runs (from the fetch function Go calls) falls back to the js.Func and
// still works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createWith } from '../../web/src/chatapi.js';
import { instantiate } from '../../web/src/loader.js';
import { seedRequest, web } from './sim.mjs';

let server;
let base;
const received = []; // request bodies as text
let answers = []; // queued (res) => void; the default answers Available
const details = {
  campaignId: '3346848610', engagementId: '3562981110', contextId: '1', windowId: '3346847910',
  language: 'en-US', engagementRevision: 3, validForSeconds: 60, skillId: 23, skillName: 'Support',
};
const available = (extra = {}) => JSON.stringify({ status: 'Available', visitorId: 'V1', sessionId: 'S1', pageId: 'P1', engagementDetails: details, ...extra });

before(async () => {
  server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(chunks).toString('utf8'));
      const answer = answers.shift();
      if (answer) return answer(res);
      res.setHeader('Content-Type', 'application/json');
      res.end(available());
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((resolve) => server.close(resolve)));

// A ChatApi whose module counts the direct calls it takes.
async function counted(options = {}) {
  const module = await instantiate(await readFile(new URL('chatapi.wasm', web)));
  assert.ok(module.direct, 'the package module has its direct calls');
  const count = { getEngagement: 0, answer: 0 };
  const inner = module.direct;
  module.direct = {
    getEngagement: (...args) => { const taken = inner.getEngagement(...args); if (taken) count.getEngagement++; return taken; },
    answer: (...args) => { const taken = inner.answer(...args); if (taken) count.answer++; return taken; },
  };
  const api = await createWith({ accountId: 'direct', domain: base, storage: 'memory', ...options }, async () => module, (s) => s);
  return { api, count };
}

test('every getEngagement and its answer go into Go by the direct calls', async () => {
  const { api, count } = await counted();
  try {
    received.length = 0;
    const { vid, sid, ...request } = seedRequest();
    for (let i = 0; i < 20; i++) assert.equal((await api.getEngagement(request)).status, 'Available');
    const results = await Promise.all(Array.from({ length: 10 }, () => api.getEngagement(request)));
    assert.equal(results.length, 10);
    assert.deepEqual(count, { getEngagement: 30, answer: 30 });
    assert.equal(received.length, 30);
    assert.deepEqual(JSON.parse(received[0]), request);
  } finally {
    api.close();
  }
});

test('text that is not ASCII crosses exactly, both ways', async () => {
  const { api, count } = await counted();
  try {
    received.length = 0;
    const { vid, sid, ...request } = seedRequest();
    const name = 'Zoë Ægir 😀 中文 \u2028 "quoted" \\ back';
    request.engagementAttributes[0].personal.firstname = name;
    const note = 'réponse — 🚀 日本語 \u00a0';
    answers.push((res) => { res.setHeader('Content-Type', 'application/json; charset=utf-8'); res.end(available({ note, pageId: 'Pé' })); });
    const result = await api.getEngagement(request);
    assert.equal(result.note, note);
    assert.equal(result.pageId, 'Pé');
    assert.equal(JSON.parse(received[0]).engagementAttributes[0].personal.firstname, name);
    assert.deepEqual(count, { getEngagement: 1, answer: 1 });
  } finally {
    api.close();
  }
});

test('a body near the 1 MiB cap crosses whole, and the next call works', async () => {
  const { api, count } = await counted();
  try {
    const { vid, sid, ...request } = seedRequest();
    const padding = 'é'.repeat(400_000); // 800,000 bytes of UTF-8, 400,000 UTF-16 units
    answers.push((res) => { res.setHeader('Content-Type', 'application/json'); res.end(available({ padding })); });
    const big = await api.getEngagement(request);
    assert.equal(big.padding, padding);
    const small = await api.getEngagement(request);
    assert.equal(small.padding, undefined);
    assert.equal(small.status, 'Available');
    assert.deepEqual(count, { getEngagement: 2, answer: 2 });
  } finally {
    api.close();
  }
});

test('a Retry-After header crosses with its answer', async () => {
  // Retry-After: 1 makes the pause 1 s; without the header it would be the 10 ms scheduled.
  const { api } = await counted({ retry: { delaysMs: [10], minRateLimitWaitMs: 0, maxRateLimitWaitMs: 5000 } });
  try {
    received.length = 0;
    const { vid, sid, ...request } = seedRequest();
    answers.push((res) => { res.statusCode = 429; res.setHeader('Retry-After', '1'); res.end(''); });
    const t0 = performance.now();
    assert.equal((await api.getEngagement(request)).status, 'Available');
    assert.ok(performance.now() - t0 >= 900, 'the pause followed Retry-After');
    assert.equal(received.length, 2);
  } finally {
    api.close();
  }
});

test('a call made while Go runs takes the js.Func and both calls settle', async () => {
  let nested = null;
  let api;
  // Go calls this fetch synchronously from its goroutine: a getEngagement made here finds Go
  // running, so it cannot be a direct call.
  const fetchInGo = (url, init) => {
    if (nested === null) {
      const { vid, sid, ...request } = seedRequest();
      nested = api.getEngagement(request);
    }
    return fetch(url, init);
  };
  const made = await counted({ fetch: fetchInGo });
  api = made.api;
  try {
    const { vid, sid, ...request } = seedRequest();
    const outer = await api.getEngagement(request);
    assert.equal(outer.status, 'Available');
    assert.equal((await nested).status, 'Available');
    assert.equal(made.count.getEngagement, 1, 'the nested call went through the js.Func');
    assert.equal(made.count.answer, 2);
    assert.equal((await api.getEngagement(request)).status, 'Available');
  } finally {
    api.close();
  }
});

test('an empty answer right after a large one (the buffer dropped) crosses, and the calls go on', async () => {
  // Two calls in flight: the first answer is over the 64 KiB the module keeps between
  // calls, so its buffer is dropped; the second answer, empty, then needs a new one.
  const { api, count } = await counted({ retry: { delaysMs: [10] } });
  try {
    const { vid, sid, ...request } = seedRequest();
    const padding = 'x'.repeat(100_000);
    answers.push((res) => { res.setHeader('Content-Type', 'application/json'); res.end(available({ padding })); });
    answers.push((res) => setTimeout(() => { res.statusCode = 503; res.end(''); }, 200));
    const [big, after503] = await Promise.all([api.getEngagement(request), api.getEngagement(request)]);
    assert.equal(big.padding, padding);
    assert.equal(after503.status, 'Available');
    assert.deepEqual(count, { getEngagement: 2, answer: 3 });
    assert.equal((await api.getEngagement(request)).status, 'Available');
  } finally {
    api.close();
  }
});

test('an answer a fetch function made up (a fractional status, a body that is not text) is refused, not converted', async () => {
  const { vid, sid, ...request } = seedRequest();
  for (const made of [{ status: 200.5, body: available() }, { status: 200, body: 42 }, { status: 2 ** 32 + 200, body: available() }]) {
    const madeUp = async () => ({ status: made.status, type: 'basic', headers: { get: () => null }, text: async () => made.body });
    const { api, count } = await counted({ fetch: madeUp, retry: { delaysMs: [] } });
    try {
      const err = await api.getEngagement(request).then(() => null, (e) => e);
      assert.ok(err, `status ${made.status}, body ${typeof made.body}: refused`);
      assert.match(err.message, /usable Response/);
      assert.equal(count.answer, 0);
    } finally {
      api.close();
    }
  }
});
