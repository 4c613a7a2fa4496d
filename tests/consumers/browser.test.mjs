// The browser toolchains of docs/browser.md's recipes — Vite, webpack, esbuild (both ways and
// the failure without either), a module worker, a classic worker and the script tag — from
// the packed tarball in fresh projects outside the repository, built as the recipes say,
// served by a plain static server and run in Debian's Chromium against the simulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freshProject, recipe, pointAtSimulator, uniqueAccount, runCommands, serveStatic, firstLog,
} from './lib.mjs';
import { startSimulator, launchChromium, openPage } from '../browser/harness.mjs';

let sim;
let browser;
before(async () => {
  sim = await startSimulator();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await sim?.stop();
});

const app = (name) => pointAtSimulator(recipe('browser.md', 'browser/main.js'), sim.url, uniqueAccount(name));
const modulePage = '<!doctype html>\n<title>app</title>\n<script type="module" src="./main.js"></script>\n';

/** Serves dir, opens path in Chromium, returns what the app logged and the page's problems. */
async function visit(dir, path = '/index.html') {
  const server = await serveStatic(dir);
  const page = await openPage(browser.context);
  try {
    await page.goto(`${server.url}${path}`);
    const logged = await firstLog(page);
    return { logged, problems: await page.problems(), requests: server.requests };
  } finally {
    await page.close();
    await server.stop();
  }
}

test('Vite: vite build, no configuration; the wasm is emitted and the app answers', async () => {
  const project = await freshProject('vite', { type: 'module', dev: ['vite'], files: { 'main.js': app('vite'), 'index.html': modulePage } });
  try {
    await runCommands(project, recipe('browser.md', 'vite/build.sh'));
    const assets = readdirSync(join(project.dir, 'dist', 'assets'));
    assert.ok(assets.some((f) => f.endsWith('.wasm')), `no wasm among ${assets}`);
    const got = await visit(join(project.dir, 'dist'));
    assert.equal(got.logged, 'Available');
    assert.deepEqual(got.problems, []);
  } finally {
    project.remove();
  }
});

test('webpack: webpack --mode production, no configuration; the wasm is an asset and the app answers', async () => {
  const project = await freshProject('webpack', { dev: ['webpack', 'webpack-cli'], files: { 'src/index.js': app('webpack') } });
  try {
    await runCommands(project, recipe('browser.md', 'webpack/build.sh'));
    const dist = join(project.dir, 'dist');
    assert.ok(readdirSync(dist).some((f) => f.endsWith('.wasm')), `no wasm among ${readdirSync(dist)}`);
    writeFileSync(join(dist, 'index.html'), '<!doctype html>\n<title>app</title>\n<script src="./main.js" defer></script>\n');
    const got = await visit(dist);
    assert.equal(got.logged, 'Available');
    assert.deepEqual(got.problems, []);
  } finally {
    project.remove();
  }
});

test('esbuild: without the wasm the app fails with load_failed saying what to do; copied beside the bundle it answers', async () => {
  const project = await freshProject('esbuild-copy', { type: 'module', dev: ['esbuild'], files: { 'main.js': app('esbuild_copy') } });
  try {
    const [build, copy] = recipe('browser.md', 'esbuild-copy/build.sh').split('\n');
    const dist = join(project.dir, 'dist');
    await runCommands(project, build);
    writeFileSync(join(dist, 'index.html'), modulePage);
    // The default build alone: the wasm is not there. The app's own error reaches the page.
    // (a module's top-level await that rejects is reported as an error event)
    writeFileSync(join(dist, 'catch.js'), `const show = (err) => console.log(\`\${err?.code}: \${err?.message}\`);
window.addEventListener('error', (e) => show(e.error));
window.addEventListener('unhandledrejection', (e) => show(e.reason));
`);
    writeFileSync(join(dist, 'fail.html'), '<!doctype html>\n<script src="./catch.js"></script>\n<script type="module" src="./main.js"></script>\n');
    const failed = await visit(dist, '/fail.html');
    assert.match(failed.logged, /^load_failed: .*cannot load chatapi\.wasm from http:\/\/127\.0\.0\.1:\d+\/chatapi\.wasm: HTTP 404/);
    assert.match(failed.logged, /pass wasmURL/);
    assert.match(failed.logged, /esbuild: copy node_modules\/appengage\/chatapi\.wasm beside the bundle, or pass as wasmURL the URL a file loader gives for an import of 'appengage\/chatapi\.wasm'/);
    await runCommands(project, copy);
    const got = await visit(dist);
    assert.equal(got.logged, 'Available');
    assert.deepEqual(got.problems, []);
  } finally {
    project.remove();
  }
});

test("esbuild: import wasmURL from 'appengage/chatapi.wasm' with the file loader answers", async () => {
  const main = pointAtSimulator(recipe('browser.md', 'esbuild-import/main.js'), sim.url, uniqueAccount('esbuild_import'));
  const project = await freshProject('esbuild-import', { type: 'module', dev: ['esbuild'], files: { 'main.js': main } });
  try {
    await runCommands(project, recipe('browser.md', 'esbuild-import/build.sh'));
    const dist = join(project.dir, 'dist');
    assert.ok(readdirSync(dist).some((f) => /^chatapi-.*\.wasm$/.test(f)), `${readdirSync(dist)}`);
    writeFileSync(join(dist, 'index.html'), modulePage);
    const got = await visit(dist);
    assert.equal(got.logged, 'Available');
    assert.deepEqual(got.problems, []);
  } finally {
    project.remove();
  }
});

test('module worker without a bundler: the worker imports browser.js by path and answers', async () => {
  const worker = pointAtSimulator(recipe('browser.md', 'module-worker/worker.js'), sim.url, uniqueAccount('module_worker'));
  const project = await freshProject('module-worker', {
    files: { 'worker.js': worker, 'main.js': recipe('browser.md', 'worker-page/main.js'), 'index.html': modulePage },
  });
  try {
    const got = await visit(project.dir);
    assert.equal(got.logged, 'Available');
    assert.deepEqual(got.problems, []);
  } finally {
    project.remove();
  }
});

test('classic worker: importScripts the script-tag build, a relative wasmURL against the worker; a failed init (a missing wasm, or no wasmURL) rejects queued calls with its error', async () => {
  const worker = pointAtSimulator(recipe('browser.md', 'classic-worker/worker.js'), sim.url, uniqueAccount('classic_worker'));
  const page = recipe('browser.md', 'worker-page/main.js').replace("new Worker('./worker.js', { type: 'module' })", "new Worker('./worker.js')");
  assert.notEqual(page, recipe('browser.md', 'worker-page/main.js'));
  // The same worker, first with a wasmURL that is not there: the queued call gets init's error.
  const failing = worker.replace("wasmURL: './node_modules/appengage/chatapi.wasm'", "wasmURL: './missing/chatapi.wasm'");
  // And without wasmURL (a worker has no document.currentScript): init's validation error.
  const noURL = worker.replace(", wasmURL: './node_modules/appengage/chatapi.wasm'", '');
  assert.notEqual(noURL, worker);
  const project = await freshProject('classic-worker', {
    files: {
      'worker.js': worker,
      'nourl/worker.js': noURL.replace("importScripts('./", "importScripts('../"),
      'nourl/index.html': modulePage,
      'nourl/main.js': page,
      'fail/worker.js': failing.replace("importScripts('./", "importScripts('../"),
      'main.js': page,
      'index.html': modulePage,
      'fail/index.html': modulePage,
      'fail/main.js': page,
    },
  });
  try {
    const failed = await visit(project.dir, '/fail/index.html');
    assert.match(failed.logged, /^load_failed: .*cannot load chatapi\.wasm from http:\/\/127\.0\.0\.1:\d+\/fail\/missing\/chatapi\.wasm: HTTP 404.*pass wasmURL/);
    const noWasmURL = await visit(project.dir, '/nourl/index.html');
    assert.match(noWasmURL.logged, /^validation: wasmURL: cannot tell where chatapi\.wasm is .*pass options\.wasmURL/, 'the queued call gets init\'s error, not not_initialized');
    const got = await visit(project.dir);
    assert.equal(got.logged, 'Available');
    assert.ok(got.requests.includes('/node_modules/appengage/chatapi.wasm'), got.requests.join(' '));
    assert.deepEqual(got.problems, []);
  } finally {
    project.remove();
  }
});

test("script tag: the package folder served as installed, LivePerson's snippet answered", async () => {
  const html = pointAtSimulator(recipe('browser.md', 'script-tag/index.html'), sim.url, uniqueAccount('script_tag'));
  const project = await freshProject('script-tag', { files: { 'index.html': html } });
  try {
    const got = await visit(project.dir);
    assert.equal(got.logged, 'Available');
    assert.ok(got.requests.includes('/node_modules/appengage/chatapi.wasm'), got.requests.join(' '));
    assert.deepEqual(got.problems, []);
  } finally {
    project.remove();
  }
});
