// The loader's request copy and the exchange port at the level of their own functions: the
// fast read of ordinary objects (Node, no descriptor per property) keeps the rules of the
// descriptor read, and each attempt of the port has its own abortable signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestPayload, copyTree } from '../../web/src/chatapi.js';
import { exchangeOver } from '../../web/src/exchange.js';

test('a getter that removes or hides a later key: the key is skipped, never read from the prototype', () => {
  let reads = 0;
  const req = {
    get a() { reads += 1; delete req.b; Object.defineProperty(req, 'c', { enumerable: false }); return 1; },
    b: 2,
    c: 3,
    d: 4,
  };
  Object.prototype.b = 'inherited'; // eslint-disable-line no-extend-native
  try {
    assert.equal(requestPayload(req), '{"a":1,"d":4}');
    assert.equal(reads, 1);
  } finally {
    delete Object.prototype.b;
  }
});

test('an array hole is never filled from a polluted Array.prototype; index getters run once', () => {
  let reads = 0;
  const arr = ['x', , 'z']; // eslint-disable-line no-sparse-arrays
  Object.defineProperty(arr, 2, { get() { reads += 1; return 'z'; }, enumerable: true });
  Array.prototype[1] = 'inherited'; // eslint-disable-line no-extend-native
  try {
    const copy = copyTree({ a: arr });
    assert.equal(copy.clean, false, 'a hole is for the module to name');
    assert.equal(copy.value.a.length, 3);
    assert.equal(Object.hasOwn(copy.value.a, 1) ? copy.value.a[1] : undefined, undefined);
    assert.equal(copy.value.a[2], 'z');
    assert.equal(reads, 1);
  } finally {
    delete Array.prototype[1];
  }
});

test('a Proxy is read through descriptors: its get trap never runs, its other traps once a key', () => {
  const calls = { get: 0, getOwnPropertyDescriptor: 0, ownKeys: 0 };
  const target = { appType: 'EXTERNAL', list: ['a'] };
  const handler = {
    get(t, k, r) { calls.get += 1; return Reflect.get(t, k, r); },
    getOwnPropertyDescriptor(t, k) { calls.getOwnPropertyDescriptor += 1; return Reflect.getOwnPropertyDescriptor(t, k); },
    ownKeys(t) { calls.ownKeys += 1; return Reflect.ownKeys(t); },
  };
  assert.equal(requestPayload(new Proxy(target, handler)), '{"appType":"EXTERNAL","list":["a"]}');
  assert.deepEqual(calls, { get: 0, getOwnPropertyDescriptor: 2, ownKeys: 1 });
  const arrCalls = { get: 0 };
  const arr = new Proxy(['a', 'b'], { get(t, k, r) { arrCalls.get += 1; return Reflect.get(t, k, r); } });
  assert.equal(requestPayload({ list: arr }), '{"list":["a","b"]}');
  assert.equal(arrCalls.get, 0);
  // A trap that throws is named by its field.
  const boom = () => { throw new Error('boom'); };
  assert.throws(() => requestPayload({ a: { b: new Proxy({}, { ownKeys: boom }) } }), (err) => err.field === 'a.b');
  assert.throws(() => requestPayload({ a: [0, new Proxy([], { getOwnPropertyDescriptor: boom })] }), (err) => err.field === 'a[1]');
});

test('problems are named by their field path at any depth, in order', () => {
  const boom = () => { throw new Error('boom'); };
  const copy = copyTree({ x: [{ y: 1n }, { get z() { return boom(); } }], w: { v: new Date(0) } });
  assert.deepEqual(copy.problems.map((p) => p.field), ['x[0].y', 'x[1].z', 'w.v']);
  const cyclic = { a: [{}] }; cyclic.a[0].back = cyclic;
  assert.deepEqual(copyTree(cyclic).problems.map((p) => p.field), ['a[0].back']);
  assert.deepEqual(copyTree({ n: 1n }, 'opt').problems.map((p) => p.field), ['opt.n']);
});

test('the exchange port: every attempt its own signal, aborted with TimeoutError or AbortError, never followed redirects, settled later', async () => {
  const inits = [];
  const pending = [];
  const fetchFn = (url, init) => {
    inits.push(init);
    return new Promise((resolve, reject) => {
      pending.push({ resolve, reject });
      init.signal.addEventListener('abort', () => reject(init.signal.reason), { once: true });
    });
  };
  const port = exchangeOver(fetchFn);
  const done = [];
  port.connect((...args) => done.push(args));
  for (let id = 1; id <= 4; id++) {
    port.send(id, 'POST', 'http://127.0.0.1:1/x', null, '{}', 1000);
    await new Promise((r) => setImmediate(r)); // a turn between attempts, as with real I/O
  }
  assert.equal(new Set(inits.map((i) => i.signal)).size, 4, 'a signal per attempt');
  for (const init of inits) {
    assert.equal(init.redirect, 'manual');
    assert.equal(init.signal.aborted, false, 'a fresh signal');
  }
  port.abort(1, true);
  port.abort(2, false);
  await new Promise((r) => setImmediate(r));
  assert.equal(inits[0].signal.reason.name, 'TimeoutError');
  assert.equal(inits[1].signal.reason.name, 'AbortError');
  assert.equal(inits[2].signal.aborted, false, 'aborting one attempt leaves the others');
  pending[2].resolve({ status: 200, headers: new Headers({ 'Content-Length': '2' }), text: async () => '{}' });
  pending[3].resolve({ status: 200, headers: new Headers({ 'Content-Length': '5000' }), body: null, text: async () => 'x' });
  await new Promise((r) => setTimeout(r, 10));
  const byId = new Map(done.map((a) => [a[0], a]));
  assert.equal(byId.get(1)[1], -2);
  assert.equal(byId.get(1)[2].name, 'TimeoutError');
  assert.equal(byId.get(2)[2].name, 'AbortError');
  assert.deepEqual(byId.get(3), [3, 200, null, '{}']);
  assert.deepEqual(byId.get(4), [4, -1, 200], 'a declared length over the cap');

  // A fetch that throws at once is settled on a later turn, not inside send.
  const throwing = exchangeOver(() => { throw new TypeError('bad'); });
  const got = [];
  throwing.connect((...args) => got.push(args));
  throwing.send(9, 'GET', 'http://127.0.0.1:1/x', null, undefined, 10);
  assert.equal(got.length, 0);
  await new Promise((r) => setImmediate(r));
  assert.equal(got[0][1], -2);
});

test('a polluted Object.prototype (setter, toJSON) is not seen by the copy or its JSON text', () => {
  let sets = 0;
  Object.defineProperty(Object.prototype, 'appType', { set() { sets += 1; }, get() { return 'inherited'; }, configurable: true }); // eslint-disable-line no-extend-native
  try {
    assert.equal(requestPayload({ appType: 'X', a: { b: 1 } }), '{"appType":"X","a":{"b":1}}');
    assert.equal(sets, 0);
  } finally {
    delete Object.prototype.appType;
  }
  Object.defineProperty(Object.prototype, 'toJSON', { value: () => 'polluted', configurable: true, writable: true }); // eslint-disable-line no-extend-native
  try {
    const out = requestPayload({ appType: 'X', a: { b: 1 }, l: [1, { c: 2 }] });
    // Not as JSON text (an array would call the inherited toJSON): the own-data copy.
    assert.notEqual(typeof out, 'string');
    assert.equal(Object.getPrototypeOf(out), null);
    assert.equal(Object.getPrototypeOf(out.l[1]), null);
    assert.deepEqual(Object.keys(out), ['appType', 'a', 'l']);
    assert.equal(out.l[0], 1);
  } finally {
    delete Object.prototype.toJSON;
  }
  assert.equal(typeof requestPayload({ l: [1] }), 'string', 'JSON text again once the prototype is clean');
  // An own __proto__ key is an own key of the copy, sent as such (the module refuses it).
  assert.equal(requestPayload(JSON.parse('{"__proto__":{"x":1},"a":1}')), '{"__proto__":{"x":1},"a":1}');
});

test('a shared object, a deep one and NaN go to the module as a null-prototype copy, shared objects shared', () => {
  const shared = { s: 1 };
  const out = requestPayload({ a: shared, b: [shared], n: NaN });
  assert.equal(Object.getPrototypeOf(out), null);
  assert.equal(out.a, out.b[0]);
  assert.equal(Object.getPrototypeOf(out.a), null);
  let deep = { leaf: 1 };
  for (let i = 0; i < 20; i++) deep = { d: deep };
  const d = requestPayload(deep);
  assert.notEqual(typeof d, 'string');
  let cur = d;
  for (let i = 0; i < 20; i++) { assert.equal(Object.getPrototypeOf(cur), null); cur = cur.d; }
  assert.equal(cur.leaf, 1);
});

test('an array longer than the module takes is not read item by item: a stand-in of its length goes to the module', { timeout: 60_000 }, () => {
  let indexReads = 0;
  const huge = new Proxy(new Array(1e9), {
    getOwnPropertyDescriptor(target, key) {
      if (key !== 'length') indexReads += 1;
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
  for (const req of [{ a: huge }, { a: new Array(1e9) }]) {
    const copy = requestPayload(req);
    assert.equal(typeof copy, 'object', 'not JSON text: the module names the problem');
    assert.equal(copy.a.length, 1e9);
    assert.equal(Object.keys(copy.a).length, 0, 'no item copied');
  }
  assert.equal(indexReads, 0, 'no index of the caller\'s array was read');
  const small = copyTree({ a: new Array(3).fill(1) });
  assert.deepEqual([...small.value.a], [1, 1, 1], 'short arrays are copied as before');
});
