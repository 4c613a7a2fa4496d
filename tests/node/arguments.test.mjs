// What the ChatApi reads from its callers: options and requests as own data properties only
// (an own "__proto__" key is an unknown key, a getter runs once, a throwing getter or Proxy
// trap is a validation error naming its field), and every call argument and option checked
// with code 'validation' and a field, never ignored and never thrown synchronously by a
// method that returns a promise.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, account, seedRequest } from './sim.mjs';
import { createChatApi } from '../../web/src/node.js';

let sim;
let other; // a second simulator: the host an attacker's "__proto__" points at
before(async () => { [sim, other] = await Promise.all([startSim(), startSim()]); });
after(async () => { await Promise.all([sim.stop(), other.stop()]); });

const isValidation = (field) => (err) => {
  assert.ok(err instanceof Error, 'an Error');
  assert.equal(err.name, 'AppEngageError', err.message);
  assert.equal(err.code, 'validation', err.message);
  if (field !== undefined) assert.equal(err.field, field, err.message);
  assert.ok(Array.isArray(err.problems) && err.problems.length > 0);
  return true;
};

// Calls fn and returns its promise; a synchronous throw fails the test.
function noSyncThrow(fn) {
  let p;
  assert.doesNotThrow(() => { p = fn(); });
  assert.ok(p instanceof Promise, 'returns a promise');
  return p;
}

test('an own "__proto__" key in createChatApi options is an unknown option, never read as options', async () => {
  const acct = account();
  const text = `{"accountId": ${JSON.stringify(acct)}, "csdsDomain": ${JSON.stringify(sim.url)},
    "__proto__": {"domain": ${JSON.stringify(other.url)}, "bogus": 1}}`;
  const options = JSON.parse(text);
  assert.equal(Object.hasOwn(options, '__proto__'), true); // JSON.parse makes it an own key
  await assert.rejects(createChatApi(options), (err) => {
    isValidation('__proto__')(err);
    assert.match(err.message, /not a known field/);
    return true;
  });
  // Nothing went anywhere, least of all to the host inside "__proto__".
  assert.equal((await other.stats(acct)).createCalls, 0);
  assert.equal((await sim.stats(acct)).createCalls, 0);
});

test('createChatApi options: own data only, a getter read once, a throwing getter or trap names its field', async () => {
  const acct = account();
  let reads = 0;
  const counted = { accountId: acct, get domain() { reads += 1; return sim.url; } };
  const api = await createChatApi(counted);
  try {
    await api.getEngagement({});
    await api.getEngagement({});
    assert.equal(reads, 1);
  } finally {
    api.close();
  }
  let handlerReads = 0;
  const withHandler = { accountId: acct, domain: sim.url, get onError() { handlerReads += 1; return () => {}; } };
  const api2 = await createChatApi(withHandler);
  try {
    await api2.getEngagement({}, { timeoutMs: 5000 });
    await api2.getEngagement({ appType: 'WEB' }).catch(() => {});
    assert.equal(handlerReads, 1, 'onError is read once, not on every call');
  } finally {
    api2.close();
  }

  const boom = () => { throw new Error('boom'); };
  await assert.rejects(createChatApi({ accountId: acct, get domain() { return boom(); } }), isValidation('domain'));
  await assert.rejects(createChatApi({ accountId: acct, retry: { get delaysMs() { return boom(); } } }), isValidation('retry.delaysMs'));
  await assert.rejects(createChatApi({ accountId: acct, get fetch() { return boom(); } }), isValidation('fetch'));
  await assert.rejects(createChatApi(new Proxy({ accountId: acct }, { ownKeys: boom })), isValidation('options'));
  await assert.rejects(createChatApi(new Proxy({ accountId: acct }, { getOwnPropertyDescriptor: boom })), isValidation('accountId'));
  await assert.rejects(createChatApi(new Proxy({ accountId: acct }, { getPrototypeOf: boom })), isValidation('options'));
  const { proxy, revoke } = Proxy.revocable({ accountId: acct }, {});
  revoke();
  await assert.rejects(createChatApi(proxy), isValidation('options'));
  // A throw of a non-Error, even one whose toString throws, is still a validation error.
  await assert.rejects(createChatApi({ accountId: acct, get domain() { throw { toString: boom }; } }), isValidation('domain'));
  // Inherited options are not options: an object with a prototype is refused, not read through.
  await assert.rejects(createChatApi(Object.create({ accountId: acct, domain: other.url })), isValidation('options'));
  // A getter on a Proxy's get trap is never run: reading goes through descriptors.
  const api3 = await createChatApi(new Proxy({ accountId: acct, domain: sim.url }, { get: boom }));
  api3.close();
  assert.equal((await other.stats(acct)).createCalls, 0);
});

test('requests: own data only, each getter run once, throwing getters and traps and non-plain objects named by field', async () => {
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url });
  try {
    let reads = 0;
    const req = { get appType() { reads += 1; return 'EXTERNAL'; } };
    assert.equal((await api.getEngagement(req)).status, 'Available');
    assert.equal(reads, 1);

    const boom = () => { throw new Error('boom'); };
    const map = new Map([['os', 'MAC_OSX']]);
    Object.defineProperty(map, Symbol.toStringTag, { value: 'Object' });
    const cases = [
      [{ appDetails: map }, 'appDetails'], // a Map that calls itself Object is not sent as {}
      [{ appDetails: new (class AppDetails { os = 'MAC_OSX'; })() }, 'appDetails'],
      [{ get appType() { return boom(); } }, 'appType'],
      [{ appDetails: new Proxy({ os: 'MAC_OSX' }, { ownKeys: boom }) }, 'appDetails'],
      [{ consumerSections: new Proxy(['a'], { getOwnPropertyDescriptor: boom }) }, 'consumerSections'],
      [{ engagementAttributes: [{ type: 'lead', lead: { get topic() { return boom(); } } }] }, 'engagementAttributes[0].lead.topic'],
      [{ engagementAttributes: [{ type: 'lead', lead: { value: 10n } }] }, 'engagementAttributes[0].lead.value'],
      [{ appDetails: { toJSON: () => ({ os: 'MAC_OSX' }) } }, 'appDetails.toJSON'],
    ];
    for (const [request, field] of cases) {
      await assert.rejects(noSyncThrow(() => api.getEngagement(request)), isValidation(field), field);
    }
    assert.equal((await sim.stats(acct)).createCalls, 1);
    // The module keeps working.
    assert.equal((await api.getEngagement(seedRequest())).status, 'Available');
  } finally {
    api.close();
  }
});

test('nesting deeper than the depth limit is refused with a field, at any depth', async () => {
  const api = await createChatApi({ accountId: account(), domain: sim.url });
  try {
    // The module's one limit is core.MaxDepth (64 today); 70 levels under appDetails pass it.
    for (const levels of [70, 100, 1000, 5000, 100000]) {
      const req = { appDetails: {} };
      let cur = req.appDetails;
      for (let i = 0; i < levels; i++) cur = (cur.a = {});
      await assert.rejects(noSyncThrow(() => api.getEngagement(req)), (err) => {
        isValidation()(err);
        assert.match(err.field, /^appDetails\.a(\.a)*$/, `${levels} levels: field ${err.field}`);
        return true;
      }, `${levels} levels`);
    }
  } finally {
    api.close();
  }
});

test('call arguments and options are checked: code validation, field options.<key>, no synchronous throw', async () => {
  const acct = account();
  const errors = [];
  const api = await createChatApi({ accountId: acct, domain: sim.url, onError: (e) => errors.push(e) });
  try {
    const req = seedRequest();
    const cases = [
      [() => api.getEngagement(req, 5), 'onEngagement'],
      [() => api.getEngagement(req, 'callback'), 'onEngagement'],
      [() => api.getEngagement(req, {}, {}), 'onEngagement'],
      [() => api.getEngagement(req, () => {}, 5), 'options'],
      [() => api.getEngagement(req, () => {}, [1]), 'options'],
      [() => api.getEngagement(req, { timeoutMs: '5' }), 'options.timeoutMs'],
      [() => api.getEngagement(req, { timeoutMs: 1n }), 'options.timeoutMs'],
      [() => api.getEngagement(req, { timeoutMs: NaN }), 'options.timeoutMs'],
      [() => api.getEngagement(req, { timeout: 5 }), 'options.timeout'],
      [() => api.getEngagement(req, { signal: {} }), 'options.signal'],
      [() => api.getEngagement(req, { signal: 'abort' }), 'options.signal'],
      [() => api.getEngagement(req, { onError: 1 }), 'options.onError'],
      [() => api.getEngagement(req, { get timeoutMs() { throw new Error('boom'); } }), 'options.timeoutMs'],
      [() => api.getEngagement(req, new Proxy({}, { ownKeys() { throw new Error('boom'); } })), 'options'],
      [() => api.getEngagement(req, JSON.parse('{"__proto__": {"timeoutMs": 1}}')), 'options.__proto__'],
      [() => api.updateSession({}, { timeoutMs: '5' }), 'options.timeoutMs'],
      [() => api.updateSession({}, 7), 'options'],
    ];
    for (const [call, field] of cases) {
      await assert.rejects(noSyncThrow(call), isValidation(field), field);
    }
    await assert.rejects(api.getEngagement(req, { timeout: 5 }), (err) => {
      assert.match(err.message, /did you mean timeoutMs\?/);
      return true;
    });
    // Every failure also reached createChatApi's onError; nothing was sent.
    assert.equal(errors.length, cases.length + 1);
    assert.equal((await sim.stats(acct)).createCalls, 0);
    // The documented forms still work.
    const ac = new AbortController();
    let cb = 0;
    assert.equal((await api.getEngagement(req, () => { cb += 1; }, { signal: ac.signal, timeoutMs: 10000 })).status, 'Available');
    assert.equal((await api.getEngagement(req, { signal: ac.signal })).status, 'Available');
    assert.equal((await api.getEngagement(req, null, { timeoutMs: 10000 })).status, 'Available');
    assert.equal((await api.getEngagement(req, undefined, undefined)).status, 'Available');
    assert.equal(cb, 1);
  } finally {
    api.close();
  }
});

test('watchEngagement checks its options at once (it returns stop, not a promise)', async () => {
  const api = await createChatApi({ accountId: account(), domain: sim.url });
  try {
    const cases = [
      [() => api.watchEngagement({}, () => {}, { intervalMs: '1' }), 'options.intervalMs'],
      [() => api.watchEngagement({}, () => {}, { interval: 1000 }), 'options.interval'],
      [() => api.watchEngagement({}, () => {}, 5), 'options'],
      [() => api.watchEngagement({}, 5), 'onChange'],
      [() => api.watchEngagement({}, { intervalMs: 1000 }), 'onChange'],
      [() => api.watchEngagement({ get appType() { throw new Error('boom'); } }, () => {}), 'appType'],
    ];
    for (const [call, field] of cases) assert.throws(call, isValidation(field), field);
  } finally {
    api.close();
  }
});

test('one AbortSignal shared by many calls: no MaxListenersExceededWarning, and aborting it cancels them all', async () => {
  const warnings = [];
  const onWarning = (w) => warnings.push(w);
  process.on('warning', onWarning);
  const api = await createChatApi({ accountId: account(), domain: sim.url });
  try {
    const ac = new AbortController();
    const done = await Promise.all(Array.from({ length: 30 }, () => api.getEngagement({}, { signal: ac.signal })));
    assert.equal(done.length, 30);
    // Many calls under way at once on one signal, then one abort ends them all.
    const acct2 = account();
    const slow = await createChatApi({ accountId: acct2, domain: sim.url });
    await sim.scenario(acct2, { delayMs: 2000 });
    const ac2 = new AbortController();
    const calls = Array.from({ length: 30 }, () => slow.getEngagement({}, { signal: ac2.signal }));
    setTimeout(() => ac2.abort(), 100);
    const settled = await Promise.allSettled(calls);
    assert.deepEqual(new Set(settled.map((r) => r.reason?.code)), new Set(['aborted']));
    slow.close();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message), []);
  } finally {
    process.off('warning', onWarning);
    api.close();
  }
});

test('an array longer than the module takes (a sparse new Array(1e9)) is refused by its field, unread, in a request and in options; the module lives on', { timeout: 60_000 }, async () => {
  const api = await createChatApi({ accountId: account(), domain: sim.url });
  try {
    await assert.rejects(noSyncThrow(() => api.getEngagement({ appType: 'EXTERNAL', engagementAttributes: new Array(1e9) })), (err) => {
      isValidation('engagementAttributes')(err);
      assert.match(err.problems[0].message, /too many values \(more than 20000\)/);
      return true;
    });
    const { vid, sid, ...request } = seedRequest();
    assert.equal((await api.getEngagement(request)).status, 'Available', 'the next good call works');
  } finally {
    api.close();
  }
  await assert.rejects(createChatApi({ accountId: account(), domain: sim.url, retry: { delaysMs: new Array(1e9) } }), (err) => {
    isValidation('retry.delaysMs')(err);
    assert.match(err.problems[0].message, /at most 20000 items, not 1000000000/);
    return true;
  });
});
