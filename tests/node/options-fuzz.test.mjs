// Property-based fuzzing of what the ChatApi reads from callers (the reading happens in JS,
// in web/src/chatapi.js, so this is a Node loop rather than a Go Fuzz target). A fixed seed
// makes every run the same; FUZZ_SEED and FUZZ_RUNS pick another seed or more runs, and a
// failure prints the seed and the case number to replay it.
//
// Properties, for createChatApi's options, call options and requests made of hostile values
// (own "__proto__" keys, getters that count or throw, Proxies whose traps throw, revoked
// Proxies, Maps calling themselves Object, class instances, bigints, symbols, cycles, holes,
// deep nesting):
// - reading never throws anything but an AppEngageError with code 'validation', a string
//   field and problems; a method returning a promise never throws synchronously;
// - no getter runs more than once per read;
// - what reaches the module is own data only: null-prototype copies whose keys were own keys;
// - through the module, every call settles with a response or a coded error, never 'internal',
//   and the next good call works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { startSim, account } from './sim.mjs';
import { createChatApi } from '../../web/src/node.js';
import { readCreateOptions, requestPayload } from '../../web/src/chatapi.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const MODULE_RUNS = Math.max(50, Math.floor(RUNS / 15));

// mulberry32: a small, good-enough deterministic generator.
function generator(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (xs) => xs[int(xs.length)];
  return { next, int, pick };
}

const KEYS = ['accountId', 'domain', 'csdsDomain', 'retry', 'delaysMs', 'attemptTimeoutMs', 'domainTTLMs', 'storage',
  'file', 'onError', 'onEngagement', 'fetch', 'methodOverride', 'wasmURL', 'timeoutMs', 'timeout', 'signal',
  'intervalMs', 'appType', 'appDetails', 'os', 'consumerSections', 'engagementAttributes', 'type', 'personal',
  '__proto__', 'constructor', 'prototype', 'toJSON', 'valueOf', 'then', 'length', '0', ''];

class Counter {
  constructor() { this.max = 0; this.counts = new Map(); }
  hit(id) {
    const n = (this.counts.get(id) ?? 0) + 1;
    this.counts.set(id, n);
    if (n > this.max) this.max = n;
  }
  reset() { this.max = 0; this.counts.clear(); }
}

// Builds a hostile value; counter records getter calls.
function hostile(r, counter, depth = 0) {
  const boom = () => { throw r.pick([new Error('boom'), 'a string', undefined, { toString() { throw new Error('again'); } }]); };
  const leaf = () => r.pick([
    () => 'x', () => '', () => '__proto__', () => r.int(100000), () => -0, () => NaN, () => Infinity, () => 1e308,
    () => 1.5, () => -1, () => 10n, () => Symbol('s'), () => undefined, () => null, () => true, () => false,
    () => () => {}, () => new Date(0), () => /re/, () => new Uint8Array(2), () => new AbortController().signal,
    () => { const m = new Map([['a', 1]]); Object.defineProperty(m, Symbol.toStringTag, { value: 'Object' }); return m; },
    () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; },
    () => new (class Thing { a = 1; })(),
  ])();
  if (depth > 4 || r.next() < 0.35) return leaf();
  const kind = r.int(6);
  if (kind === 0) {
    const n = r.int(4);
    const a = [];
    for (let i = 0; i < n; i++) if (r.next() < 0.9) a[i] = hostile(r, counter, depth + 1);
    if (r.next() < 0.2) a.length += 1; // a hole at the end
    return a;
  }
  if (kind === 1) {
    // JSON.parse makes "__proto__" an own key.
    const inner = JSON.stringify({ domain: 'http://127.0.0.1:1', bogus: r.int(9) });
    return JSON.parse(`{"__proto__": ${inner}, "${r.pick(KEYS).replace(/"/g, '')}": 1}`);
  }
  const obj = kind === 2 ? Object.create(null) : {};
  const n = r.int(5);
  for (let i = 0; i < n; i++) {
    const key = r.pick(KEYS);
    const id = `${depth}:${i}:${key}:${r.int(1e9)}`;
    const roll = r.next();
    if (roll < 0.15) {
      const value = hostile(r, counter, depth + 1);
      Object.defineProperty(obj, key, { enumerable: true, configurable: true, get() { counter.hit(id); return value; } });
    } else if (roll < 0.22) {
      Object.defineProperty(obj, key, { enumerable: true, configurable: true, get() { counter.hit(id); return boom(); } });
    } else if (roll < 0.27) {
      Object.defineProperty(obj, key, { enumerable: false, configurable: true, value: 1 });
    } else {
      Object.defineProperty(obj, key, { enumerable: true, configurable: true, writable: true, value: hostile(r, counter, depth + 1) });
    }
  }
  if (r.next() < 0.15) obj[Symbol('k')] = 1;
  const cycle = r.next() < 0.1;
  let out = obj;
  if (kind === 3) {
    const trap = r.pick(['ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'get', 'has', 'isExtensible']);
    out = new Proxy(obj, { [trap]: boom });
  }
  if (cycle) obj.self = out; // a cycle (through the Proxy when there is one)
  return out;
}

// v with accountId (and extra) added as own properties, without running v's getters or traps
// (a spread would run them here, and a copy would share v's getters with v).
function withAccount(accountId, v, extra = {}) {
  const props = { accountId, ...extra };
  if (v === null || typeof v !== 'object') return props;
  try {
    for (const [k, value] of Object.entries(props)) {
      Object.defineProperty(v, k, { value, enumerable: true, writable: true, configurable: true });
    }
    return v;
  } catch {
    return props; // a Proxy trap threw
  }
}

// A validation error with its problems, each with a field unless the request as a whole is
// refused (a number, a function...) or the key is '' (the module reports those without one).
function assertCodedValidation(err, where) {
  assert.ok(err instanceof Error, `${where}: an Error, got ${typeof err}`);
  assert.equal(err.code, 'validation', `${where}: ${err.message}`);
  if (err.problems?.[0]?.field) assert.equal(err.field, err.problems[0].field, `${where}: a field: ${err.message}`);
  assert.ok(Array.isArray(err.problems) && err.problems.length > 0, `${where}: problems`);
  for (const p of err.problems) {
    if (p.field !== undefined) assert.equal(typeof p.field, 'string', where);
    assert.equal(typeof p.message, 'string', where);
  }
}

// Every object in v is null-prototype (or an array), down to plain values.
function assertOwnCopy(v, where, seen = new Set()) {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  if (!Array.isArray(v)) assert.equal(Object.getPrototypeOf(v), null, `${where}: a null-prototype copy`);
  for (const k of Object.keys(v)) assertOwnCopy(v[k], where, seen);
}

test(`the readers (seed ${SEED}, ${RUNS} runs): coded validation errors only, getters once, own-data copies`, () => {
  const r = generator(SEED);
  const counter = new Counter();
  for (let i = 0; i < RUNS; i++) {
    const where = `seed ${SEED} case ${i}`;
    const options = r.next() < 0.5 ? hostile(r, counter) : withAccount('acct', hostile(r, counter, 1));
    counter.reset();
    try {
      const { config } = readCreateOptions(options);
      assertOwnCopy(config, where);
      assert.equal(Object.getPrototypeOf(config), null);
      for (const k of Object.keys(config)) assert.ok(Object.hasOwn(options, k), `${where}: ${k} is an own key`);
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      assertCodedValidation(err, where);
    }
    assert.ok(counter.max <= 1, `${where}: a getter of createChatApi's options ran ${counter.max} times`);

    const request = hostile(r, counter);
    counter.reset();
    try {
      const payload = requestPayload(request);
      if (typeof payload === 'string') JSON.parse(payload);
      else assertOwnCopy(payload, where);
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      assertCodedValidation(err, where);
    }
    assert.ok(counter.max <= 1, `${where}: a getter of the request ran ${counter.max} times`);
  }
});

let sim;
before(async () => { sim = await startSim(); });
after(async () => { await sim.stop(); });

const CODES = new Set(['validation', 'unauthorized', 'not_found', 'bad_request', 'rate_limited', 'server', 'network',
  'domain_lookup', 'aborted', 'timeout']);

test(`through the module (seed ${SEED}, ${MODULE_RUNS} runs): every call settles coded, never internal, and the next good call works`, async () => {
  const r = generator(SEED + 1);
  const counter = new Counter();
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url, retry: { delaysMs: [] }, attemptTimeoutMs: 5000 });
  try {
    for (let i = 0; i < MODULE_RUNS; i++) {
      const where = `seed ${SEED + 1} case ${i}`;
      const request = r.next() < 0.3 ? {} : hostile(r, counter);
      const options = r.next() < 0.3 ? undefined : hostile(r, counter);
      let p;
      assert.doesNotThrow(() => { p = api.getEngagement(request, options); }, where);
      try {
        await p;
      } catch (err) {
        const input = () => inspect({ request, options }, { depth: 4, showProxy: true, getters: false });
        assert.ok(err instanceof Error, `${where}: an Error`);
        assert.ok(CODES.has(err.code), `${where}: code ${err.code}: ${err.message}\n${input()}`);
        if (err.code === 'validation') assertCodedValidation(err, where);
      }
      // createChatApi with hostile options: validation, or a ChatApi.
      const options2 = r.next() < 0.5 ? hostile(r, counter) : withAccount(account(), hostile(r, counter, 1), { domain: sim.url });
      try {
        (await createChatApi(options2)).close();
      } catch (err) {
        assertCodedValidation(err, `${where} (createChatApi)`);
      }
    }
    assert.equal((await api.getEngagement({ appType: 'EXTERNAL' })).status, 'Available');
  } finally {
    api.close();
  }
});
