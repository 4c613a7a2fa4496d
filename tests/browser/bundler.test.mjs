// The ESM entry through a real bundler: a two-file app importing 'appengage' is built with
// Vite (no plugin, no config for the wasm) and run in Chromium under the strict CSP. Vite
// must emit chatapi.wasm as an asset because browser.js names it with
// new URL('./chatapi.wasm', import.meta.url).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import {
  root, startSimulator, startDevServer, launchChromium, openPage, uniqueAccount, linkPackage,
} from './harness.mjs';

const app = join(root, 'tests', 'browser', 'fixtures', 'vite-app');
const outDir = join(root, 'build', 'vite-app');
let sim;
let server;
let browser;

before(async () => {
  linkPackage(app);
  rmSync(outDir, { recursive: true, force: true });
  await build({ root: app, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  sim = await startSimulator();
  server = await startDevServer(sim.url, { demo: outDir });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sim?.stop();
});

test('Vite emits chatapi.wasm as an asset and the built app gets an answer', async () => {
  const assets = readdirSync(join(outDir, 'assets'));
  assert.ok(assets.some((f) => /^chatapi-.*\.wasm$/.test(f)), `no chatapi wasm among ${assets}`);
  const page = await openPage(browser.context);
  await page.goto(`${server.url}/?account=${uniqueAccount('vite')}&sim=${encodeURIComponent(sim.url)}`);
  await page.waitForFunction(() => document.getElementById('out').textContent !== '…', null, { timeout: 30_000 });
  assert.equal(await page.locator('#out').textContent(), 'Available');
  assert.deepEqual(await page.problems(), []);
  await page.close();
});
