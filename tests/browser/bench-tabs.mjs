// Requests per minute that N open tabs of one origin make while watching availability,
// before (every tab runs the Go watcher: js-split's web/src/chatapi.js, the last without the
// page watcher) and after (the watcher with manners), N = 1, 3, 5. Counted as Create
// Session calls on the simulator over a fixed window, with a short interval so the run
// takes seconds; reported per minute at that interval and scaled to the default 60 s one.
//
//   make bench-tabs            (INTERVAL_MS=1000 WINDOW_MS=12000 by default)
import { mkdtempSync, cpSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  root, packageDir, startSimulator, startListening, launchChromium, stats, uniqueAccount,
} from './harness.mjs';

const intervalMs = Number(process.env.INTERVAL_MS || 1000);
const windowMs = Number(process.env.WINDOW_MS || 12_000);
const tabCounts = [1, 3, 5];

// "before": the package as it is, with the ChatApi class from before the page watcher.
const beforeDir = mkdtempSync(join(tmpdir(), 'appengage-before-'));
cpSync(join(root, packageDir), beforeDir, { recursive: true, dereference: true });
writeFileSync(join(beforeDir, 'src', 'chatapi.js'),
  execFileSync('git', ['show', 'js-split:web/src/chatapi.js'], { cwd: root }));

const devserver = (sim, pkg) => startListening(join(root, 'build', 'bin', 'devserver'),
  ['-addr', '127.0.0.1:0', '-demo', 'tests/browser/pages/button', '-pkg', pkg, '-sim', sim, '-account', 'bench'],
  { name: 'devserver' });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sim = await startSimulator();
const servers = { before: await devserver(sim.url, beforeDir), after: await devserver(sim.url, join(root, packageDir)) };
const browser = await launchChromium();
const rows = [];
try {
  for (const n of tabCounts) {
    for (const mode of ['before', 'after']) {
      const account = uniqueAccount(`b${mode[0]}${n}`);
      const pages = [];
      for (let i = 0; i < n; i++) {
        const page = await browser.context.newPage();
        await page.goto(`${servers[mode].url}/bench.html?account=${account}&interval=${intervalMs}`);
        pages.push(page);
      }
      for (const p of pages) await p.waitForFunction(() => window.__answers > 0, null, { timeout: 30_000 });
      const start = (await stats(sim.url, account)).createCalls;
      const t0 = Date.now();
      await sleep(windowMs);
      const calls = (await stats(sim.url, account)).createCalls - start;
      const elapsed = Date.now() - t0;
      for (const p of pages) await p.close();
      const perMinute = (calls / elapsed) * 60_000;
      rows.push({ tabs: n, mode, calls, elapsedMs: elapsed, perMinute, perMinuteAt60s: perMinute * (intervalMs / 60_000) });
      console.log(`${n} tab(s), ${mode}: ${calls} Create Session calls in ${(elapsed / 1000).toFixed(1)} s = ${perMinute.toFixed(1)}/min at a ${intervalMs} ms interval (${(perMinute * intervalMs / 60_000).toFixed(2)}/min at 60 s)`);
    }
  }
} finally {
  await browser.close();
  for (const s of Object.values(servers)) await s.stop();
  await sim.stop();
  rmSync(beforeDir, { recursive: true, force: true });
}
console.log('\n| tabs | before (req/min) | after (req/min) | after / before |');
console.log('| --- | --- | --- | --- |');
for (const n of tabCounts) {
  const b = rows.find((r) => r.tabs === n && r.mode === 'before');
  const a = rows.find((r) => r.tabs === n && r.mode === 'after');
  console.log(`| ${n} | ${b.perMinuteAt60s.toFixed(2)} | ${a.perMinuteAt60s.toFixed(2)} | ${(a.perMinute / b.perMinute).toFixed(2)} |`);
}
mkdirSync(join(root, 'build', 'bench'), { recursive: true });
writeFileSync(join(root, 'build', 'bench', 'tabs.json'), JSON.stringify({ intervalMs, windowMs, rows }, null, 2));
