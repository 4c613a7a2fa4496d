// Cold start of several ChatApi builds against the bare Go wasm program, alternating every
// kind in each round so that all see the same machine load: each variant's p50 and p25 ratio
// to bare's, the median of its ratios to bare within a round (paired), and its CPU-time
// ratio. For trying a size or start-up change before make bench-wasm (whose cold-start row
// is the same measurement, 15 runs, one variant):
//   node bench/cold-ab.mjs RUNS [label=WASM[,ENTRY] ...]
// WASM is a chatapi.wasm; ENTRY the Node entry to load it with (default this checkout's, as
// the package's exports map names it), e.g. of an older checkout:
// old=/tmp/old/web/chatapi.wasm,/tmp/old/web/dist/node.mjs new=web/chatapi.wasm
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { startSim } from '../tests/node/sim.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const [runsArg, ...specs] = process.argv.slice(2);
const runs = Number(runsArg || 15);
const variants = (specs.length ? specs : ['now=web/chatapi.wasm']).map((spec) => {
  const [label, paths] = spec.includes('=') ? spec.split(/=(.*)/s) : [spec, spec];
  const [wasm, entry] = paths.split(',');
  return { label, wasm: resolve(wasm), entry: entry && pathToFileURL(resolve(entry)).href, wall: [], cpu: [] };
});
const q = (xs, f) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length * f)]; };
const once = (args, env = {}) => run(process.execPath, ['bench/cold.mjs', ...args], { cwd: root, env: { ...process.env, COLD_CPU: '1', ...env } })
  .then((r) => r.stdout.trim().split(' ').map(Number));

const sim = await startSim();
const bare = { wall: [], cpu: [] };
try {
  // Each round runs bare and every variant once, in an order that rotates from round to
  // round, so that no kind always runs first (or right after another).
  const kinds = [null, ...variants];
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < kinds.length; k++) {
      const v = kinds[(i + k) % kinds.length];
      if (v === null) {
        const [w, c] = await once(['bare', `${root}build/wasm/bare.wasm`]);
        bare.wall.push(w); bare.cpu.push(c);
      } else {
        const [vw, vc] = await once(['chatapi', sim.url], { WASM_URL: pathToFileURL(v.wasm).href, ...(v.entry ? { ENTRY: v.entry } : {}) });
        v.wall.push(vw); v.cpu.push(vc);
      }
    }
  }
} finally {
  await sim.stop();
}
const r = (a, b) => (a / b).toFixed(3);
console.log(`bare: p50 ${q(bare.wall, 0.5).toFixed(1)} ms, p25 ${q(bare.wall, 0.25).toFixed(1)} ms, CPU p50 ${q(bare.cpu, 0.5).toFixed(1)} ms (${runs} runs)`);
for (const v of variants) {
  // Paired: the median of each round's ratio to that round's bare run, which load that
  // drifts over the minutes of a run moves less than the ratio of the two medians.
  const paired = q(v.wall.map((w, i) => w / bare.wall[i]), 0.5).toFixed(3);
  console.log(`${v.label}: ratio p50 ${r(q(v.wall, 0.5), q(bare.wall, 0.5))}, p25 ${r(q(v.wall, 0.25), q(bare.wall, 0.25))}, paired ${paired}, CPU ${r(q(v.cpu, 0.5), q(bare.cpu, 0.5))} (p50 ${q(v.wall, 0.5).toFixed(1)} ms)`);
}
