// Node ESM and CommonJS, as docs/js.md's recipes say, from the packed tarball in fresh
// projects outside the repository.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshProject, recipe, pointAtSimulator, uniqueAccount } from './lib.mjs';
import { startSimulator } from '../browser/harness.mjs';

let sim;
before(async () => { sim = await startSimulator(); });
after(async () => { await sim?.stop(); });

for (const [name, file] of [['node-esm', 'main.mjs'], ['node-cjs', 'main.cjs']]) {
  test(`${name}: ${file} from docs/js.md gets an answer`, async () => {
    const project = await freshProject(name);
    try {
      writeFileSync(join(project.dir, file), pointAtSimulator(recipe('js.md', `${name}/${file}`), sim.url, uniqueAccount(name)));
      const { stdout, stderr } = await project.node([file]);
      assert.equal(stdout.trim(), 'Available', stderr);
    } finally {
      project.remove();
    }
  });
}

test('every entry exports exactly the values its declarations name (import, require, browser, browser require)', async () => {
  const project = await freshProject('entry-names');
  try {
    const { stdout } = await project.node(['--input-type=module', '-e', `
      import { readFileSync } from 'node:fs';
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/');
      const pkg = process.cwd() + '/node_modules/appengage/';
      const declared = (f) => [...readFileSync(pkg + f, 'utf8').matchAll(/^export (?:declare )?(?:function|const) (\\w+)/gm)].map((m) => m[1]).sort();
      const names = (m) => Object.keys(m).filter((k) => k !== 'default' && k !== 'module.exports').sort();
      const out = {
        dts: declared('index.d.ts'),
        dcts: declared('index.d.cts'),
        import: names(await import('appengage')),
        require: names(require('appengage')),
        browser: names(await import('appengage/browser')),
        browserRequire: names(require('appengage/browser')),
        moduleStats: await require('appengage').moduleStats(),
      };
      console.log(JSON.stringify(out));`]);
    const got = JSON.parse(stdout);
    assert.deepEqual(got.dts, ['VERSION', 'createChatApi', 'fileStorage', 'moduleStats']);
    assert.deepEqual(got.dcts, got.dts);
    for (const entry of ['import', 'require', 'browser', 'browserRequire']) assert.deepEqual(got[entry], got.dts, entry);
    assert.equal(got.moduleStats, null, 'moduleStats works under require (null before a load)');
  } finally {
    project.remove();
  }
});

test('Node loads the package as one module file (dist/node.mjs), and import and require share it: one Go instance', async () => {
  const project = await freshProject('one-file');
  try {
    // A load hook (module.register) records every module file of the package Node loads.
    const hook = 'data:text/javascript,' + encodeURIComponent(`
      export async function load(url, context, next) {
        if (url.includes('/node_modules/appengage/')) console.log('loaded ' + url.slice(url.indexOf('/node_modules/appengage/') + 24));
        return next(url, context);
      }`);
    const { stdout, stderr } = await project.node(['--input-type=module', '-e', `
      import { register, createRequire } from 'node:module';
      register(${JSON.stringify(hook)});
      const require = createRequire(process.cwd() + '/');
      console.log('resolved ' + import.meta.resolve('appengage').split('/node_modules/appengage/')[1]);
      const { createChatApi } = await import('appengage');
      const api = await createChatApi({ accountId: ${JSON.stringify(uniqueAccount('one-file'))}, domain: ${JSON.stringify(sim.url)} });
      console.log('status ' + (await api.getEngagement({ appType: 'EXTERNAL' })).status);
      const stats = await require('appengage').moduleStats();
      console.log('shared ' + (stats !== null && typeof stats.wasmMemoryBytes === 'number'));
      api.close();`]);
    const lines = stdout.trim().split('\n');
    assert.ok(lines.includes('resolved dist/node.mjs'), stdout + stderr);
    assert.ok(lines.includes('status Available'), stdout + stderr);
    assert.ok(lines.includes('shared true'), 'require() reaches the module import() loaded: ' + stdout + stderr);
    // require('appengage') adds index.cjs (and its package.json) where the hook sees CommonJS.
    const loaded = [...new Set(lines.filter((l) => l.startsWith('loaded ')).map((l) => l.slice(7)))]
      .filter((f) => f !== 'index.cjs' && f !== 'package.json');
    assert.deepEqual(loaded, ['dist/node.mjs'], 'the ES modules of the package Node loaded');
  } finally {
    project.remove();
  }
});

test('appengage/button exports what its declarations name under import and require; require loads the element asynchronously', async () => {
  const project = await freshProject('button-names');
  try {
    const { stdout } = await project.node(['--input-type=module', '-e', `
      import { readFileSync } from 'node:fs';
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/');
      const pkg = process.cwd() + '/node_modules/appengage/';
      const declared = (f) => [...readFileSync(pkg + f, 'utf8').matchAll(/^export (?:declare )?(?:function|const|class) (\\w+)/gm)].map((m) => m[1]).sort();
      const names = (m) => Object.keys(m).filter((k) => k !== 'default' && k !== 'module.exports').sort();
      const cjs = require('appengage/button');
      const out = {
        dts: declared('button.d.ts'),
        dcts: declared('button.d.cts'),
        import: names(await import('appengage/button')),
        require: names(cjs),
        tag: cjs.TAG,
        ready: typeof (await cjs.ready),
      };
      console.log(JSON.stringify(out));`]);
    const got = JSON.parse(stdout);
    assert.deepEqual(got.dts, ['AppEngageChatButton', 'STATES', 'TAG', 'defineChatButton']);
    assert.deepEqual(got.import, got.dts);
    assert.deepEqual(got.dcts, ['STATES', 'TAG', 'ready']);
    assert.deepEqual(got.require, got.dcts);
    assert.equal(got.tag, 'appengage-chat-button');
    assert.equal(got.ready, 'function', 'ready resolves to the class once the module has loaded (no DOM needed to load it)');
  } finally {
    project.remove();
  }
});
