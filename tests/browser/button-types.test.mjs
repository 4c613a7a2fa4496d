// The element's types (web/button.d.ts) as a TypeScript user meets them: `appengage/button`
// resolved through the package's exports, the tag in HTMLElementTagNameMap, typed event
// details, read-only state, a checked request. Compiled by the repository's pinned tsc
// against the packed package (see button-package.mjs), with DOM types, under `strict`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './harness.mjs';
import { buttonPackage } from './button-package.mjs';

const run = promisify(execFile);

const good = `
import { AppEngageChatButton, defineChatButton, TAG, STATES, type ChatButtonState } from 'appengage/button';
const el = document.createElement('appengage-chat-button');
const typed: AppEngageChatButton = el;
const tag: 'appengage-chat-button' = TAG;
const states: readonly ChatButtonState[] = STATES;
el.setAttribute('account-id', '12345678');
el.request = { appType: 'EXTERNAL', consumerSections: ['checkout'], engagementAttributes: [{ type: 'cart', total: 1, numItems: 1 }] };
el.addEventListener('chat', (ev) => {
  const id: string | number = ev.detail.engagementDetails.engagementId;
  const vid: string = ev.detail.visitorId;
  void id; void vid;
});
el.addEventListener('engagement', (ev) => { const s: 'Available' | 'NotAvailable' = ev.detail.status; void s; });
el.addEventListener('error', (ev) => { const code: string = ev.detail.code; void code; });
const state: ChatButtonState = el.state;
const asked: boolean = el.requestChat();
document.querySelector('appengage-chat-button')?.addEventListener('chat', (ev) => ev.detail.engagementDetails.contextId);
defineChatButton();
void typed; void tag; void states; void state; void asked;
`;

const bad = {
  'state is read-only': `import 'appengage/button'; document.createElement('appengage-chat-button').state = 'available';`,
  'a request is checked': `import 'appengage/button'; document.createElement('appengage-chat-button').request = { appType: 'NOPE' };`,
  'event details are typed': `import 'appengage/button'; document.createElement('appengage-chat-button').addEventListener('chat', (ev) => { const n: number = ev.detail.status; });`,
};

let pkg;
before(async () => { pkg = await buttonPackage(); });
after(() => pkg?.remove());

async function tsc(files) {
  const dir = mkdtempSync(join(tmpdir(), 'appengage-button-types-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(pkg.dir, join(dir, 'node_modules', 'appengage'), 'dir');
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: 'esnext', moduleResolution: 'bundler', target: 'es2022', lib: ['es2022', 'dom'], skipLibCheck: false },
      files: Object.keys(files),
    }));
    try {
      await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir, timeout: 120_000 });
      return '';
    } catch (err) {
      return `${err.stdout}${err.stderr}` || String(err);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('appengage/button types: a correct use compiles under strict', async () => {
  assert.equal(await tsc({ 'good.ts': good }), '');
});

test('appengage/button types: misuse does not compile', async () => {
  // One compilation, one file per misuse: each file must have its own error.
  const files = Object.fromEntries(Object.values(bad).map((text, i) => [`bad${i}.ts`, text]));
  const out = await tsc(files);
  Object.keys(bad).forEach((what, i) => assert.match(out, new RegExp(`bad${i}\\.ts\\(\\d+,\\d+\\): error TS`), `${what}: expected a type error in\n${out}`));
});

test('appengage/button can be imported where there is no DOM (server-side rendering): it defines nothing', async () => {
  const { dir } = pkg;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e',
    `const m = await import(${JSON.stringify(join(dir, 'button.js'))}); console.log(JSON.stringify([m.TAG, m.STATES, m.defineChatButton() ?? null]));`]);
  assert.deepEqual(JSON.parse(stdout), ['appengage-chat-button', ['checking', 'available', 'notavailable', 'error'], null]);
});
