// The ESM entry through a real bundler: a two-file app importing 'appengage' is built by
// webpack 5 (production mode, no loader or rule for the wasm) and run in Chromium under the
// strict CSP. webpack must emit chatapi.wasm as an asset because browser.js names it with
// new URL('./chatapi.wasm', import.meta.url), and resolve the package's "browser" export.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import webpack from 'webpack';
import {
  root, startSimulator, startDevServer, launchChromium, openPage, uniqueAccount, linkPackage,
} from './harness.mjs';

const app = join(root, 'tests', 'browser', 'fixtures', 'bundled-app');
const outDir = join(root, 'build', 'bundled-app');
let sim;
let server;
let browser;
let warnings = [];

function bundle() {
  return new Promise((resolve, reject) => {
    const compiler = webpack({
      mode: 'production',
      context: app,
      entry: './main.js',
      output: { path: outDir, filename: 'main.js', clean: true },
      devtool: false,
      performance: { hints: false }, // the 4 MB wasm is expected
    });
    compiler.run((err, stats) => {
      compiler.close(() => {});
      if (err) return reject(err);
      if (stats.hasErrors()) return reject(new Error(stats.toString({ all: false, errors: true })));
      warnings = stats.toJson({ all: false, warnings: true }).warnings.map((w) => w.message);
      resolve();
    });
  });
}

before(async () => {
  linkPackage(app);
  rmSync(outDir, { recursive: true, force: true });
  await bundle();
  copyFileSync(join(app, 'index.html'), join(outDir, 'index.html'));
  sim = await startSimulator();
  server = await startDevServer(sim.url, { demo: outDir });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sim?.stop();
});

test('webpack emits chatapi.wasm as an asset, without warnings, and the bundled app gets an answer', async () => {
  assert.ok(readdirSync(outDir).some((f) => f.endsWith('.wasm')), `no wasm among ${readdirSync(outDir)}`);
  assert.deepEqual(warnings, []);
  const page = await openPage(browser.context);
  await page.goto(`${server.url}/?account=${uniqueAccount('webpack')}&sim=${encodeURIComponent(sim.url)}`);
  await page.waitForFunction(() => document.getElementById('out').textContent !== '…', null, { timeout: 30_000 });
  assert.equal(await page.locator('#out').textContent(), 'Available');
  assert.deepEqual(await page.problems(), []);
  await page.close();
});
