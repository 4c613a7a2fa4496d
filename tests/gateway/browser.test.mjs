// Real Chromium → the gateway Worker on workerd → the simulator. The demo page (served by
// build/bin/devserver) is told the gateway is its "simulator", so the ChatApi in the page
// resolves msdkgw through the gateway's Domain API and talks to the gateway cross-origin:
// CORS preflights, Create Session and Update Session from a real browser. A second dev server
// on an origin the gateway does not allow shows the refusal. Started by
// TestBrowserThroughGateway with GATEWAY_URL, SIM_URL, ALLOWED_PORT and ACCOUNT set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { root, startListening, launchChromium, openPage, screenshot, stats } from '../browser/harness.mjs';

const { GATEWAY_URL, SIM_URL, ALLOWED_PORT, ACCOUNT } = process.env;

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

function devServer(addr) {
  return startListening(join(root, 'build', 'bin', 'devserver'), [
    '-addr', addr, '-demo', 'web/demo', '-pkg', 'web', '-sim', GATEWAY_URL, '-account', ACCOUNT,
  ], { name: 'devserver' });
}

test('the demo page gets an engagement and sends an SDE through the gateway', async () => {
  const server = await devServer(`127.0.0.1:${ALLOWED_PORT}`);
  try {
    const before = await stats(SIM_URL, ACCOUNT);
    const page = await openPage(browser.context);
    await page.goto(`${server.url}/?account=${ACCOUNT}&interval=60`);
    await page.locator('appengage-chat-button[state="available"]').waitFor({ state: 'attached', timeout: 20_000 });
    assert.match(await page.locator('#vid').textContent(), /\S{3,}/);

    await page.locator('#sde-type').selectOption('personal');
    await page.locator('#sde-send').click();
    await page.locator('#sde-result.ok').waitFor({ timeout: 20_000 });
    await screenshot(page, 'gateway-demo-available');

    const after = await stats(SIM_URL, ACCOUNT);
    assert.ok(after.createCalls > before.createCalls, 'Create Session reached the simulator through the gateway');
    assert.ok(after.updateCalls > before.updateCalls, 'Update Session reached the simulator through the gateway');
    assert.equal(after.csdsCalls, before.csdsCalls, "the gateway answered CSDS itself; the simulator's was not asked");
    assert.equal(after.visitors - before.visitors, 1);
    assert.deepEqual(await page.problems(), []);
    await page.close();
  } finally {
    await server.stop();
  }
});

test('a page on an origin the gateway does not allow is refused by CORS', async () => {
  const server = await devServer('127.0.0.1:0');
  try {
    const before = await stats(SIM_URL, ACCOUNT);
    const page = await openPage(browser.context);
    await page.goto(`${server.url}/?account=${ACCOUNT}&interval=60`);
    await page.locator('appengage-chat-button[state="error"]').waitFor({ state: 'attached', timeout: 30_000 });
    const after = await stats(SIM_URL, ACCOUNT);
    assert.equal(after.createCalls, before.createCalls, 'nothing reached the simulator');
    await page.close();
  } finally {
    await server.stop();
  }
});
