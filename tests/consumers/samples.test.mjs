// Every JavaScript, TypeScript and HTML code block of README.md and docs/js.md says what it is
// on the line before it: <!-- sample: node-esm | node-cjs | html --> (run here, from the packed
// tarball, against the simulator), <!-- recipe: … --> (built by the consumer tests) or
// <!-- fragment: why --> (not a whole program). A block that claims to run, runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { root, freshProject, pointAtSimulator, uniqueAccount, serveStatic, firstLog } from './lib.mjs';
import { startSimulator, launchChromium, openPage } from '../browser/harness.mjs';

const docs = ['README.md', 'docs/js.md'];

/** [{doc, line, lang, kind, arg, code}] for every fenced block of the docs. */
function blocks() {
  const out = [];
  for (const doc of docs) {
    const lines = readFileSync(join(root, doc), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^```(\w*)\s*$/.exec(lines[i]);
      if (!open) continue;
      let end = i + 1;
      while (end < lines.length && lines[end] !== '```') end++;
      let j = i - 1;
      while (j >= 0 && lines[j].trim() === '') j--;
      const marker = /^<!-- (sample|recipe|fragment): ?(.*?) -->$/.exec(lines[j] ?? '');
      out.push({ doc, line: i + 1, lang: open[1], kind: marker?.[1], arg: marker?.[2], code: lines.slice(i + 1, end).join('\n') + '\n' });
      i = end;
    }
  }
  return out;
}

const code = blocks().filter((b) => ['js', 'mjs', 'cjs', 'ts', 'html'].includes(b.lang));
const samples = code.filter((b) => b.kind === 'sample');

test('every JS, TS and HTML block says whether it runs (sample, recipe) or is a fragment', () => {
  const unmarked = code.filter((b) => !b.kind).map((b) => `${b.doc}:${b.line}`);
  assert.deepEqual(unmarked, []);
  assert.ok(samples.length >= 4, `${samples.length} samples`);
  for (const b of samples) assert.ok(['node-esm', 'node-cjs', 'html'].includes(b.arg), `${b.doc}:${b.line}: sample ${b.arg}`);
});

let sim;
let project;
before(async () => {
  sim = await startSimulator();
  project = await freshProject('samples');
});
after(async () => {
  project?.remove();
  await sim?.stop();
});

for (const b of samples.filter((s) => s.arg !== 'html')) {
  test(`${b.doc}:${b.line} (${b.arg}) runs and gets an answer`, async () => {
    const file = `sample-${b.line}.${b.arg === 'node-cjs' ? 'cjs' : 'mjs'}`;
    writeFileSync(join(project.dir, file), pointAtSimulator(b.code, sim.url, uniqueAccount('sample')));
    const { stdout, stderr } = await project.node([file]);
    assert.equal(stderr, '');
    assert.match(stdout, /^Available$/m);
  });
}

test('the HTML samples run in Chromium with the package folder served as installed', async (t) => {
  const html = samples.filter((s) => s.arg === 'html');
  if (html.length === 0) return t.skip('no HTML sample');
  // The README serves the package at /vendor/appengage/.
  mkdirSync(join(project.dir, 'site', 'vendor'), { recursive: true });
  symlinkSync(join(project.dir, 'node_modules', 'appengage'), join(project.dir, 'site', 'vendor', 'appengage'));
  const browser = await launchChromium();
  const server = await serveStatic(join(project.dir, 'site'));
  try {
    for (const b of html) {
      const name = `sample-${b.line}.html`;
      writeFileSync(join(project.dir, 'site', name), `<!doctype html>\n${pointAtSimulator(b.code, sim.url, uniqueAccount('sample'))}`);
      const page = await openPage(browser.context);
      await page.goto(`${server.url}/${name}`);
      assert.equal(await firstLog(page), 'Available', `${b.doc}:${b.line}`);
      assert.deepEqual(await page.problems(), []);
      await page.close();
    }
  } finally {
    await server.stop();
    await browser.close();
  }
});
