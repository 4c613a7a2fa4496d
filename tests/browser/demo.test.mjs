// Real-Chromium tests of the demo page and the ESM entry: the button follows the simulator,
// the session survives a reload, the strict CSP holds, and a dead simulator shows an error
// instead of throwing. Everything talks to 127.0.0.1 only.
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
  server = await startDevServer(sim.url);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sim?.stop();
});

async function waitState(page, want, timeout = 20_000) {
  await page.locator(`appengage-chat-button[state="${want}"]`).waitFor({ state: 'attached', timeout });
}

const chatButton = (page) => page.getByRole('button', { name: 'Chat with us' });

function demoURL(account, interval = 1) {
  return `${server.url}/?account=${account}&interval=${interval}`;
}

test('the button follows a flapping simulator: Available → NotAvailable → Available', async () => {
  const account = uniqueAccount('flap');
  await setScenario(sim.url, account, { availability: 'flap', flapSeconds: 3 });
  const page = await openPage(browser.context);
  await page.goto(demoURL(account));
  await waitState(page, 'available');
  assert.equal(await chatButton(page).getAttribute('aria-disabled'), 'false');
  assert.match(await page.locator('#vid').textContent(), /\S{3,}/);
  await page.waitForTimeout(300); // let the focus ring and the stats settle for the picture
  await screenshot(page, 'demo-available');
  await screenshot(page, 'demo-top', { x: 0, y: 0, width: 1200, height: 360 });
  await waitState(page, 'notavailable');
  assert.equal(await chatButton(page).getAttribute('aria-disabled'), 'true');
  await screenshot(page, 'demo-notavailable');
  await waitState(page, 'available');
  const s = await stats(sim.url, account);
  assert.equal(s.visitors, 1, 'every check reuses the one visitor');
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('switching the scenario from the page changes the button', async () => {
  const account = uniqueAccount('switch');
  const page = await openPage(browser.context);
  await page.goto(demoURL(account));
  await waitState(page, 'available');
  await page.getByLabel('NotAvailable').check();
  await page.locator('#scenario-apply').click();
  await waitState(page, 'notavailable');
  await page.locator('#scenario-clear').click();
  await waitState(page, 'available');
  // Reachable by role and name, and usable from the keyboard.
  await page.getByRole('button', { name: 'Chat with us' }).focus();
  await page.keyboard.press('Enter');
  await page.locator('#chat-opened').waitFor();
  for (;;) {
    const s = await stats(sim.url, account);
    if (s.impressions?.impAccept === 1) break;
    await page.waitForTimeout(100);
  }
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('an SDE is sent with Update Session and never printed to the console', async () => {
  const account = uniqueAccount('sde');
  const page = await openPage(browser.context);
  await page.goto(demoURL(account, 60));
  await waitState(page, 'available');
  await page.locator('#sde-type').selectOption('personal');
  await page.locator('#sde-send').click();
  await page.locator('#sde-result.ok').waitFor();
  const s = await stats(sim.url, account);
  assert.ok(s.updateCalls >= 1);
  assert.ok(s.sdes >= 1);
  await screenshot(page, 'demo-sde-sent');
  const leaked = page.consoleLines.filter((l) => /Ada|Example|ada@example\.com|555 0100/.test(l));
  assert.deepEqual(leaked, []);
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('the session survives a reload through localStorage; reset starts a new visitor', async () => {
  const account = uniqueAccount('reload');
  const page = await openPage(browser.context);
  await page.goto(demoURL(account, 60));
  await waitState(page, 'available');
  const vid = await page.locator('#vid').textContent();
  const sid = await page.locator('#sid').textContent();
  const stored = await page.evaluate(() => JSON.stringify(Object.assign({}, localStorage)));
  assert.ok(stored.includes(vid), 'the visitor id is kept in localStorage');

  await page.reload();
  await waitState(page, 'available');
  assert.equal(await page.locator('#vid').textContent(), vid);
  assert.equal(await page.locator('#sid').textContent(), sid);
  assert.equal((await stats(sim.url, account)).visitors, 1);

  await page.locator('#reset-session').click();
  await page.waitForFunction((old) => {
    const v = document.getElementById('vid').textContent;
    return v !== '—' && v !== old;
  }, vid, { timeout: 20_000 });
  assert.equal((await stats(sim.url, account)).visitors, 2);
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('the demo runs under a strict CSP: no inline script, no blob: workers, no violations', async () => {
  const account = uniqueAccount('csp');
  const page = await openPage(browser.context);
  const resp = await page.goto(demoURL(account, 60));
  const csp = resp.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(csp, /worker-src 'none'/);
  assert.doesNotMatch(csp, /blob:|unsafe-inline|'unsafe-eval'/);
  await waitState(page, 'available');
  assert.deepEqual(await runAxe(page), [], 'axe-core finds nothing on the demo page');
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('a dead simulator shows an error on the page, nothing is thrown', async () => {
  const deadSim = await startSimulator();
  const deadServer = await startDevServer(deadSim.url);
  await deadSim.stop(); // the port is now closed: every call fails with a network error
  try {
    const page = await openPage(browser.context);
    await page.goto(`${deadServer.url}/?account=${uniqueAccount('down')}&interval=60`);
    await waitState(page, 'error', 90_000);
    const text = await page.locator('#chat-error').textContent();
    assert.match(text, /\w/);
    assert.equal(await chatButton(page).getAttribute('aria-disabled'), 'true');
    await screenshot(page, 'demo-error');
    assert.deepEqual(await page.problems(), []);
    await page.close();
  } finally {
    await deadServer.stop();
  }
});

test('state is checking until the first answer arrives', async () => {
  const account = uniqueAccount('slow');
  await setScenario(sim.url, account, { availability: 'Available', delayMs: 1500 });
  const page = await openPage(browser.context);
  await page.goto(demoURL(account, 60));
  await page.locator('appengage-chat-button[state="checking"]').waitFor({ state: 'attached' });
  await waitState(page, 'available');
  await page.close();
});

test('retries are visible: a loading account answers 500 twice, the same visitor then gets Available', async () => {
  const account = uniqueAccount('loading');
  await setScenario(sim.url, account, { availability: 'Available', loadingCalls: 2 });
  const page = await openPage(browser.context);
  await page.goto(`${server.url}/?account=${account}&interval=60&retry=300,300,300`);
  await waitState(page, 'available');
  const s = await stats(sim.url, account);
  assert.equal(s.createCalls, 3, 'two loading answers, then the answer');
  assert.equal(s.visitors, 1, 'the retry reused the visitor named in the Loading account message');
  await page.locator('#requests li', { hasText: 'code 20' }).first().waitFor();
  assert.equal(await page.locator('#requests li', { hasText: '500 Create Session' }).count(), 2);
  await screenshot(page, 'demo-retries');
  await screenshot(page.locator('section[aria-labelledby="stats-title"]'), 'simulator-retries');
  assert.deepEqual(await page.problems(), []);
  await page.close();
});
