// Shared plumbing of the consumer matrix: the packed tarball (make pack), fresh projects
// outside the repository that install it with pinned toolchain versions through npm's cache,
// the simulator, a static file server and Chromium.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, createReadStream, statSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, dirname, extname, normalize, sep } from 'node:path';
import { root } from '../browser/harness.mjs';

export { root };
export const run = promisify(execFile);

const { version } = JSON.parse(readFileSync(join(root, 'web', 'package.json'), 'utf8'));

/** The tarball `make pack` wrote. */
export const tarball = process.env.APPENGAGE_TARBALL || join(root, 'build', `appengage-${version}.tgz`);

/**
 * The toolchain versions the recipes are tested with (pinned; the consumer projects install
 * them by exact version rather than from a committed lock, see docs/js.md).
 */
export const pins = {
  typescript: '5.9.3',
  esbuild: '0.27.3',
  vite: '7.3.8',
  webpack: '5.112.2',
  'webpack-cli': '7.3.1',
};

const keep = process.env.APPENGAGE_KEEP_CONSUMERS === '1';

/**
 * Makes a fresh project under the system temp folder (outside the repository), writes files
 * ({path: text}) and installs the tarball plus the named pinned dev packages with npm,
 * preferring its cache. Returns {dir, npm(args), node(args), remove()}.
 */
export async function freshProject(name, { files = {}, dev = [], type } = {}) {
  if (!existsSync(tarball)) throw new Error(`${tarball} is missing: run make pack`);
  const dir = mkdtempSync(join(tmpdir(), `appengage-consumer-${name}-`));
  const pkg = { name: `consumer-${name}`, version: '1.0.0', private: true };
  if (type) pkg.type = type;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const npm = (args, opts = {}) => run('npm', args, { cwd: dir, timeout: 300_000, maxBuffer: 16 << 20, ...opts })
    .catch((err) => { throw new Error(`npm ${args.join(' ')} failed in ${dir}:\n${err.stdout}\n${err.stderr}`); });
  const flags = ['--no-audit', '--no-fund', '--prefer-offline', '--save-exact', '--loglevel=error'];
  await npm(['install', ...flags, tarball]);
  if (dev.length > 0) await npm(['install', ...flags, '--save-dev', ...dev.map((p) => `${p}@${pins[p]}`)]);
  return {
    dir,
    npm,
    node: (args, opts = {}) => run(process.execPath, args, { cwd: dir, timeout: 120_000, maxBuffer: 16 << 20, ...opts }),
    bin: (name, args, opts = {}) => run(join(dir, 'node_modules', '.bin', name), args, { cwd: dir, timeout: 300_000, maxBuffer: 16 << 20, ...opts })
      .catch((err) => { throw new Error(`${name} ${args.join(' ')} failed in ${dir}:\n${err.stdout}\n${err.stderr}`); }),
    remove: () => { if (!keep) rmSync(dir, { recursive: true, force: true }); },
  };
}

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/**
 * Serves dir as static files on 127.0.0.1 (a port of its own), as any static host would:
 * application/wasm for .wasm, 404 for what is missing. Resolves with {url, stop, requests}.
 */
export async function serveStatic(dir) {
  const requests = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.push(path);
    let file = normalize(join(dir, path));
    if (!file.startsWith(dir + sep) && file !== dir) { res.writeHead(403).end(); return; }
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      statSync(file);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    stop: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

/** Waits in the page until #out holds a result and returns it. */
export async function outcome(page, timeout = 60_000) {
  await page.waitForFunction(() => { const t = document.getElementById('out')?.textContent; return t && t !== '…'; }, null, { timeout });
  return page.locator('#out').textContent();
}

/**
 * The code of a recipe in the docs: the fenced block right after `<!-- recipe: ID -->` in
 * docs/DOC. The tests build exactly what the docs show.
 */
export function recipe(doc, id) {
  const text = readFileSync(join(root, 'docs', doc), 'utf8');
  const marker = `<!-- recipe: ${id} -->`;
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`docs/${doc} has no ${marker}`);
  const m = /^```[a-z]*\n([\s\S]*?)^```$/m.exec(text.slice(at + marker.length));
  if (!m) throw new Error(`no code block after ${marker} in docs/${doc}`);
  return m[1];
}

/**
 * The one change the tests make to a recipe or sample: the account becomes a fresh one on
 * the simulator, whose Domain API is given as csdsDomain.
 */
export function pointAtSimulator(code, sim, account) {
  const re = /accountId: '12345678'/g;
  const n = (code.match(re) ?? []).length;
  if (n !== 1) throw new Error(`expected one accountId: '12345678' in the recipe, found ${n}:\n${code}`);
  return code.replace(re, `accountId: '${account}', csdsDomain: '${sim}'`);
}

/** A fresh account id per test, so tests never share simulator state. */
export function uniqueAccount(prefix) {
  return `${prefix.replace(/\W/g, "")}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`.slice(0, 20);
}

/** The recipe's shell commands, one per line (comments and blank lines dropped). */
export function commands(script) {
  return script.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l && !l.startsWith('#'));
}

/** Runs `npx TOOL args…` lines of a recipe through the project's own node_modules/.bin. */
export async function runCommands(project, script) {
  const out = [];
  for (const line of commands(script)) {
    const parts = line.split('&&').map((p) => p.trim());
    for (const part of parts) {
      const words = part.split(/\s+/);
      if (words[0] === 'npx') out.push(await project.bin(words[1], words.slice(2)));
      else if (words[0] === 'cp') out.push(await run('cp', words.slice(1), { cwd: project.dir }));
      else if (words[0] === 'node') out.push(await project.node(words.slice(1)));
      else throw new Error(`unexpected command in a recipe: ${part}`);
    }
  }
  return out;
}

/** Waits until the page (or a worker it started) logs a line and returns the first one. */
export async function firstLog(page, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const line = page.consoleLines.find((l) => l.startsWith('log: '));
    if (line) return line.slice('log: '.length);
    if (Date.now() > deadline) throw new Error(`no console.log in ${timeout} ms; console: ${page.consoleLines.join(' | ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
