// The tarball `make pack` writes, as npm would publish it: what it carries, and what
// @arethetypeswrong/cli and publint (pinned in the root package.json) say about it. Also
// that `npm pack` in web/ cannot produce a package without the wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, cpSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, run, tarball } from './lib.mjs';

const bin = (name) => join(root, 'node_modules', '.bin', name);

test('the tarball carries the wasm, wasm_exec.js, dist/ (with the Node entry), the types, README and both licenses', async () => {
  const { stdout } = await run('tar', ['-tzf', tarball]);
  const files = stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''));
  for (const f of ['chatapi.wasm', 'wasm_exec.js', 'dist/chatapi.js', 'dist/chatapi.min.js', 'dist/package.json',
    'index.d.ts', 'index.d.cts', 'global.d.ts', 'global.d.cts', 'chatapi.wasm.d.ts', 'chatapi.wasm.d.cts',
    'index.cjs', 'browser.js', 'browser.cjs', 'src/node.js', 'src/loader.js', 'src/wasm-exec.js', 'dist/node.mjs',
    'README.md', 'LICENSE', 'LICENSE-go', 'package.json', ...(existsSync(join(root, 'web', 'button.js')) ? ['button.js', 'button.d.ts', 'button.cjs', 'button.d.cts', 'src/button.js'] : [])]) {
    assert.ok(files.includes(f), `${f} is in the tarball (it has ${files.join(', ')})`);
  }
  assert.ok(!files.some((f) => f.startsWith('scripts/') || f.startsWith('demo/')), 'no build scripts or demo');
  const pkg = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/package.json'])).stdout);
  for (const k of ['repository', 'homepage', 'bugs', 'keywords', 'license']) assert.ok(pkg[k], `package.json has ${k}`);
  const license = (await run('tar', ['-xzOf', tarball, 'package/LICENSE-go'])).stdout;
  assert.match(license, /Copyright \d{4} The Go Authors/);
});


test('@arethetypeswrong/cli finds no problem for node16 (CommonJS and ESM) and bundler', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'appengage-attw-'));
  try {
    // attw exits before a piped stdout drains; a file gets all of its JSON.
    const out = join(dir, 'attw.json');
    await run('sh', ['-c', `"$0" "$1" --profile node16 --format json > "$2" || true`, bin('attw'), tarball, out]);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    const problems = (report.analysis?.problems ?? []).filter((p) => p.resolutionKind !== 'node10');
    assert.deepEqual(problems, []);
    const entrypoints = Object.keys(report.analysis.entrypoints);
    for (const e of ['.', './browser', './global', './dist/chatapi.js', './dist/chatapi.min.js', './chatapi.wasm']) {
      assert.ok(entrypoints.includes(e), `attw checked ${e}`);
    }
    for (const e of entrypoints) {
      for (const [kind, r] of Object.entries(report.analysis.entrypoints[e].resolutions)) {
        if (kind === 'node10' || (e === './package.json')) continue;
        assert.ok(r.resolution?.isTypeScript, `${e} resolves to types under ${kind}: ${r.resolution?.fileName}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('publint --strict reports nothing on the unpacked tarball', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'appengage-publint-'));
  try {
    await run('tar', ['-xzf', tarball, '-C', dir]);
    const { stdout, stderr } = await run(bin('publint'), ['run', join(dir, 'package'), '--pack', 'false', '--strict'])
      .catch((err) => assert.fail(`publint failed:\n${err.stdout}${err.stderr}`));
    assert.doesNotMatch(stdout + stderr, /Suggestions|Warnings|Errors/, stdout + stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm pack in web/ runs prepack, which builds what is missing: the package always has the wasm', async () => {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--loglevel=error'], { cwd: join(root, 'web'), maxBuffer: 16 << 20, timeout: 600_000 });
  const files = JSON.parse(stdout.slice(stdout.indexOf('[')))[0].files.map((f) => f.path);
  assert.ok(files.includes('chatapi.wasm') && files.includes('dist/chatapi.js'), files.join(', '));
});

test('a fresh clone: npm pack in web/ builds the wasm, wasm_exec.js, dist/ and the generated files itself', async (t) => {
  // The committed tree, cloned: nothing built, no node_modules. npm pack --dry-run runs
  // prepack, which runs make package-files (Go and npm caches make it quick).
  const head = await run('git', ['-C', root, 'rev-parse', 'HEAD']).catch(() => null);
  if (!head) return t.skip('not a git checkout');
  const dir = mkdtempSync(join(tmpdir(), 'appengage-clone-'));
  try {
    await run('git', ['clone', '--quiet', '--no-hardlinks', root, dir]);
    await run('git', ['-C', dir, 'checkout', '--quiet', head.stdout.trim()]);
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--loglevel=error'], { cwd: join(dir, 'web'), maxBuffer: 16 << 20, timeout: 900_000 })
      .catch((err) => assert.fail(`npm pack failed:\n${err.stderr}`));
    const files = JSON.parse(stdout)[0].files.map((f) => f.path);
    for (const f of ['chatapi.wasm', 'wasm_exec.js', 'dist/chatapi.js', 'dist/chatapi.min.js', 'index.d.cts', 'global.d.cts', 'LICENSE-go', 'README.md', 'LICENSE']) {
      assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('outside the repository, npm pack of a package folder without the wasm refuses and says how', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'appengage-prepack-'));
  try {
    const web = join(root, 'web');
    for (const f of ['package.json', 'index.cjs', 'index.d.ts', 'browser.js', 'src', 'scripts', 'README.md', 'LICENSE']) {
      cpSync(join(web, f), join(dir, f), { recursive: true });
    }
    const err = await run('npm', ['pack', '--dry-run', '--loglevel=error'], { cwd: dir }).then(() => null, (e) => e);
    assert.ok(err, 'npm pack failed');
    assert.match(err.stderr, /refusing to pack a broken package: missing chatapi\.wasm, wasm_exec\.js, dist\/chatapi\.js.*make pack/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('index.d.cts and global.d.cts are the generated twins of index.d.ts and global.d.ts', async () => {
  await run(process.execPath, [join(root, 'web', 'scripts', 'types-cts.mjs'), '--check'])
    .catch((err) => assert.fail(err.stderr));
  assert.match(readFileSync(join(root, 'web', 'global.d.cts'), 'utf8'), /from '\.\/index\.cjs';/);
});

test('the sizes the docs quote are those of the built package (script-tag build, wasm, tarball)', async () => {
  const { gzipSync, brotliCompressSync } = await import('node:zlib');
  const web = join(root, 'web');
  const min = readFileSync(join(web, 'dist', 'chatapi.min.js'));
  const wasm = readFileSync(join(web, 'chatapi.wasm'));
  const kb = (n) => n / 1024;
  const mb = (n) => n / 1e6;
  const actual = {
    minKB: kb(min.length), minGzKB: kb(gzipSync(min, { level: 9 }).length),
    wasmMB: mb(wasm.length), wasmGzMB: mb(gzipSync(wasm, { level: 9 }).length), wasmBrMB: mb(brotliCompressSync(wasm).length),
    tarMB: mb(readFileSync(tarball).length),
  };
  let quotes = 0;
  for (const doc of ['README.md', 'web/README.md', 'docs/js.md', 'docs/browser.md']) {
    const text = readFileSync(join(root, doc), 'utf8').replace(/\s+/g, ' ');
    for (const m of text.matchAll(/(\d+) KB, (\d+(?:\.\d)?) KB gzipped/g)) {
      quotes++;
      assert.ok(Math.abs(Number(m[1]) - actual.minKB) < 1, `${doc}: "${m[0]}" vs ${actual.minKB.toFixed(1)} KB`);
      assert.ok(Math.abs(Number(m[2]) - actual.minGzKB) < 0.2, `${doc}: "${m[0]}" vs ${actual.minGzKB.toFixed(1)} KB gzipped`);
    }
    for (const m of text.matchAll(/(\d\.\d) MB[,:—\s]+(\d\.\d) MB gzipped, (\d\.\d) MB (?:with )?brotli/g)) {
      quotes++;
      assert.ok(Math.abs(Number(m[1]) - actual.wasmMB) < 0.06, `${doc}: "${m[0]}" vs ${actual.wasmMB.toFixed(2)} MB`);
      assert.ok(Math.abs(Number(m[2]) - actual.wasmGzMB) < 0.06, `${doc}: "${m[0]}" vs ${actual.wasmGzMB.toFixed(2)} MB gzipped`);
      assert.ok(Math.abs(Number(m[3]) - actual.wasmBrMB) < 0.06, `${doc}: "${m[0]}" vs ${actual.wasmBrMB.toFixed(2)} MB brotli`);
    }
    for (const m of text.matchAll(/tarball is about (\d\.\d) MB/g)) {
      quotes++;
      assert.ok(Math.abs(Number(m[1]) - actual.tarMB) < 0.06, `${doc}: "${m[0]}" vs ${actual.tarMB.toFixed(2)} MB`);
    }
  }
  assert.ok(quotes >= 8, `${quotes} size quotes found`);
});
