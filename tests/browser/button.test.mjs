// Real-Chromium tests of <appengage-chat-button> (web/src/button.js) against the simulator:
// its states and events per scenario, keyboard use, impressions, when-unavailable, axe-core,
// and the demo's strict CSP (the test page is served as the dev server's "demo", under that
// CSP). Everything talks to 127.0.0.1 only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSimulator, launchChromium, openPage, screenshot, setScenario, stats, uniqueAccount,
} from './harness.mjs';
import { buttonPackage, startButtonServer } from './button-package.mjs';
import { runAxe } from './button-axe.mjs';

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
  await screenshot(page.locator('#host'), 'button-available');
  assert.deepEqual(await runAxe(page), []);
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('Checking: the state while the first answer is under way', async () => {
  const account = uniqueAccount('btnck');
  await setScenario(sim.url, account, { availability: 'Available', delayMs: 4000 });
  const page = await open(account);
  await page.locator('appengage-chat-button').waitFor();
  assert.equal(await button(page).getAttribute('state'), 'checking');
  assert.equal(await page.getByRole('button', { name: 'Chat with us' }).getAttribute('aria-disabled'), 'true');
  assert.equal(await page.getByRole('status').textContent(), 'Checking whether an agent is available…');
  await screenshot(page.locator('#host'), 'button-checking');
  assert.deepEqual(await runAxe(page), []);
  await waitState(page, 'available');
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('NotAvailable: disabled for use but focusable, says why, no impDisplay; hide removes it', async () => {
  const account = uniqueAccount('btnna');
  await setScenario(sim.url, account, { availability: 'NotAvailable' });
  const page = await open(account);
  await waitState(page, 'notavailable');
  const ev = await events(page);
  assert.deepEqual(ev.map((e) => [e.type, e.status]), [['engagement', 'NotAvailable']]);
  const b = page.getByRole('button', { name: 'Chat with us' });
  assert.equal(await b.getAttribute('aria-disabled'), 'true');
  assert.equal(await page.getByRole('status').textContent(), 'No agent is available right now.');
  await screenshot(page.locator('#host'), 'button-notavailable');
  // Activating it does nothing.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await b.click({ force: true }); // a pointer, too (Playwright itself treats aria-disabled as not clickable)
  assert.equal((await events(page)).filter((e) => e.type === 'chat').length, 0);
  assert.deepEqual(await runAxe(page), []);
  const s = await stats(sim.url, account);
  assert.equal(s.impressions?.impDisplay ?? 0, 0);
  assert.equal(s.updateCalls, 0);

  const hidden = await open(account, { hide: '1' });
  await waitState(hidden, 'notavailable');
  assert.equal(await button(hidden).isVisible(), false, 'when-unavailable="hide" hides it');
  await setScenario(sim.url, account, { availability: 'Available' });
  await waitState(hidden, 'available');
  assert.equal(await button(hidden).isVisible(), true);
  assert.deepEqual(await page.problems(), []);
  assert.deepEqual(await hidden.problems(), []);
  await page.close();
  await hidden.close();
});

test('flapping: one engagement event per change, impDisplay per Available spell', async () => {
  const account = uniqueAccount('btnfl');
  await setScenario(sim.url, account, { availability: 'flap', flapSeconds: 2 });
  const page = await open(account);
  await waitState(page, 'available');
  await waitState(page, 'notavailable');
  await waitState(page, 'available');
  const ev = (await events(page)).filter((e) => e.type === 'engagement');
  const statuses = ev.map((e) => e.status);
  for (let i = 1; i < statuses.length; i++) assert.notEqual(statuses[i], statuses[i - 1], `events only on changes: ${statuses}`);
  assert.ok(statuses.length >= 3);
  const s = await waitStats(account, (x) => x.impressions?.impDisplay >= 2, 'an impDisplay per Available spell');
  assert.equal(s.visitors, 1, 'every check reuses the one visitor');
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('"Loading account" twice: retried inside the call, then Available with the same visitor', async () => {
  const account = uniqueAccount('btnld');
  await setScenario(sim.url, account, { availability: 'Available', loadingCalls: 2 });
  const page = await open(account, { api: '1', retry: '50,50,50' });
  await waitState(page, 'available');
  const ev = await events(page);
  assert.deepEqual(ev.map((e) => e.type), ['engagement'], 'no error surfaced: the call\'s retries absorbed it');
  const s = await stats(sim.url, account);
  assert.equal(s.visitors, 1);
  assert.equal(s.responses['500'], 2);
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('503s beyond the retries: error state and event with its code, then back off and recover', async () => {
  const account = uniqueAccount('btn503');
  // 1 + 3 attempts fail; the next question (after the backoff) is answered.
  await setScenario(sim.url, account, { availability: 'Available', failCalls: 4, failStatus: 503 });
  const page = await open(account, { api: '1', retry: '50,50,50' });
  await waitState(page, 'error');
  const err = (await events(page)).find((e) => e.type === 'error');
  assert.equal(err.code, 'server');
  assert.equal(await page.getByRole('status').textContent(), 'Chat cannot be reached right now; trying again.');
  assert.equal(await page.getByRole('button', { name: 'Chat with us' }).getAttribute('aria-disabled'), 'true');
  await screenshot(page.locator('#host'), 'button-error');
  assert.deepEqual(await runAxe(page), []);
  await waitState(page, 'available');
  assert.deepEqual((await events(page)).map((e) => e.type), ['error', 'engagement']);
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('keyboard: Tab reaches the button, Enter and Space fire chat with engagementDetails and report impAccept', async () => {
  const account = uniqueAccount('btnkb');
  const page = await open(account, { interval: '60' });
  await waitState(page, 'available');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.getAttribute('part'));
  assert.equal(focused, 'button', 'the first Tab lands on the shadow <button>');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Space');
  const chats = (await events(page)).filter((e) => e.type === 'chat');
  assert.equal(chats.length, 2);
  assert.equal(chats[0].engagementId, '3562981110');
  await waitStats(account, (s) => s.impressions?.impAccept === 2, 'two impAccept');
  // The focus ring shows (not colour-only: an outline around the button).
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement.shadowRoot.activeElement).outlineStyle);
  assert.equal(outline, 'solid');
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('no-impressions: nothing reported', async () => {
  const account = uniqueAccount('btnni');
  const page = await open(account, { noimp: '1', interval: '60' });
  await waitState(page, 'available');
  await page.getByRole('button', { name: 'Chat with us' }).click();
  assert.equal((await events(page)).filter((e) => e.type === 'chat').length, 1);
  const s = await stats(sim.url, account);
  assert.equal(s.updateCalls, 0);
  await page.close();
});

test('a bad attribute is an error event naming it, not an exception', async () => {
  const account = uniqueAccount('btnbad');
  const page = await open(account, { interval: 'soon' });
  await waitState(page, 'error');
  const ev = await events(page);
  assert.equal(ev[0].code, 'validation');
  assert.equal(await page.evaluate(() => window.__button.error.field), 'interval');
  assert.equal((await stats(sim.url, account)).createCalls, 0);
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('the script-tag build defines the element too (wasm found beside dist/, strict CSP)', async () => {
  const account = uniqueAccount('btncl');
  const page = await openPage(browser.context);
  await page.goto(`${server.url}/classic.html?account=${account}`);
  await waitState(page, 'available');
  assert.equal(await page.evaluate(() => typeof window.ChatApi.init), 'function');
  await page.getByRole('button', { name: 'Chat with support' }).press('Enter');
  assert.deepEqual(await events(page), [{ type: 'engagement', status: 'Available' }, { type: 'chat', contextId: '1' }]);
  await waitStats(account, (s) => s.impressions?.impAccept === 1 && s.impressions?.impDisplay === 1, 'impDisplay and impAccept');
  assert.deepEqual(await page.problems(), []);
  await page.close();
});
