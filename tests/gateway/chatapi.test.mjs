// The npm package's Node entry (createChatApi from web/) pointed at the gateway Worker on
// workerd, unchanged: as msdkgw (domain) and as CSDS (csdsDomain). Started by
// TestChatApiPackageThroughGateway with the gateway and simulator URLs in the environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createChatApi } from '../../web/src/node.js';

const { GATEWAY_URL, SIM_URL, ACCOUNT, SEED_FILE } = process.env;

async function simStats() {
  const res = await fetch(`${SIM_URL}/sim/v1/stats?account=${ACCOUNT}`);
  return res.json();
}

// LivePerson's documented getEngagement request, taken verbatim from the seed.
async function seedRequest() {
  const text = await readFile(SEED_FILE, 'utf8');
  const start = text.indexOf('ChatApi.getEngagement(') + 'ChatApi.getEngagement('.length;
  return JSON.parse(text.slice(start, text.indexOf('});', start) + 1));
}

test('getEngagement and updateSession through the gateway as msdkgw', async () => {
  const api = await createChatApi({ accountId: ACCOUNT, domain: GATEWAY_URL, retry: { delaysMs: [50, 50, 50] } });
  try {
    const before = await simStats();
    const first = await api.getEngagement(await seedRequest());
    assert.equal(first.status, 'Available');
    assert.equal(first.engagementDetails.campaignId, '3346848610');
    assert.equal(first.engagementDetails.validForSeconds, 900);

    // The stored session is reused on the next call: same visitor, same session.
    const again = await api.getEngagement({ appType: 'EXTERNAL', consumerSections: ['Support'] });
    assert.equal(again.visitorId, first.visitorId);
    assert.equal(again.sessionId, first.sessionId);
    const session = await api.session();
    assert.equal(session.pageId, again.pageId);

    await api.updateSession({ impAttributes: [api.impression('impDisplay', again.engagementDetails)] });

    const after = await simStats();
    assert.equal(after.createCalls - before.createCalls, 2);
    assert.equal(after.updateCalls - before.updateCalls, 1);
    assert.equal(after.impressions.impDisplay - before.impressions.impDisplay, 1);
    assert.equal(after.sdeTypes.personal - (before.sdeTypes.personal ?? 0), 1, "the seed's personal SDE reached the simulator");
  } finally {
    api.close();
  }
});

test('the gateway answers CSDS with itself (csdsDomain)', async () => {
  const api = await createChatApi({ accountId: ACCOUNT, csdsDomain: GATEWAY_URL });
  try {
    const before = await simStats();
    const res = await api.getEngagement({ appType: 'EXTERNAL' });
    assert.equal(res.status, 'Available');
    const after = await simStats();
    assert.equal(after.createCalls - before.createCalls, 1);
    assert.equal(after.csdsCalls - before.csdsCalls, 0, "the simulator's CSDS was not asked: the gateway named itself");
  } finally {
    api.close();
  }
});

test('an invalid request is refused by the package before it reaches the gateway', async () => {
  const api = await createChatApi({ accountId: ACCOUNT, domain: GATEWAY_URL });
  try {
    const before = await simStats();
    await assert.rejects(api.getEngagement({ appType: 'EXTERNAL', appDetails: { os: 'BEOS' } }), (err) => err.code === 'validation');
    assert.equal((await simStats()).createCalls, before.createCalls);
  } finally {
    api.close();
  }
});

async function setScenario(scenario) {
  const res = await fetch(`${SIM_URL}/sim/v1/accounts/${ACCOUNT}`, { method: 'PUT', body: JSON.stringify(scenario) });
  assert.equal(res.status, 200);
}

// The chain as deployed, with production defaults on both sides (no retry option: LivePerson's
// 1 + 3 attempts pausing 5, 10 and 15 s; the gateway's one upstream attempt per request):
// what reaches the upstream per user call, and what the caller is told.
test('chain with production defaults: 503 forever is 4 upstream attempts and server/503', async () => {
  await setScenario({ failCalls: 1000, failStatus: 503 });
  const api = await createChatApi({ accountId: ACCOUNT, domain: GATEWAY_URL });
  try {
    const before = await simStats();
    const started = Date.now();
    await assert.rejects(api.getEngagement({ appType: 'EXTERNAL' }), (err) => {
      assert.equal(err.code, 'server');
      assert.equal(err.status, 503);
      return true;
    });
    const elapsed = Date.now() - started;
    assert.equal((await simStats()).createCalls - before.createCalls, 4, '1 + 3 upstream attempts for the whole chain');
    console.log(`503 forever via ChatApi → workerd gateway → simulator: 4 upstream attempts, server/503 after ${elapsed} ms`);
  } finally {
    api.close();
    await setScenario({});
  }
});

test('chain with production defaults: loading account, then served with the vid it named', async () => {
  await setScenario({ loadingCalls: 1 });
  const api = await createChatApi({ accountId: ACCOUNT, domain: GATEWAY_URL });
  try {
    const before = await simStats();
    const res = await api.getEngagement({ appType: 'EXTERNAL' });
    assert.equal(res.status, 'Available');
    const after = await simStats();
    assert.equal(after.createCalls - before.createCalls, 2, 'the loading answer and one retry');
    assert.equal(after.visitors - before.visitors, 1, 'the retry reused the visitor the loading answer named');
  } finally {
    api.close();
    await setScenario({});
  }
});
