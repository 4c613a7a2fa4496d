// The loader on its own: request serialisation, the module stopping under a call, wasmURL and
// wasmModule in Node, when Go's JS side is started, and methodOverride against the simulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { startSim, account, seedRequest, web } from './sim.mjs';
import { ChatApi, requestPayload } from '../../web/src/chatapi.js';
import { createChatApi } from '../../web/src/node.js';
import { wasmSource } from '../../web/src/loader.js';

let sim;
before(async () => { sim = await startSim(); });
after(async () => { await sim.stop(); });

test('requestPayload sends JSON text only when JSON.stringify would change nothing', () => {
  assert.equal(requestPayload(seedRequest()), JSON.stringify(seedRequest()));
  assert.equal(requestPayload({ a: undefined, b: 1 }), '{"b":1}', 'an undefined property is an absent one');
  assert.equal(requestPayload(null), 'null');
  assert.equal(requestPayload(undefined), undefined);
  // What JSON would change goes to the module as an own-data copy (null prototype, no getters
  // left), for it to name the bad value by field.
  for (const v of [{ a: NaN }, { a: [1, undefined] }, { a: () => 1 }, { toJSON: () => ({}) }]) {
    const out = requestPayload(v);
    assert.notEqual(typeof out, 'string');
    assert.notEqual(out, v, 'a copy, not the caller object');
    assert.equal(Object.getPrototypeOf(out), null);
    assert.deepEqual(Object.keys(out), Object.keys(v));
  }
  // What only JS can see is refused here, by field.
  const cyclic = {}; cyclic.self = cyclic;
  for (const [v, field] of [[{ a: new Date(0) }, 'a'], [{ a: 1n }, 'a'], [cyclic, 'self']]) {
    assert.throws(() => requestPayload(v), (err) => err.code === 'validation' && err.field === field);
  }
});

test('calls under way reject with internal when the module stops, and later calls at once', async () => {
  const exits = [];
  let alive = true;
  const module = { alive: () => alive, onExit: (fn) => exits.push(fn), hold() {}, release() {} };
  const handle = { getEngagement() {}, session() {}, cancel() {}, close() {} }; // never settles
  const api = new ChatApi(handle, module, {});
  const pending = [api.getEngagement({}), api.session()];
  alive = false;
  for (const fn of exits) fn(2);
  for (const p of pending) {
    await assert.rejects(p, (err) => err.code === 'internal' && /stopped \(exit code 2\)/.test(err.message));
  }
  await assert.rejects(api.getEngagement({}), (err) => err.code === 'internal');
});

test('wasmURL and wasmModule are accepted in Node (fresh processes)', async () => {
  const wasmPath = new URL('chatapi.wasm', web);
  const scripts = {
    wasmURL: `{ wasmURL: ${JSON.stringify(wasmPath.href)} }`,
    wasmModule: `{ wasmModule: await WebAssembly.compile(await (await import('node:fs/promises')).readFile(${JSON.stringify(wasmPath.pathname)})) }`,
  };
  for (const [name, extra] of Object.entries(scripts)) {
    const script = `
      import { createChatApi } from ${JSON.stringify(new URL('src/node.js', web).href)};
      const api = await createChatApi({ accountId: ${JSON.stringify(account())}, domain: ${JSON.stringify(sim.url)}, ...${extra} });
      console.log((await api.getEngagement({})).status);
      api.close();`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 30000 });
    assert.equal(stdout.trim(), 'Available', name);
  }
  await readFile(wasmPath); // the default location exists
});

test('a wrong wasmModule or wasmURL fails the load, and a later call can load again', async () => {
  const script = `
    import { createChatApi } from ${JSON.stringify(new URL('src/node.js', web).href)};
    const opts = { accountId: 'a', domain: ${JSON.stringify(sim.url)} };
    const codes = [];
    for (const extra of [{ wasmModule: 'nope' }, { wasmURL: 'file:///nonexistent/chatapi.wasm' }, {}]) {
      try { const api = await createChatApi({ ...opts, ...extra }); codes.push('ok'); api.close(); }
      catch (e) { codes.push(e.code ?? e.name); }
    }
    console.log(codes.join(','));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 30000 });
  assert.equal(stdout.trim(), 'validation,load_failed,ok'); // a wasm that cannot be read is load_failed (issue 8)
});

test('methodOverride sends Update Session as POST with X-HTTP-Method-Override: PUT', async () => {
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url, methodOverride: true });
  try {
    await api.getEngagement({});
    await api.updateSession({ engagementAttributes: [{ type: 'searchInfo', keywords: ['x'] }] });
    const log = await sim.requests(acct);
    const update = (log.requests ?? log).find((e) => e.kind === 'update');
    assert.equal(update.method, 'POST');
    assert.equal(update.override, 'PUT');
    assert.equal((await sim.stats(acct)).updateCalls, 1);
  } finally {
    api.close();
  }
  await assert.rejects(createChatApi({ accountId: acct, methodOverride: 'yes' }), (err) => err.code === 'validation' && err.field === 'methodOverride');
});

test('wasmSource calls whileWaiting (where the loader starts Go\'s JS side) once a read file is compiling, or once the fetch is out — not while the file is read', async () => {
  const wasmURL = new URL('chatapi.wasm', web);
  const bytes = await readFile(wasmURL);
  const events = [];
  let finishRead;
  const reading = new Promise((resolve) => { finishRead = resolve; });
  const fromFile = wasmSource({}, {
    defaultURL: wasmURL,
    base: wasmURL,
    readFile: async () => { events.push('read'); await reading; events.push('read done'); return bytes; },
  }, () => events.push('whileWaiting'));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(events, ['read'], 'nothing more while the file is read');
  finishRead();
  assert.ok(await fromFile instanceof WebAssembly.Module);
  assert.deepEqual(events, ['read', 'read done', 'whileWaiting']);

  // Fetched: the server answers only once whileWaiting has run (or after 5 s, to fail rather
  // than hang): a loader that waited for the response before calling it would see 'late'.
  let waited = false;
  const server = http.createServer((req, res) => {
    const t0 = Date.now();
    const answer = () => {
      if (!waited && Date.now() - t0 < 5000) { setTimeout(answer, 5); return; }
      if (!waited) events.push('late');
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(bytes);
    };
    answer();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    events.length = 0;
    const url = `http://127.0.0.1:${server.address().port}/chatapi.wasm`;
    const fetched = await wasmSource({ wasmURL: url }, { defaultURL: wasmURL, base: wasmURL }, () => { waited = true; events.push('whileWaiting'); });
    assert.ok(fetched instanceof WebAssembly.Module);
    assert.deepEqual(events, ['whileWaiting']);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
