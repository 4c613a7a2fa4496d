// The examples, run for real: the Node example as a child process, the Electron main-process
// half under Node (Electron itself cannot be installed here; its net.fetch is swapped for
// Node's fetch, the same WHATWG fetch), and the Electron renderer and the game-launcher page
// in Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  root, startSimulator, startDevServer, launchChromium, openPage, screenshot, stats, uniqueAccount, linkExamplePackage,
} from './harness.mjs';

const run = promisify(execFile);
let sim;
let server;
let browser;
let tmp;

before(async () => {
  for (const name of ['node', 'electron', 'game-launcher']) linkExamplePackage(name);
  tmp = mkdtempSync(join(tmpdir(), 'appengage-examples-'));
  sim = await startSimulator();
  server = await startDevServer(sim.url);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sim?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function waitImpressions(account, kind, n) {
  for (let i = 0; ; i++) {
    const s = await stats(sim.url, account);
    if (s.impressions?.[kind] === n) return;
    if (i > 200) assert.fail(`expected ${n} ${kind}, the simulator has ${JSON.stringify(s.impressions)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('examples/node: two runs reuse one visitor through the session file', async () => {
  const account = uniqueAccount('exnode');
  const session = join(tmp, 'node-session.json');
  const args = ['examples/node/check.mjs', '--account', account, '--sim', sim.url, '--session', session];
  const first = JSON.parse((await run(process.execPath, args, { cwd: root, timeout: 60_000 })).stdout);
  const second = JSON.parse((await run(process.execPath, args, { cwd: root, timeout: 60_000 })).stdout);
  assert.equal(first.status, 'Available');
  assert.equal(second.visitorId, first.visitorId);
  assert.equal(second.sessionId, first.sessionId);
  assert.ok(readFileSync(session, 'utf8').includes(first.visitorId));
  assert.equal((await stats(sim.url, account)).visitors, 1);
});

test('examples/electron main process (under Node): watch with file storage and an injected fetch', async () => {
  const { watchSupport } = await import('../../examples/electron/support.mjs');
  const account = uniqueAccount('exmain');
  const dataDir = mkdtempSync(join(tmp, 'userData-'));
  let fetches = 0;
  const countingFetch = (...a) => { fetches++; return fetch(...a); }; // stands in for net.fetch
  const watchOnce = () => new Promise((resolve, reject) => {
    let handle;
    watchSupport({ accountId: account, dataDir, fetch: countingFetch, csdsDomain: sim.url,
      onState: (state, detail) => { handle?.stop(); handle?.api.close?.(); resolve({ state, detail }); } })
      .then((h) => { handle = h; }, reject);
  });
  const first = await watchOnce();
  assert.equal(first.state, 'available');
  assert.ok(fetches >= 1, 'requests went through the injected fetch');
  const stored = readFileSync(join(dataDir, 'appengage-session.json'), 'utf8');
  assert.ok(stored.includes(first.detail.visitorId));
  const second = await watchOnce();
  assert.equal(second.detail.visitorId, first.detail.visitorId);
  const s = await stats(sim.url, account);
  assert.equal(s.visitors, 1);
  assert.equal(fetches, s.csdsCalls + s.createCalls + s.updateCalls, 'every request went through the injected fetch');
});

test('examples/electron renderer (in Chromium): the ESM entry draws the button', async () => {
  const account = uniqueAccount('exrend');
  const page = await openPage(browser.context);
  await page.goto(`${server.url}/examples/electron/renderer/index.html?account=${account}&sim=${encodeURIComponent(sim.url)}`);
  await page.locator('#chat[state="available"]').waitFor({ state: 'attached', timeout: 30_000 });
  await page.getByRole('button', { name: 'Chat with us' }).click();
  await page.locator('#note', { hasText: 'Opening chat' }).waitFor();
  // The Help menu's path: requestChat does what the click does.
  assert.equal(await page.evaluate(() => document.getElementById('chat').requestChat()), true);
  await waitImpressions(account, 'impAccept', 2);
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('examples/game-launcher: the support button under the page CSP', async () => {
  const account = uniqueAccount('exgame');
  const page = await openPage(browser.context);
  await page.goto(`${server.url}/examples/game-launcher/index.html?account=${account}&sim=${encodeURIComponent(sim.url)}`);
  await page.locator('#support-chat[state="available"]').waitFor({ state: 'attached', timeout: 30_000 });
  assert.equal(await page.getByText('An agent is online.').isVisible(), true, 'the page words the status (a named slot)');
  assert.equal(await page.getByText('No agents online right now.').isVisible(), false, 'only the current status shows');
  await page.waitForTimeout(200);
  await screenshot(page, 'game-launcher');
  await screenshot(page, 'game-launcher-support', { x: 600, y: 560, width: 600, height: 300 });
  await page.getByRole('button', { name: 'Chat with support' }).press('Enter');
  await page.locator('#support-note', { hasText: 'Opening chat' }).waitFor();
  await waitImpressions(account, 'impAccept', 1);
  assert.equal((await stats(sim.url, account)).impressions.impDisplay, 1);
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('examples/react (built by make, in Chromium): JSX with the chat event, request as a property', async () => {
  const account = uniqueAccount('exreact');
  const page = await openPage(browser.context);
  await page.goto(`${server.url}/examples/react/index.html?account=${account}&sim=${encodeURIComponent(sim.url)}`);
  await page.locator('appengage-chat-button[state="available"]').waitFor({ state: 'attached', timeout: 30_000 });
  await page.locator('#react-state', { hasText: 'Last answer: Available' }).waitFor();
  await page.getByRole('button', { name: 'Chat with us' }).press('Enter');
  await page.locator('#react-chat', { hasText: 'Opening chat for engagement 3562981110' }).waitFor();
  await waitImpressions(account, 'impAccept', 1);
  // The request property reached the server: its SDE and sections.
  const s = await stats(sim.url, account);
  assert.equal(s.sdeTypes?.cart >= 1, true, `the cart SDE of the request property: ${JSON.stringify(s.sdeTypes)}`);
  assert.deepEqual(await page.problems(), []);
  await page.close();
});

test('examples/electron: the Electron-only files parse and the package points at them', async () => {
  // main.mjs and preload.cjs need Electron to run; here they are at least compiled by V8.
  for (const f of ['main.mjs', 'preload.cjs']) {
    await run(process.execPath, ['--check', join(root, 'examples', 'electron', f)]);
  }
  const pkg = JSON.parse(readFileSync(join(root, 'examples', 'electron', 'package.json'), 'utf8'));
  assert.equal(pkg.main, 'main.mjs');
  assert.equal(pkg.dependencies.appengage, 'file:../../web');
});
