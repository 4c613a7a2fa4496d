// Real-Chromium tests of the watcher's manners (web/src/watch-browser.js), through
// <appengage-chat-button> and so through ChatApi.watchEngagement: tabs of one origin make
// the requests of one watcher and a closed leader is replaced; a hidden page and an offline
// browser ask nothing until shown / online; failures in a row back off. Requests are
// counted on the simulator and in each page's own resource timing (which lists every fetch
// the page made, so it tells which tab asked).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSimulator, launchChromium, openPage, setScenario, stats, uniqueAccount,
} from './harness.mjs';
import { buttonPackage, startButtonServer } from './button-package.mjs';
import { pauseAfter, changeKey, MAX_BACKOFF_MS } from '../../web/src/watch-browser.js';

let sim;
let server;
let browser;
let pkg;

before(async () => {
  pkg = await buttonPackage();
  console.log(`the package under test: ${pkg.what}`);
  sim = await startSimulator();
  server = await startButtonServer(sim.url, pkg.dir);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sim?.stop();
  pkg?.remove();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pageURL(account, params = {}) {
  // no-impressions: every request of these pages is then a Create Session.
  const q = new URLSearchParams({ account, interval: '1', noimp: '1', ...params });
  return `${server.url}/?${q}`;
}

async function waitState(page, want, timeout = 30_000) {
  await page.locator(`appengage-chat-button[state="${want}"]`).waitFor({ state: 'attached', timeout });
}

/** Create Session fetches this page made (every attempt is one resource-timing entry). */
const asked = (page) => page.evaluate(() => performance.getEntriesByType('resource')
  .filter((e) => e.name.includes('/app/engagement/visitors')).length);

async function until(what, fn, timeout = 30_000) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// Headless Chromium reports every page as visible whatever is done to its window or tab
// (checked: background tabs, minimised windows, focus emulation off, also headful under
// Xvfb), so the page's visibility is driven here: document.visibilityState/hidden answer
// what the test says and visibilitychange fires, as the browser does when a tab is hidden.
async function openWithVisibility(url, { hidden }) {
  const page = await openPage(browser.context);
  await page.addInitScript((startHidden) => {
    let isHidden = startHidden;
    Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (isHidden ? 'hidden' : 'visible') });
    Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => isHidden });
    window.__setHidden = (h) => {
      isHidden = h;
      document.dispatchEvent(new Event('visibilitychange'));
    };
  }, hidden);
  await page.goto(url);
  return page;
}

test('pauseAfter: the interval, capped by validForSeconds while Available, doubled per failure up to 5 min', () => {
  const err = { code: 'server' };
  const avail = (vfs) => ({ status: 'Available', engagementDetails: { validForSeconds: vfs } });
  assert.equal(pauseAfter(1000, { status: 'NotAvailable' }, null, 0), 1000);
  assert.equal(pauseAfter(0, { status: 'NotAvailable' }, null, 0), 60_000, '0 means the default');
  assert.equal(pauseAfter(60_000, avail(10), null, 0), 8000);
  assert.equal(pauseAfter(60_000, avail(1), null, 0), 1000, 'never under a second');
  assert.equal(pauseAfter(5000, avail(900), null, 0), 5000);
  assert.deepEqual([1, 2, 3, 4].map((n) => pauseAfter(1000, null, err, n)), [2000, 4000, 8000, 16000]);
  assert.equal(pauseAfter(60_000, null, err, 3), MAX_BACKOFF_MS);
  assert.equal(pauseAfter(60_000, null, err, 1000), MAX_BACKOFF_MS, 'no overflow');
  assert.equal(pauseAfter(10 * 60_000, null, err, 2), 10 * 60_000, 'never shorter than the interval');
  assert.notEqual(changeKey({ status: 'Available', engagementDetails: { engagementRevision: 1 } }),
    changeKey({ status: 'Available', engagementDetails: { engagementRevision: 2 } }));
  assert.equal(changeKey(null, { code: 'network' }), changeKey(null, { code: 'network', message: 'other' }));
});

test('two tabs of one origin: one asks, both show its answers; the other takes over when it closes', async () => {
  const account = uniqueAccount('tabs');
  const a = await openPage(browser.context);
  await a.goto(pageURL(account));
  await waitState(a, 'available');
  const b = await openPage(browser.context);
  await b.goto(pageURL(account));
  await waitState(b, 'available');
  const start = (await stats(sim.url, account)).createCalls;
  await until('four more questions', async () => (await stats(sim.url, account)).createCalls >= start + 4);
  const s = await stats(sim.url, account);
  assert.equal(await asked(b), 0, 'the second tab asked nothing');
  assert.equal(await asked(a), s.createCalls, 'every question the simulator saw came from the first tab');
  assert.equal(s.visitors, 1);

  // Flip the answer: the listening tab follows the shared answers.
  await setScenario(sim.url, account, { availability: 'NotAvailable' });
  await waitState(b, 'notavailable');
  assert.equal(await asked(b), 0);

  // Close the leader: its lock passes to the other tab, which asks from then on.
  await a.close();
  await until('the second tab to take over', async () => (await asked(b)) >= 2);
  await setScenario(sim.url, account, { availability: 'Available' });
  await waitState(b, 'available');
  assert.deepEqual(await b.problems(), []);
  await b.close();
});

test('a hidden page asks nothing until shown, then at once; hiding it again stops the questions', async () => {
  const account = uniqueAccount('hidden');
  const page = await openWithVisibility(pageURL(account), { hidden: true });
  await page.locator('appengage-chat-button').waitFor({ state: 'attached' });
  await sleep(2500); // more than two intervals
  assert.equal((await stats(sim.url, account)).createCalls, 0);
  assert.equal(await page.locator('appengage-chat-button').getAttribute('state'), 'checking');

  await page.evaluate(() => window.__setHidden(false));
  await waitState(page, 'available');
  await until('a few questions', async () => (await stats(sim.url, account)).createCalls >= 3);

  await page.evaluate(() => window.__setHidden(true));
  await sleep(300); // a question under way when hidden is abandoned
  const before = (await stats(sim.url, account)).createCalls;
  await sleep(3000);
  assert.equal((await stats(sim.url, account)).createCalls, before, 'no question while hidden');

  await page.evaluate(() => window.__setHidden(false)); // the last answer is older than the interval
  await until('a question on being shown', async () => (await stats(sim.url, account)).createCalls > before);
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('offline: no question (so no error) until the browser is online again', async () => {
  const account = uniqueAccount('offline');
  const page = await openPage(browser.context);
  await page.goto(pageURL(account, { api: '1', retry: '50,50,50' }));
  await waitState(page, 'available');
  await browser.context.setOffline(true);
  try {
    await page.waitForFunction(() => navigator.onLine === false);
    const before = await asked(page);
    await sleep(3000);
    assert.equal(await asked(page), before, 'no fetch while offline');
    assert.equal(await page.locator('appengage-chat-button').getAttribute('state'), 'available');
  } finally {
    await browser.context.setOffline(false);
  }
  const before = (await stats(sim.url, account)).createCalls;
  await until('a question once online', async () => (await stats(sim.url, account)).createCalls > before);
  assert.deepEqual((await page.evaluate(() => window.__events)).map((e) => e.type), ['engagement']);
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('failures in a row: each next question waits twice as long; an answer resets the pause', async () => {
  const account = uniqueAccount('backoff');
  await setScenario(sim.url, account, { availability: 'Available', failCalls: 3, failStatus: 503 });
  // No retries inside a call, an interval of 0.5 s: failures at 0, +1, +2 (doubling), the
  // fourth question (+4 s) is answered, the fifth comes 0.5 s after it.
  const page = await openPage(browser.context);
  await page.goto(pageURL(account, { api: '1', retry: '', interval: '0.5' }));
  await until('five questions', async () => (await stats(sim.url, account)).createCalls >= 5, 60_000);
  const res = await fetch(`${sim.url}/sim/v1/requests?account=${account}`);
  const creates = (await res.json()).requests.filter((r) => r.kind === 'create');
  assert.deepEqual(creates.slice(0, 5).map((r) => r.status), [503, 503, 503, 200, 200]);
  const t = creates.map((r) => Date.parse(r.time));
  const gaps = t.slice(1, 5).map((x, i) => x - t[i]);
  // Lower bounds only (a timer never fires early; a busy machine only adds).
  assert.ok(gaps[0] >= 950, `after 1 failure ~1 s, got ${gaps}`);
  assert.ok(gaps[1] >= 1950, `after 2 failures ~2 s, got ${gaps}`);
  assert.ok(gaps[2] >= 3900, `after 3 failures ~4 s, got ${gaps}`);
  assert.ok(gaps[3] >= 450 && gaps[3] < gaps[2], `an answer resets the pause to the interval, got ${gaps}`);
  await page.close();
});

test('watchEngagement in a page: bad arguments throw, a request failing validation is reported once and ends the watch', async () => {
  const account = uniqueAccount('wval'); // not the test page's own element's account
  const page = await openPage(browser.context);
  await page.goto(pageURL(uniqueAccount('wvalpage'), { interval: '60' }));
  const out = await page.evaluate(async ({ account: accountId, sim: csdsDomain }) => {
    const { createChatApi } = await import('/appengage/browser.js');
    const api = await createChatApi({ accountId, csdsDomain, storage: 'memory' });
    const thrown = [];
    for (const bad of [() => api.watchEngagement({ appType: 'EXTERNAL' }, { intervalMs: -1 }, () => {}),
      () => api.watchEngagement({ appType: 'EXTERNAL' }, { intervalMs: 1.5 }, () => {}),
      () => api.watchEngagement({ appType: 'EXTERNAL' }, { intervalMs: 1000 }, 'not a function')]) {
      try { bad(); thrown.push(null); } catch (e) { thrown.push([e.code, e.field]); }
    }
    const calls = [];
    api.watchEngagement({ appType: 'EXTERNAL', appDetails: { os: 'PLAN9' } }, { intervalMs: 200 }, (r, e) => calls.push([r, e && e.code, e && e.field]));
    await new Promise((r) => setTimeout(r, 1500)); // several intervals: still one report
    return { thrown, calls };
  }, { account, sim: sim.url });
  assert.deepEqual(out.thrown, [['validation', 'options.intervalMs'], ['validation', 'options.intervalMs'], ['validation', 'onChange']]);
  assert.deepEqual(out.calls, [[null, 'validation', 'appDetails.os']]);
  assert.equal((await stats(sim.url, account)).createCalls, 0, 'nothing invalid was sent');
  await page.close();
});

test('an element moved in the page (or re-rendered) goes on from the last answer instead of asking again', async () => {
  const account = uniqueAccount('moved');
  const page = await openPage(browser.context);
  await page.goto(pageURL(account, { interval: '60', noimp: '' }));
  await page.locator('appengage-chat-button[state="available"]').waitFor({ state: 'attached' });
  await until('its impDisplay', async () => (await stats(sim.url, account)).impressions.impDisplay === 1);
  const before = (await stats(sim.url, account)).createCalls;
  await page.evaluate(() => {
    const el = window.__button;
    document.body.append(el); // disconnected, then connected again: its watch restarts
  });
  await page.locator('appengage-chat-button[state="available"]').waitFor({ state: 'attached' });
  await sleep(1000);
  assert.equal((await stats(sim.url, account)).createCalls, before, 'no new question for the same watcher');
  assert.equal((await stats(sim.url, account)).impressions.impDisplay, 1, 'the same answer is not a new display');
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('ChatApi.close() stops its page watchers, listening ones too', async () => {
  const account = uniqueAccount('closed');
  const a = await openPage(browser.context);
  await a.goto(pageURL(account));
  await waitState(a, 'available'); // tab A asks
  const b = await openPage(browser.context);
  // The element's request: { appType: 'EXTERNAL', consumerSections: ['support', 'tests'] }.
  await b.goto(`${server.url}/bench.html?account=${account}&interval=1000&sections=support,tests`);
  await b.waitForFunction(() => window.__answers === 1); // tab B listens to A's answers
  assert.equal(await asked(b), 0);
  await b.evaluate(() => window.__api.close());
  await setScenario(sim.url, account, { availability: 'NotAvailable' });
  await waitState(a, 'notavailable');
  await sleep(1500);
  assert.equal(await b.evaluate(() => window.__answers), 1, 'a closed ChatApi hears nothing more');
  assert.equal(await asked(b), 0);
  assert.deepEqual(await b.problems(), []);
  await a.close();
  await b.close();
});
