// The module keeps the last getEngagement request it prepared (validated, body encoded) and
// uses it again when the next request's JSON text is the same. These tests check, against a
// real HTTP server on 127.0.0.1 that records every body it receives, that this never sends
// a stale request: a request changed in place between calls, alternating requests racing
// each other, and a refused request between good ones.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createChatApi } from '../../web/src/node.js';
import { seedRequest } from './sim.mjs';

let server;
let base;
const bodies = [];
before(async () => {
  let n = 0;
  server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { text += c; });
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      n += 1;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ status: 'NotAvailable', visitorId: 'V1', sessionId: 'S1', pageId: String(1000 + n) }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((resolve) => server.close(resolve)));

const take = () => bodies.splice(0, bodies.length);

test('a request changed in place between calls is sent as it is at each call', async () => {
  const api = await createChatApi({ accountId: 'prepared1', domain: base, storage: 'memory' });
  try {
    take();
    const { vid, sid, ...request } = seedRequest();
    await api.getEngagement(request);
    await api.getEngagement(request); // the same text: the prepared request is used again
    request.consumerSections.push('Billing');
    await api.getEngagement(request);
    request.appDetails.appVersion = '2.0';
    await api.getEngagement(request);
    request.engagementAttributes[0].personal.contacts[1].phone = '11111111';
    await api.getEngagement(request);
    delete request.appDetails;
    await api.getEngagement(request);
    const sent = take();
    assert.equal(sent.length, 6);
    assert.deepEqual(sent[0], sent[1]);
    assert.deepEqual(sent[2].consumerSections, ['Support', 'English', 'Other', 'Billing']);
    assert.equal(sent[2].appDetails.appVersion, '1.0');
    assert.equal(sent[3].appDetails.appVersion, '2.0');
    assert.equal(sent[3].engagementAttributes[0].personal.contacts[1].phone, '98765430');
    assert.equal(sent[4].engagementAttributes[0].personal.contacts[1].phone, '11111111');
    assert.equal(sent[5].appDetails, undefined);
    assert.deepEqual(sent[5].consumerSections, ['Support', 'English', 'Other', 'Billing']);
  } finally {
    api.close();
  }
});

test('concurrent calls with two requests each send their own', async () => {
  const api = await createChatApi({ accountId: 'prepared2', domain: base, storage: 'memory' });
  try {
    await api.getEngagement({}); // the session first, so the calls below need not wait for it
    take();
    const a = { consumerSections: ['A'] };
    const b = { consumerSections: ['B'], appDetails: { os: 'LINUX' } };
    const calls = [];
    for (let i = 0; i < 40; i++) calls.push(api.getEngagement(i % 3 === 0 ? b : a));
    await Promise.all(calls);
    const sent = take();
    assert.equal(sent.length, 40);
    const count = (s) => sent.filter((x) => x.consumerSections[0] === s).length;
    assert.equal(count('B'), 14);
    assert.equal(count('A'), 26);
    for (const x of sent) {
      if (x.consumerSections[0] === 'B') assert.deepEqual(x.appDetails, { os: 'LINUX' });
      else assert.equal(x.appDetails, undefined);
    }
  } finally {
    api.close();
  }
});

test('a refused request is refused every time, and does not disturb the good one', async () => {
  const api = await createChatApi({ accountId: 'prepared3', domain: base, storage: 'memory' });
  try {
    take();
    const good = { consumerSections: ['Support'] };
    const bad = { appDetails: { os: 'WINDOWS95' } };
    await api.getEngagement(good);
    for (let i = 0; i < 3; i++) {
      await assert.rejects(api.getEngagement(bad), (err) => err.code === 'validation' && err.field === 'appDetails.os');
      await api.getEngagement(good);
    }
    const sent = take();
    assert.equal(sent.length, 4);
    for (const x of sent) assert.deepEqual(x, { appType: 'EXTERNAL', consumerSections: ['Support'] });
  } finally {
    api.close();
  }
});
