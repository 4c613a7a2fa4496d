// Start-up benchmark in headless Chromium: time from script start to a ready ChatApi
// (ESM entry and script-tag build) next to a bare Go wasm program, in one run, on one
// browser, pages interleaved so machine noise hits every case alike. Reported as medians
// and as ratios to the bare program; raw numbers go to build/bench/browser.json.
//
//   make bench-browser            (RUNS=15 make bench-browser for more samples)
import { mkdirSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { root, packageDir, chromiumPath, startSimulator, startDevServer, launchChromium } from './harness.mjs';

const runs = Number(process.env.RUNS || 9);
const cases = [
  { name: 'bare Go wasm (baseline)', page: '/test/bench-bare.html', wasm: 'build/wasm/bare.wasm' },
  { name: 'ChatApi, ESM entry', page: '/test/bench-esm.html', wasm: join(packageDir, 'chatapi.wasm') },
  { name: 'ChatApi, script-tag build', page: '/test/bench-classic.html', wasm: join(packageDir, 'chatapi.wasm') },
];

function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
}

const sim = await startSimulator();
const server = await startDevServer(sim.url);
const browser = await launchChromium();
const samples = Object.fromEntries(cases.map((c) => [c.name, []]));
try {
  // One warm-up of each page, so the first sample does not pay for Chromium's own start.
  for (let r = -1; r < runs; r++) {
    for (const c of cases) {
      const page = await browser.context.newPage();
      await page.goto(server.url + c.page);
      const res = await page.waitForFunction(() => window.benchResult, null, { timeout: 60_000 }).then((h) => h.jsonValue());
      await page.close();
      if (res.error) throw new Error(`${c.name}: ${res.error}`);
      if (r >= 0) samples[c.name].push(res.ms);
    }
  }
} finally {
  await browser.close();
  await server.stop();
  await sim.stop();
}

const version = (await import('node:child_process')).execFileSync(chromiumPath, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  .split('\n').find((l) => /Chromium/.test(l))?.trim();
const base = quantile(samples[cases[0].name], 0.5);
const rows = cases.map((c) => {
  const xs = samples[c.name];
  const bytes = readFileSync(resolve(root, c.wasm));
  return {
    case: c.name,
    medianMs: +quantile(xs, 0.5).toFixed(1),
    p10Ms: +quantile(xs, 0.1).toFixed(1),
    p90Ms: +quantile(xs, 0.9).toFixed(1),
    ratioToBare: +(quantile(xs, 0.5) / base).toFixed(2),
    wasmBytes: statSync(resolve(root, c.wasm)).size,
    wasmGzipBytes: gzipSync(bytes, { level: 9 }).length,
  };
});

console.log(`Start-up to ready in headless ${version}, ${runs} runs each (median, p10–p90):`);
console.log('| case | median ms | p10–p90 ms | × bare | wasm | wasm gzip |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.case} | ${r.medianMs} | ${r.p10Ms}–${r.p90Ms} | ${r.ratioToBare} | ${(r.wasmBytes / 1024 / 1024).toFixed(2)} MiB | ${(r.wasmGzipBytes / 1024 / 1024).toFixed(2)} MiB |`);
}
mkdirSync(join(root, 'build', 'bench'), { recursive: true });
writeFileSync(join(root, 'build', 'bench', 'browser.json'), JSON.stringify({ chromium: version, runs, rows, samples }, null, 2) + '\n');
