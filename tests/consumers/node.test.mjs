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

test('node-cjs: require() gets every name index.d.cts declares', async () => {
  const project = await freshProject('node-cjs-names');
  try {
    const { stdout } = await project.node(['-e', `const m = require('appengage');
      console.log(Object.keys(m).sort().join(','), typeof m.moduleStats, typeof m.fileStorage);
      m.moduleStats().then((s) => console.log(s));`]);
    assert.equal(stdout.trim(), 'VERSION,createChatApi,fileStorage,moduleStats function function\nnull');
  } finally {
    project.remove();
  }
});
