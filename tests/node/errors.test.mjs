// Bad input: validation errors name their fields and send nothing; garbage from JS is
// refused without harming the module; option errors; onError.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startSim, account, seedRequest } from './sim.mjs';
import { createChatApi } from '../../web/src/node.js';

let sim;
before(async () => { sim = await startSim(); });
after(async () => { await sim.stop(); });

const isValidation = (field) => (err) => {
  assert.ok(err instanceof Error, 'an Error');
  assert.equal(err.code, 'validation', err.message);
  if (field !== undefined) assert.equal(err.field, field, err.message);
  return true;
};

test('every problem of a request is reported at once, by field, and nothing is sent', async () => {
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url });
  try {
    const req = seedRequest();
    req.appType = 'WEB';
    req.appDetails.os = 'BEOS';
    req.engagementAttributes[0].personal.age.age = 30.7;
    req.engagementAttributes[0].personal.contacts[1].phoneType = 'CARRIER_PIGEON';
    req.engagementAttributes.push({ type: 'impDisplay', campaign: 1, engId: 2, revision: 3 });
    req.consumerSection = ['x']; // a near-miss of consumerSections: refused (unknown fields pass through unless strict)
    await assert.rejects(api.getEngagement(req), (err) => {
      isValidation()(err);
      const fields = err.problems.map((p) => p.field);
      for (const f of ['appType', 'appDetails.os', 'engagementAttributes[0].personal.age.age',
        'engagementAttributes[0].personal.contacts[1].phoneType', 'engagementAttributes[1].type', 'consumerSection']) {
        assert.ok(fields.includes(f), `${f} in ${fields}`);
      }
      assert.equal(err.field, err.problems[0].field);
      assert.equal(err.status, undefined);
      return true;
    });
    await assert.rejects(api.getEngagement({ vid: 'not a valid id!' }), isValidation('vid'));
    await assert.rejects(api.getEngagement({ sid: 'x'.repeat(129) }), isValidation('sid'));
    await assert.rejects(api.getEngagement({ appDetails: { ipAddress: '300.1.2.3' } }), isValidation('appDetails.ipAddress'));
    await assert.rejects(api.getEngagement({ engagementAttributes: [{ type: 'cart', total: '12', numItems: 1.5 }] }), (err) => {
      isValidation()(err);
      assert.deepEqual(err.problems.map((p) => p.field).sort(), ['engagementAttributes[0].numItems', 'engagementAttributes[0].total']);
      return true;
    });
    const stats = await sim.stats(acct);
    assert.equal(stats.createCalls, 0);
    assert.equal(stats.csdsCalls, 0);
  } finally {
    api.close();
  }
});

test('garbage from JS is refused by field and the module keeps working', async () => {
  const acct = account();
  const api = await createChatApi({ accountId: acct, domain: sim.url });
  const cyclic = { appType: 'EXTERNAL', appDetails: {} };
  cyclic.appDetails.self = cyclic;
  const deep = {};
  let cur = deep;
  for (let i = 0; i < 200; i++) cur = (cur.a = {});
  const cases = [
    [null, undefined], [undefined, undefined], [42, undefined], ['EXTERNAL', undefined], [true, undefined],
    [[], undefined], [[seedRequest()], undefined],
    [{ appType: 5 }, 'appType'],
    [{ consumerSections: 'Support' }, 'consumerSections'],
    [{ consumerSections: ['a', 1] }, 'consumerSections[1]'],
    [{ consumerSections: ['a', , 'b'] }, 'consumerSections[1]'], // eslint-disable-line no-sparse-arrays
    [{ consumerSections: ['a', undefined] }, 'consumerSections[1]'],
    [{ engagementAttributes: [{ type: 'lead', lead: { value: NaN } }] }, 'engagementAttributes[0].lead.value'],
    [{ engagementAttributes: [{ type: 'lead', lead: { value: Infinity } }] }, 'engagementAttributes[0].lead.value'],
    [{ engagementAttributes: [{ type: 'lead', lead: { value: 10n } }] }, 'engagementAttributes[0].lead.value'],
    [{ engagementAttributes: [{ type: 'lead', lead: { topic: () => 'x' } }] }, 'engagementAttributes[0].lead.topic'],
    [{ engagementAttributes: [{ type: 'lead', lead: { topic: Symbol('x') } }] }, 'engagementAttributes[0].lead.topic'],
    [{ appDetails: { appVersion: new Date() } }, 'appDetails.appVersion'],
    [{ appDetails: new Map() }, 'appDetails'],
    [{ engagementAttributes: new Uint8Array(2) }, 'engagementAttributes'],
    [cyclic, 'appDetails.self'],
    [deep, undefined],
    [{ get appType() { throw new Error('boom'); } }, 'appType'],
    [new Proxy({}, { ownKeys() { throw new Error('trap'); } }), undefined],
  ];
  try {
    for (const [value, field] of cases) {
      await assert.rejects(api.getEngagement(value), isValidation(field), `for ${String(value)}`);
    }
    assert.equal((await sim.stats(acct)).createCalls, 0, 'nothing was sent');
    const ok = await api.getEngagement(seedRequest());
    assert.equal(ok.status, 'Available', 'the module still works');
    // Garbage in the other entry points too.
    await assert.rejects(api.updateSession(null), isValidation());
    await assert.rejects(api.updateSession({ impAttributes: 'x' }), isValidation('impAttributes'));
    assert.throws(() => api.impression(42, {}), isValidation('type'));
    assert.throws(() => api.impression('impDisplay', null), isValidation('engagementDetails'));
    assert.throws(() => api.watchEngagement(cyclic, () => {}), isValidation('appDetails.self'));
    assert.throws(() => api.watchEngagement({}, 'not a function'), isValidation('onChange'));
    await assert.rejects(api.getEngagement({}, { timeoutMs: 1.5 }), isValidation('options.timeoutMs'));
    assert.equal((await api.getEngagement({})).status, 'Available');
  } finally {
    api.close();
  }
});

test('createChatApi refuses bad options by field', async () => {
  const bad = [
    [{}, 'accountId'],
    [{ accountId: 'has space' }, 'accountId'],
    [{ accountId: 12345 }, 'accountId'],
    [{ accountId: 'a', bogus: 1 }, 'bogus'],
    [{ accountId: 'a', domain: 'http://example.com' }, 'domain'],
    [{ accountId: 'a', csdsDomain: 42 }, 'csdsDomain'],
    [{ accountId: 'a', retry: { delaysMs: [1.5] } }, 'retry.delaysMs[0]'],
    [{ accountId: 'a', retry: { delaysMs: [100, null] } }, 'retry.delaysMs[1]'],
    [{ accountId: 'a', retry: { delaysMs: [-1] } }, 'retry.delaysMs[0]'],
    [{ accountId: 'a', retry: { delays: [1] } }, 'retry.delays'],
    [{ accountId: 'a', retry: [1] }, 'retry'],
    [{ accountId: 'a', attemptTimeoutMs: '5' }, 'attemptTimeoutMs'],
    [{ accountId: 'a', onEngagement: 'x' }, 'onEngagement'],
    [{ accountId: 'a', storage: 'cookies' }, 'storage'],
    [{ accountId: 'a', storage: 'localStorage' }, 'storage'], // Node has none
    [null, 'options'],
  ];
  for (const [options, field] of bad) {
    await assert.rejects(createChatApi(options), isValidation(field), JSON.stringify(options));
  }
  // Every problem at once, not one per attempt.
  await assert.rejects(createChatApi({ accountId: 'bad id', domain: 'http://example.com', retry: { delaysMs: [1.5] }, storage: 'cookies' }), (err) => {
    isValidation()(err);
    assert.deepEqual(err.problems.map((p) => p.field).sort(), ['accountId', 'domain', 'retry.delaysMs[0]', 'storage']);
    return true;
  });
});

test('onError from createChatApi receives failures; the returned promise still rejects', async () => {
  const acct = account();
  const errors = [];
  const responses = [];
  const api = await createChatApi({
    accountId: acct, domain: sim.url,
    onEngagement: (r) => responses.push(r), onError: (e) => errors.push(e),
  });
  try {
    // Fire and forget, as in LivePerson's example: no unhandled rejection, onError is told.
    api.getEngagement({ appType: 'WEB' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'validation');
    assert.equal(errors[0].field, 'appType');
    await assert.rejects(api.getEngagement({ appType: 'WEB' }), isValidation('appType'));
    assert.equal(errors.length, 2);
    await api.getEngagement({});
    assert.equal(responses.length, 1);

  } finally {
    api.close();
  }
  await assert.rejects(api.getEngagement({}), (err) => err.code === 'aborted');
});

test('a throwing callback does not break the call; its error is rethrown on its own, like an exception in an event listener', async () => {
  const script = `
    import { createChatApi } from ${JSON.stringify(new URL('../../web/src/node.js', import.meta.url).href)};
    process.on('uncaughtException', (e) => console.log('uncaught:' + e.message));
    const api = await createChatApi({ accountId: ${JSON.stringify(account())}, domain: ${JSON.stringify(sim.url)} });
    const r = await api.getEngagement({}, () => { throw new Error('callback bug'); });
    console.log('resolved:' + r.status);
    await new Promise((r) => setTimeout(r, 50));
    api.close();`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 30000 });
  assert.deepEqual(stdout.trim().split('\n').sort(), ['resolved:Available', 'uncaught:callback bug']);
});
