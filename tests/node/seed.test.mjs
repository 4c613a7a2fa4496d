// LivePerson's documented getEngagement example, verbatim, through every way of loading the
// package: ESM import, CommonJS require, callback and promise forms.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startSim, account, seedRequest, repoRoot, web } from './sim.mjs';
import { createChatApi, VERSION } from '../../web/src/node.js';

let sim;
before(async () => { sim = await startSim(); });
after(async () => { await sim.stop(); });

function assertAvailable(r) {
  assert.equal(r.status, 'Available');
  for (const k of ['visitorId', 'sessionId', 'pageId']) assert.match(r[k], /^[A-Za-z0-9_.:-]{1,128}$/, k);
  assert.deepEqual(Object.keys(r.engagementDetails).sort(), ['campaignId', 'contextId', 'engagementId', 'engagementRevision', 'language', 'skillId', 'skillName', 'validForSeconds', 'windowId']);
  assert.equal(typeof r.engagementDetails.engagementRevision, 'number');
  assert.equal(r.engagementDetails.validForSeconds, 900);
}

test('callback form: onEngagement from createChatApi receives the response of the verbatim example', async () => {
  const acct = account();
  let resolveCb;
  const got = new Promise((r) => { resolveCb = r; });
  const ChatApi = await createChatApi({ accountId: acct, csdsDomain: sim.url, onEngagement: (r) => resolveCb(r) });
  try {
    ChatApi.getEngagement({
        "appType": "EXTERNAL",
        "vid": "123",
        "sid": "456",
        "appDetails": {
            "os": "MAC_OSX",
            "osVersion": "1.2",
            "appVersion": "1.0",
            "deviceFamily": "MOBILE",
            "ipAddress": "192.168.5.2"
        },
        "consumerSections": [
            "Support",
            "English",
            "Other"
        ],
        "engagementAttributes": [
            {
                "type": "personal",
                "personal": {
                    "contacts": [{"email": "test.com", "phone": "12345678"}, {"email": "test2.co.il", "phone": "98765430"}],
                    "age": {
                        "age": 30.0,
                        "year": 1985,
                        "month": 7,
                        "day": 22
                    },
                    "firstname": "test",
                    "lastname": "test2",
                    "gender": "FEMALE",
                    "company": "liveperson"
                }
            }
        ]
    });
    assertAvailable(await got);
    const stats = await sim.stats(acct);
    assert.equal(stats.createCalls, 1);
    assert.deepEqual(stats.sdeTypes, { personal: 1 });
  } finally {
    ChatApi.close();
  }
});

test('promise form, with the callback as an argument: the body sent is the example exactly, minus vid and sid', async () => {
  const acct = account();
  const bodies = [];
  const urls = [];
  // An observer around the real fetch (no mock): it records what goes on the wire.
  const observe = (url, init) => { urls.push(url); if (init.body) bodies.push(init.body); return fetch(url, init); };
  const ChatApi = await createChatApi({ accountId: acct, domain: sim.url, fetch: observe });
  try {
    let fromCallback;
    const r = await ChatApi.getEngagement(seedRequest(), (resp) => { fromCallback = resp; });
    assertAvailable(r);
    assert.equal(fromCallback, r);
    const { vid, sid, ...body } = seedRequest();
    assert.equal(bodies.length, 1);
    assert.deepEqual(JSON.parse(bodies[0]), body);
    assert.match(urls[0], new RegExp(`/api/account/${acct}/app/engagement/visitors/123\\?v=1\\.0&sid=456$`));
    // The response is the server's object as sent, including its key order.
    assert.deepEqual(await ChatApi.session(), { vid: r.visitorId, sid: r.sessionId, pageId: r.pageId });
  } finally {
    ChatApi.close();
  }
});

test('CommonJS require(web) gets an engagement with the example (fresh process)', async () => {
  const script = `
    const { createChatApi, VERSION } = require(${JSON.stringify(new URL('.', web).pathname)});
    (async () => {
      const ChatApi = await createChatApi({ accountId: ${JSON.stringify(account())}, csdsDomain: ${JSON.stringify(sim.url)} });
      const r = await ChatApi.getEngagement(${JSON.stringify(seedRequest())});
      console.log(JSON.stringify({ version: VERSION, status: r.status }));
      ChatApi.close();
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: repoRoot, timeout: 30000 });
  assert.deepEqual(JSON.parse(stdout), { version: VERSION, status: 'Available' });
});

test('the version is the same in package.json, the loader and the wasm module', async () => {
  const pkg = createRequire(import.meta.url)('../../web/package.json');
  assert.equal(VERSION, pkg.version);
  // createChatApi refuses a module of another version; reaching here with a working
  // ChatApi proves the built module reports the same one.
  const ChatApi = await createChatApi({ accountId: account(), domain: sim.url });
  ChatApi.close();
});
