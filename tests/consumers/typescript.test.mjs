// TypeScript as docs/js.md's recipes say — node16 ESM, node16 CommonJS, bundler resolution —
// from the packed tarball, with skipLibCheck off, compiled and run against the simulator.
// The node16 projects also type-check a script-tag page through appengage/global.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshProject, recipe, pointAtSimulator, uniqueAccount, runCommands } from './lib.mjs';
import { startSimulator } from '../browser/harness.mjs';

let sim;
before(async () => { sim = await startSimulator(); });
after(async () => { await sim?.stop(); });

// A page script using the global of the script-tag build (not run: it needs a document).
const globalPage = `/// <reference types="appengage/global" />
import type { ChatApi as Instance, createChatApi as create } from 'appengage/browser';
export const typed: [typeof create, Instance | null] | null = null; // appengage/browser has types (was TS7016)
ChatApi.init({ accountId: '12345678', onEngagement: (r) => { if ('status' in r) console.log(r.status); } });
ChatApi.getEngagement({ appType: 'EXTERNAL' }).catch((e: { code: string }) => console.error(e.code));
`;

async function node16(name, type, main) {
  const tsconfig = JSON.parse(recipe('js.md', 'ts-node16-esm/tsconfig.json'));
  tsconfig.files.push('page.ts');
  const project = await freshProject(name, {
    type,
    dev: ['typescript'],
    files: {
      'tsconfig.json': JSON.stringify(tsconfig, null, 2),
      'main.ts': pointAtSimulator(main, sim.url, uniqueAccount(name)),
      'page.ts': globalPage,
    },
  });
  try {
    await project.bin('tsc', ['-p', '.']); // throws with tsc's diagnostics
    const { stdout, stderr } = await project.node(['dist/main.js']);
    assert.equal(stdout.trim(), 'Available', stderr);
  } finally {
    project.remove();
  }
}

test('TypeScript node16, ESM: tsc and node dist/main.js', () =>
  node16('ts-node16-esm', 'module', recipe('js.md', 'ts-node16-esm/main.ts')));

test('TypeScript node16, CommonJS: tsc and node dist/main.js (require + index.d.cts)', () =>
  node16('ts-node16-cjs', undefined, recipe('js.md', 'ts-node16-cjs/main.ts')));

test('TypeScript bundler resolution: tsc --noEmit, esbuild, node', async () => {
  const project = await freshProject('ts-bundler', {
    type: 'module',
    dev: ['typescript', 'esbuild'],
    files: {
      'tsconfig.json': recipe('js.md', 'ts-bundler/tsconfig.json'),
      'main.ts': pointAtSimulator(recipe('js.md', 'ts-node16-esm/main.ts'), sim.url, uniqueAccount('ts_bundler')),
    },
  });
  try {
    const out = await runCommands(project, recipe('js.md', 'ts-bundler/build.sh'));
    assert.equal(out.at(-1).stdout.trim(), 'Available', out.at(-1).stderr);
  } finally {
    project.remove();
  }
});
