// The loader on its own: request serialisation, the module stopping under a call, wasmURL and
// wasmModule in Node, and methodOverride against the simulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import { startSim, account, seedRequest, web } from './sim.mjs';
import { ChatApi, requestPayload } from '../../web/src/chatapi.js';
import { createChatApi } from '../../web/src/node.js';

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
