// Real-Chromium tests of the script-tag build (web/dist/chatapi.js): LivePerson's snippet
// pasted into a bare page is queued and answered, the build works under a strict CSP,
// a failed load can be retried, and instantiateStreaming is used only for application/wasm.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  root, packageDir, startSimulator, startDevServer, launchChromium, openPage, screenshot, stats, uniqueAccount,
} from './harness.mjs';

let sim;
let server;
let browser;

before(async () => {
  sim = await startSimulator();
  server = await startDevServer(sim.url);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sim?.stop();
});

/** Counts the page's calls of WebAssembly.instantiateStreaming and compileStreaming. */
async function countStreaming(page) {
  await page.addInitScript(() => {
    window.__streaming = 0;
    for (const name of ['instantiateStreaming', 'compileStreaming']) {
      const orig = WebAssembly[name];
      WebAssembly[name] = function (...args) {
        window.__streaming++;
        return orig.apply(this, args);
      };
    }
  });
}

test("LivePerson's snippet, pasted verbatim, is queued before the module is ready and answered", async () => {
  const account = uniqueAccount('snippet');
  const page = await openPage(browser.context);
  await page.goto(`${server.url}/test/snippet.html?account=${account}&sim=${encodeURIComponent(sim.url)}`);
  // The snippet ran while the wasm was still loading…
  assert.equal(await page.evaluate(() => window.readyAtCall), false);
  // …and its answer reaches onEngagement once it is ready.
  const answer = await page.waitForFunction(() => window.answers.length > 0 && window.answers[0], null, { timeout: 30_000 })
    .then((h) => h.jsonValue());
  assert.equal(answer.status, 'Available');
  assert.match(answer.visitorId, /\S/);
  assert.match(answer.sessionId, /\S/);
  assert.equal(typeof answer.engagementDetails.validForSeconds, 'number');
  const s = await stats(sim.url, account);
  assert.equal(s.createCalls, 1);
  assert.ok(s.sdes >= 1, 'the personal SDE of the snippet reached the simulator');
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('not initialised and still loading are distinct errors', async () => {
  const page = await openPage(browser.context);
  await page.goto(`${server.url}/test/blank.html`);
  const got = await page.evaluate(async () => {
    const out = {};
    try { ChatApi.instance(); } catch (e) { out.before = e.code; }
    out.beforePromise = await ChatApi.getEngagement({}).then(() => 'resolved', (e) => e.code);
    ChatApi.init({ accountId: 'blank', domain: 'http://127.0.0.1:9', storage: 'memory' });
    try { ChatApi.instance(); } catch (e) { out.loading = e.code; }
    out.readyWhileLoading = ChatApi.ready;
    await ChatApi.init({ accountId: 'blank', domain: 'http://127.0.0.1:9', storage: 'memory' });
    out.ready = ChatApi.ready;
    out.instance = typeof ChatApi.instance().getEngagement;
    return out;
  });
  assert.deepEqual(got, {
    before: 'not_initialized', beforePromise: 'not_initialized', loading: 'loading',
    readyWhileLoading: false, ready: true, instance: 'function',
  });
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('the script-tag build works under a strict CSP without blob: or workers', async () => {
  const account = uniqueAccount('classic');
  const page = await openPage(browser.context);
  const resp = await page.goto(`${server.url}/classic.html?account=${account}&sim=${encodeURIComponent(sim.url)}`);
  assert.match(resp.headers()['content-security-policy'], /worker-src 'none'/);
  await page.locator('#chat[data-state="available"]').waitFor({ timeout: 30_000 });
  await screenshot(page.locator('.hero'), 'classic-available');
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('a failed wasm load is reported and can be retried', async () => {
  const page = await openPage(browser.context);
  let failures = 1;
  await page.route('**/chatapi.wasm', async (route) => {
    if (failures-- > 0) return route.fulfill({ status: 503, body: 'down' });
    return route.continue();
  });
  await page.goto(`${server.url}/test/blank.html`);
  const got = await page.evaluate(async () => {
    const opts = { accountId: 'retry', domain: 'http://127.0.0.1:9', storage: 'memory' };
    const first = await ChatApi.init(opts).then(() => 'ready', (e) => `${e.code} ${e.message}`);
    const queued = await ChatApi.getEngagement({}).then(() => 'resolved', (e) => `${e.code} ${e.message}`);
    let instance;
    try { ChatApi.instance(); } catch (e) { instance = e.code; }
    const second = await ChatApi.init(opts).then(() => 'ready', (e) => `${e.code} ${e.message}`);
    return { first, queued, instance, second, ready: ChatApi.ready };
  });
  assert.match(got.first, /HTTP 503/);
  assert.equal(got.queued, got.first, 'a call queued behind the failed load gets its error');
  assert.equal(got.instance, 'load_failed');
  assert.equal(got.second, 'ready');
  assert.equal(got.ready, true);
  await page.close();
});

test('instantiateStreaming only for application/wasm, arrayBuffer otherwise', async () => {
  const wasm = readFileSync(resolve(root, packageDir, 'chatapi.wasm'));
  for (const [contentType, streamed] of [['application/wasm', 1], ['application/octet-stream', 0]]) {
    const page = await openPage(browser.context);
    await countStreaming(page);
    await page.route('**/chatapi.wasm', (route) => route.fulfill({ status: 200, contentType, body: wasm }));
    await page.goto(`${server.url}/test/blank.html`);
    const ready = await page.evaluate(() => ChatApi.init({ accountId: 'ct', domain: 'http://127.0.0.1:9', storage: 'memory' })
      .then(() => ChatApi.ready, (e) => e.code));
    assert.equal(ready, true, contentType);
    assert.equal(await page.evaluate(() => window.__streaming), streamed, contentType);
    await page.close();
  }
});

test("a failure reaches LivePerson-style bindings as the error object, without an unhandled rejection", async () => {
  const page = await openPage(browser.context);
  await page.goto(`${server.url}/test/blank.html`);
  const got = await page.evaluate(async () => {
    const seen = [];
    const ctx = { name: 'ctx' };
    // Port 9 on loopback is closed: every attempt fails at once; no retries.
    ChatApi.init({
      accountId: 'bindings', domain: 'http://127.0.0.1:9', storage: 'memory', retry: { delaysMs: [] },
      onEngagement: [function (r) { seen.push(['fn', r.code, 'status' in r]); },
        { callback: function (r) { seen.push([this.name, r.code]); }, context: ctx }],
    });
    ChatApi.getEngagement({ appType: 'EXTERNAL' }); // fire and forget, as in LivePerson's example
    await new Promise((r) => setTimeout(r, 1500));
    return seen;
  });
  assert.deepEqual(got, [['fn', 'network', false], ['ctx', 'network']]);
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('the minified script-tag build answers the same', async () => {
  const account = uniqueAccount('min');
  const min = readFileSync(resolve(root, packageDir, 'dist', 'chatapi.min.js'));
  const page = await openPage(browser.context);
  await page.route('**/dist/chatapi.js', (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: min }));
  await page.goto(`${server.url}/test/blank.html`);
  const got = await page.evaluate(async ([acct, sim]) => {
    ChatApi.init({ accountId: acct, csdsDomain: sim, storage: 'memory' });
    const r = await ChatApi.getEngagement({ appType: 'EXTERNAL' });
    return { status: r.status, version: ChatApi.version };
  }, [account, sim.url]);
  assert.equal(got.status, 'Available');
  assert.match(got.version, /^\d+\.\d+\.\d+/);
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('wasmURL: unusable is validation (field wasmURL) for init and its queued calls; relative resolves against document.baseURI', async () => {
  const page = await openPage(browser.context);
  await page.goto(`${server.url}/test/blank.html`);
  const got = await page.evaluate(async (sim) => {
    const opts = { accountId: 'relative_url', csdsDomain: sim, storage: 'memory' };
    const show = (e) => `${e.code} ${e.field} ${e.message}`;
    const init = ChatApi.init({ ...opts, wasmURL: 'http://[' });
    const queued = ChatApi.getEngagement({}); // behind the failing init: its error, not not_initialized
    const bad = await init.then(() => 'ready', show);
    const queuedErr = await queued.then(() => 'resolved', show);
    // <base> moves document.baseURI: the relative URL is the page's to resolve.
    const base = document.createElement('base');
    base.href = '/appengage/dist/';
    document.head.append(base);
    const ok = await ChatApi.init({ ...opts, wasmURL: '../chatapi.wasm' }).then(() => 'ready', show);
    const status = await ChatApi.getEngagement({}).then((r) => r.status, show);
    return { bad, queuedErr, ok, status, wasm: performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.wasm')) };
  }, sim.url);
  assert.match(got.bad, /^validation wasmURL .*"http:\/\/\[" is not a URL/);
  assert.equal(got.queuedErr, got.bad);
  assert.equal(got.ok, 'ready');
  assert.equal(got.status, 'Available');
  assert.deepEqual(got.wasm, ['/appengage/chatapi.wasm']);
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('a wasm that is not WebAssembly is load_failed with the URL tried, never internal', async () => {
  const page = await openPage(browser.context);
  await page.route('**/chatapi.wasm', (route) => route.fulfill({ status: 200, contentType: 'application/wasm', body: 'not wasm' }));
  await page.goto(`${server.url}/test/blank.html`);
  const got = await page.evaluate(() => ChatApi.init({ accountId: 'notwasm', domain: 'http://127.0.0.1:9', storage: 'memory' })
    .then(() => 'ready', (e) => ({ code: e.code, url: e.url, message: e.message })));
  assert.equal(got.code, 'load_failed');
  assert.match(got.url, /\/appengage\/chatapi\.wasm$/);
  assert.match(got.message, /cannot load chatapi\.wasm from http:\/\/127\.0\.0\.1:\d+\/appengage\/chatapi\.wasm: it is not a WebAssembly module .*pass wasmURL/);
  await page.close();
});
