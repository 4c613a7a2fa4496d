// Shared plumbing for the real-Chromium tests and the start-up benchmark: start the
// simulator and the dev server on 127.0.0.1 port 0, launch Debian's chromium through
// playwright-core with a fresh profile, and save screenshots under build/.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, mkdirSync, rmSync, existsSync, symlinkSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** Repository root. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where per-run screenshots go (never committed). */
export const screenshotDir = join(root, 'build', 'screenshots');

/** The npm package folder to serve (APPENGAGE_WEB overrides it, e.g. for an unpacked tarball). */
export const packageDir = process.env.APPENGAGE_WEB || 'web';

/** The Chromium the tests drive: Debian's package, never a downloaded build. */
export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

/** Flags for a quiet, reproducible headless Chromium that talks only to 127.0.0.1. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Children still running when this process exits (a failed before hook, an uncaught error)
// are killed, so no simulator or server outlives the test run.
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/**
 * Starts a program that prints "NAME: listening on http://HOST:PORT" as its first stdout
 * line and resolves with its base URL and a stop function. Its stderr is kept for errors.
 */
export async function startListening(bin, args, { name = bin } = {}) {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run make build first`);
  const child = spawn(bin, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolveURL, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 10 s: ${stderr}`)), 10_000);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} exited (${code}): ${stderr}`)); });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m) resolveURL(m[1]); else reject(new Error(`${name}: unexpected first line ${JSON.stringify(line)}`));
    });
  });
  lines.on('line', () => {}); // keep draining stdout
  const exited = new Promise((r) => child.once('exit', r));
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Starts build/bin/lpsim on a free loopback port. */
export function startSimulator() {
  return startListening(join(root, 'build', 'bin', 'lpsim'), ['-addr', '127.0.0.1:0'], { name: 'lpsim' });
}

/**
 * Starts build/bin/devserver on a free loopback port, serving the demo, the package, the test
 * pages (/test/), the examples (/examples/) and build/ (/build/), pointed at sim.
 */
export function startDevServer(sim, { account = 'demo', demo = 'web/demo' } = {}) {
  return startListening(join(root, 'build', 'bin', 'devserver'), [
    '-addr', '127.0.0.1:0',
    '-demo', demo,
    '-pkg', packageDir,
    '-sim', sim,
    '-account', account,
    '-mount', '/test/=tests/browser/pages',
    '-mount', '/examples/=examples',
    // The examples import the package from node_modules/appengage, as an npm install lays it out.
    '-mount', `/examples/electron/node_modules/appengage/=${packageDir}`,
    '-mount', `/examples/game-launcher/node_modules/appengage/=${packageDir}`,
    '-mount', '/build/=build',
  ], { name: 'devserver' });
}

/**
 * Launches headless Chromium with a fresh profile in a temporary folder. Returns the
 * persistent context and a close function that also removes the profile.
 */
export async function launchChromium() {
  const profile = mkdtempSync(join(tmpdir(), 'appengage-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1200, height: 860 },
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Opens a page that records what must never happen: uncaught exceptions, unhandled
 * rejections, CSP violations and console lines. page.problems() lists the first three.
 */
export async function openPage(context) {
  const page = await context.newPage();
  const errors = [];
  const consoleLines = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  await page.addInitScript(() => {
    window.__violations = [];
    window.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
    window.addEventListener('unhandledrejection', (e) => {
      console.error(`unhandledrejection: ${e.reason && e.reason.message}`);
    });
  });
  page.problems = async () => {
    const violations = await page.evaluate(() => window.__violations || []).catch(() => []);
    return [
      ...errors,
      ...consoleLines.filter((l) => l.includes('unhandledrejection')),
      ...violations.map((v) => `csp: ${v}`),
    ];
  };
  page.consoleLines = consoleLines;
  return page;
}

/**
 * Saves a screenshot of the page (or of one element) as build/screenshots/NAME.png;
 * clip ({x, y, width, height}) keeps part of a page.
 */
export async function screenshot(target, name, clip) {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await target.screenshot({ path, animations: 'disabled', ...(clip ? { clip } : {}) });
  return path;
}

/** Sets the simulator scenario of one account through its control API. */
export async function setScenario(sim, account, scenario) {
  const res = await fetch(`${sim}/sim/v1/accounts/${encodeURIComponent(account)}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(scenario),
  });
  if (!res.ok) throw new Error(`PUT scenario: HTTP ${res.status} ${await res.text()}`);
}

/** Reads the simulator's counters for one account. */
export async function stats(sim, account) {
  const res = await fetch(`${sim}/sim/v1/stats?account=${encodeURIComponent(account)}`);
  if (!res.ok) throw new Error(`GET stats: HTTP ${res.status}`);
  return res.json();
}

/** A fresh account id per test, so tests never share simulator state. */
export function uniqueAccount(prefix) {
  return `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`.slice(0, 20);
}

/**
 * Links examples/NAME/node_modules/appengage to web/, as `npm install` does for the
 * examples' "file:../../web" dependency, so they run against this checkout's package.
 */
export function linkExamplePackage(name) {
  return linkPackage(join(root, 'examples', name));
}

/** Links APP/node_modules/appengage to the package folder (web/ or APPENGAGE_WEB). */
export function linkPackage(app) {
  const dir = join(app, 'node_modules');
  const link = join(dir, 'appengage');
  mkdirSync(dir, { recursive: true });
  try {
    lstatSync(link);
  } catch {
    symlinkSync(resolve(root, packageDir), link, 'dir');
  }
  return link;
}
