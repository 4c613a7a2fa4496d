// Real-Chromium tests of <appengage-chat-button> (web/src/button.js) against the simulator:
// its states and events per scenario, keyboard use, impressions, when-unavailable, axe-core,
// and the demo's strict CSP (the test page is served as the dev server's "demo", under that
// CSP). Everything talks to 127.0.0.1 only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSimulator, startDevServer, launchChromium, openPage, screenshot, setScenario, stats, uniqueAccount,
} from './harness.mjs';
import { runAxe } from './button-axe.mjs';

let sim;
let server;
let browser;

before(async () => {
  sim = await startSimulator();
  server = await startDevServer(sim.url, { demo: 'tests/browser/pages/button' });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sim?.stop();
});

function pageURL(account, params = {}) {
  const q = new URLSearchParams({ account, interval: '1', ...params });
  return `${server.url}/?${q}`;
}

const button = (page) => page.locator('appengage-chat-button');

async function waitState(page, want, timeout = 30_000) {
  await page.locator(`appengage-chat-button[state="${want}"]`).waitFor({ state: 'attached', timeout });
}

const events = (page) => page.evaluate(() => window.__events);

async function waitStats(account, pred, what, timeout = 20_000) {
  const until = Date.now() + timeout;
  for (;;) {
    const s = await stats(sim.url, account);
    if (pred(s)) return s;
    if (Date.now() > until) assert.fail(`simulator never saw ${what}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function open(account, params) {
  const page = await openPage(browser.context);
  await page.goto(pageURL(account, params));
  return page;
}

test('Available: state, engagement event, impDisplay, an enabled real button with a status text', async () => {
  const account = uniqueAccount('btnav');
  const page = await open(account);
  await waitState(page, 'available');
  const ev = await events(page);
  assert.equal(ev[0].type, 'engagement');
  assert.equal(ev[0].status, 'Available');
  assert.equal(ev[0].state, 'available', 'the state is reflected before the event');
  const b = page.getByRole('button', { name: 'Chat with us' });
  assert.equal(await b.getAttribute('aria-disabled'), 'false');
  assert.equal(await page.getByRole('status').textContent(), 'An agent is available.');
  await waitStats(account, (s) => s.impressions?.impDisplay === 1, 'one impDisplay');
  await page.waitForTimeout(200); // let the first paint settle for the picture
  await screenshot(button(page), 'button-available');
  assert.deepEqual(await runAxe(page), []);
  assert.deepEqual(await page.problems(), []);
  await page.close();
});
