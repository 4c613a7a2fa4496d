// The Node entry's transport (web/src/exchange.js, httpFetch): the part of fetch the exchange
// port uses, over node:http and node:https, against real servers on 127.0.0.1. The fault
// suite (faults.test.mjs) runs every fault row through it as well as through fetch; these
// are the contract's details, one by one.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { httpFetch } from '../../web/src/exchange.js';
import { createChatApi } from '../../web/src/node.js';
import { startSim, seedRequest, account, web } from './sim.mjs';

// A broken abort or cancel would hang a test, not fail it: each has a deadline.
const test = (name, fn) => nodeTest(name, { timeout: 30000 }, fn);

const fetchOverHTTP = httpFetch(async () => ({ http, https, zlib }));

let server;
let base;
const seen = []; // {method, url, headers, body} of each request
const closed = []; // url of each request whose connection closed before it was answered
const routes = new Map(); // path -> (req, res, body) => void

before(async () => {
  server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.on('close', () => { if (!res.writableFinished) closed.push(req.url); });
      const route = routes.get(new URL(req.url, 'http://x').pathname);
      if (route) route(req, res, body);
      else { res.writeHead(404); res.end(); }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));

const answer = (status, headers, body) => (req, res) => { res.writeHead(status, headers); res.end(body); };
const until = async (cond, what) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), what);
};

test('sends the method, headers and body (with its Content-Length) and answers status, headers and text', async () => {
  routes.set('/echo', answer(201, { 'Content-Type': 'application/json', 'Retry-After': '7', 'X-Two': ['a', 'b'] }, '{"ok":"ü"}'));
  const body = JSON.stringify({ name: 'Ünïcode ✓' });
  const res = await fetchOverHTTP(`${base}/echo?v=1.0`, { method: 'PUT', headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-HTTP-Method-Override': 'PUT' }, body });
  const got = seen.at(-1);
  assert.equal(got.method, 'PUT');
  assert.equal(got.url, '/echo?v=1.0');
  assert.equal(got.body, body);
  assert.equal(got.headers['content-length'], String(Buffer.byteLength(body)));
  assert.equal(got.headers['x-http-method-override'], 'PUT');
  assert.equal(got.headers.accept, 'application/json');
  assert.equal(res.status, 201);
  assert.equal(res.type, 'basic');
  assert.equal(res.headers.get('retry-after'), '7');
  assert.equal(res.headers.get('RETRY-AFTER'), '7', 'header names are case-insensitive');
  assert.equal(res.headers.get('x-two'), 'a, b', 'repeated headers are joined as fetch joins them');
  assert.equal(res.headers.get('x-missing'), null);
  assert.equal(await res.text(), '{"ok":"ü"}');
});

test('the HTTP modules load once for concurrent first calls, and again only after a failed load', async () => {
  routes.set('/once', answer(200, {}, 'ok'));
  let loads = 0;
  let failNext = true;
  const f = httpFetch(async () => {
    loads++;
    await new Promise((r) => setTimeout(r, 10));
    if (failNext) { failNext = false; throw new Error('no node:http here'); }
    return { http, https, zlib };
  });
  const first = await Promise.allSettled([f(`${base}/once`), f(`${base}/once`)]);
  assert.deepEqual(first.map((r) => r.status), ['rejected', 'rejected']);
  assert.equal(loads, 1, 'both waited for the one load');
  const again = await Promise.all([f(`${base}/once`), f(`${base}/once`)]);
  assert.deepEqual(await Promise.all(again.map((r) => r.text())), ['ok', 'ok']);
  assert.equal(loads, 2, 'the failed load was tried once more, and kept');
  await (await f(`${base}/once`)).text();
  assert.equal(loads, 2);
});

test('a GET without a body sends no Content-Length', async () => {
  routes.set('/get', answer(200, {}, 'x'));
  const res = await fetchOverHTTP(`${base}/get`, { method: 'GET', headers: { Accept: 'application/json' } });
  assert.equal(await res.text(), 'x');
  assert.equal(seen.at(-1).headers['content-length'], undefined);
});

test('a redirect is the answer, never followed', async () => {
  let hits = 0;
  routes.set('/target', (req, res) => { hits++; answer(200, {}, '{}')(req, res); });
  routes.set('/moved', answer(307, { Location: '/target' }, ''));
  const res = await fetchOverHTTP(`${base}/moved`, { method: 'POST', headers: {}, body: '{"vid":"secret"}' });
  assert.equal(res.status, 307);
  assert.equal(res.headers.get('location'), '/target');
  await res.text();
  assert.equal(hits, 0, 'the caller\'s data never went to the redirect\'s target');
});

test('gzip, deflate and br bodies are decoded, a leading BOM dropped, and the reader yields decoded bytes', async () => {
  const text = '\uFEFF{"status":"Available"}';
  routes.set('/gzip', answer(200, { 'Content-Encoding': 'gzip' }, zlib.gzipSync(text)));
  routes.set('/deflate', answer(200, { 'Content-Encoding': 'deflate' }, zlib.deflateSync(text)));
  routes.set('/br', answer(200, { 'Content-Encoding': 'br' }, zlib.brotliCompressSync(text)));
  for (const path of ['/gzip', '/deflate', '/br']) {
    assert.equal(await (await fetchOverHTTP(`${base}${path}`)).text(), '{"status":"Available"}', path);
  }
  const reader = (await fetchOverHTTP(`${base}/gzip`)).body.getReader();
  const parts = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    assert.ok(value instanceof Uint8Array);
    parts.push(...value);
  }
  assert.equal(Buffer.from(parts).toString('utf8'), text, 'the reader gives the decoded bytes as they are');
});

test('cancelling the body closes the connection', async () => {
  routes.set('/endless', (req, res) => {
    res.writeHead(200);
    const timer = setInterval(() => res.write('x'.repeat(16384)), 5);
    res.on('close', () => clearInterval(timer));
  });
  const res = await fetchOverHTTP(`${base}/endless`);
  const reader = res.body.getReader();
  assert.equal((await reader.read()).done, false);
  await reader.cancel();
  await until(() => closed.includes('/endless'), 'the server saw the connection close');
});

test('an abort before the headers rejects with the signal\'s reason and closes the connection', async () => {
  routes.set('/hang', () => {}); // never answers
  const controller = new AbortController();
  const pending = fetchOverHTTP(`${base}/hang`, { signal: controller.signal });
  await until(() => seen.some((r) => r.url === '/hang'), 'the request arrived');
  const reason = new DOMException('appengage: the attempt timed out', 'TimeoutError');
  controller.abort(reason);
  await assert.rejects(pending, (err) => err === reason);
  await until(() => closed.includes('/hang'), 'the server saw the connection close');
});

test('an abort while the body arrives rejects text() with the signal\'s reason', async () => {
  routes.set('/slow', (req, res) => { res.writeHead(200); res.write('{"a":'); });
  const controller = new AbortController();
  const res = await fetchOverHTTP(`${base}/slow`, { signal: controller.signal });
  const text = res.text();
  const reason = new DOMException('appengage: the call was cancelled', 'AbortError');
  controller.abort(reason);
  await assert.rejects(text, (err) => err === reason);
});

test('an aborted signal is refused before anything is sent', async () => {
  const before = seen.length;
  const reason = new Error('already');
  await assert.rejects(fetchOverHTTP(`${base}/get`, { signal: AbortSignal.abort(reason) }), (err) => err === reason);
  assert.equal(seen.length, before);
});

test('failures reject as fetch does: TypeError "fetch failed" with the cause', async () => {
  const closedServer = http.createServer();
  await new Promise((resolve) => closedServer.listen(0, '127.0.0.1', resolve));
  const port = closedServer.address().port;
  await new Promise((resolve) => closedServer.close(resolve));
  await assert.rejects(fetchOverHTTP(`http://127.0.0.1:${port}/`), (err) => err instanceof TypeError && err.message === 'fetch failed' && err.cause?.code === 'ECONNREFUSED');
  await assert.rejects(fetchOverHTTP('ftp://127.0.0.1/'), (err) => err instanceof TypeError && /ftp:/.test(err.cause.message));
  // https: goes through node:https: a TLS handshake with a plain-HTTP server fails, and says so.
  await assert.rejects(fetchOverHTTP(`${base.replace('http:', 'https:')}/get`), (err) => err instanceof TypeError && err.message === 'fetch failed' && /SSL|TLS|EPROTO|wrong version/i.test(`${err.cause?.code} ${err.cause?.message}`));
  routes.set('/cut', (req, res) => { res.writeHead(200, { 'Content-Length': '100' }); res.write('{"a":1'); setTimeout(() => res.socket.destroy(), 20); });
  const res = await fetchOverHTTP(`${base}/cut`);
  await assert.rejects(res.text(), (err) => err instanceof TypeError);
  // Cut before anybody reads: no uncaught 'error' (which would end this process); the read
  // that comes later fails.
  const unread = await fetchOverHTTP(`${base}/cut`);
  await new Promise((r) => setTimeout(r, 100));
  await assert.rejects(unread.text(), (err) => err instanceof TypeError);
  const gz = zlib.gzipSync('{"a":1}'.repeat(1000));
  routes.set('/cutgz', (req, res) => { res.writeHead(200, { 'Content-Encoding': 'gzip' }); res.write(gz.subarray(0, 100)); setTimeout(() => res.socket.destroy(), 20); });
  const unreadGz = await fetchOverHTTP(`${base}/cutgz`);
  const reader = unreadGz.body.getReader();
  await new Promise((r) => setTimeout(r, 100));
  await assert.rejects((async () => { while (!(await reader.read()).done); })(), (err) => err instanceof TypeError);
});

test('the Node entry sends through node:http by default and through options.fetch when given', async () => {
  const body = '{"status":"NotAvailable","visitorId":"v1","sessionId":"s1","pageId":"p1"}';
  routes.set(`/api/account/httpdefault/app/engagement/visitors/`, answer(200, { 'Content-Type': 'application/json' }, body));
  routes.set(`/api/account/httpgiven/app/engagement/visitors/`, answer(200, { 'Content-Type': 'application/json' }, body));
  const { vid, sid, ...request } = seedRequest();
  const byDefault = await createChatApi({ accountId: 'httpdefault', domain: base });
  let given = 0;
  const withFetch = await createChatApi({ accountId: 'httpgiven', domain: base, fetch: (...args) => { given++; return fetch(...args); } });
  try {
    assert.equal((await byDefault.getEngagement(request)).status, 'NotAvailable');
    // undici's fetch names itself in User-Agent; node:http sends none.
    assert.equal(seen.at(-1).headers['user-agent'], undefined);
    assert.equal((await withFetch.getEngagement(request)).status, 'NotAvailable');
    assert.equal(given, 1);
    assert.equal(seen.at(-1).headers['user-agent'], 'node');
  } finally {
    byDefault.close();
    withFetch.close();
  }
});

test('a Node process that made calls over node:http exits on its own (idle keep-alive sockets hold nothing)', async () => {
  const sim = await startSim();
  try {
    const script = `
      import { createChatApi } from ${JSON.stringify(new URL('src/node.js', web).href)};
      const api = await createChatApi({ accountId: ${JSON.stringify(account())}, domain: ${JSON.stringify(sim.url)} });
      const r = await api.getEngagement(${JSON.stringify(seedRequest())});
      const again = await api.getEngagement(${JSON.stringify(seedRequest())});
      console.log(r.status, again.status); // no close(): the process must still end`;
    const t0 = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 20000 });
    assert.equal(stdout.trim(), 'Available Available');
    assert.ok(Date.now() - t0 < 15000, 'it ended without waiting for an idle socket');
  } finally {
    await sim.stop();
  }
});
