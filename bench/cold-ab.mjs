// Cold start of several ChatApi builds against the bare Go wasm program, alternating every
// kind in each round so that all see the same machine load (bench/cold-rounds.mjs): each
// variant's p50 and p25 ratio to bare's, the median of its ratios to bare within a round
// (paired), and its CPU-time ratio. For trying a size or start-up change before make
// bench-wasm (whose cold-start row is the same measurement of this checkout alone):
//   node bench/cold-ab.mjs RUNS [label=WASM[,ENTRY] ...]
// WASM is a chatapi.wasm; ENTRY the Node entry to load it with (default this checkout's, as
// the package's exports map names it), e.g. of an older checkout:
// old=/tmp/old/web/chatapi.wasm,/tmp/old/web/dist/node.mjs new=web/chatapi.wasm
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { startSim } from '../tests/node/sim.mjs';
import { coldRounds, coldRatios } from './cold-rounds.mjs';
import { quantile as q } from './plain.mjs';

const [runsArg, ...specs] = process.argv.slice(2);
const runs = Number(runsArg || 15);
const variants = (specs.length ? specs : ['now=web/chatapi.wasm']).map((spec) => {
  const [label, paths] = spec.includes('=') ? spec.split(/=(.*)/s) : [spec, spec];
  const [wasm, entry] = paths.split(',');
  return { label, wasm: resolve(wasm), entry: entry && pathToFileURL(resolve(entry)).href };
});

const sim = await startSim();
let measured;
try {
  measured = await coldRounds({ runs, simURL: sim.url, variants });
} finally {
  await sim.stop();
}
const { bare } = measured;
console.log(`bare: p50 ${q(bare.wall, 0.5).toFixed(1)} ms, p25 ${q(bare.wall, 0.25).toFixed(1)} ms, CPU p50 ${q(bare.cpu, 0.5).toFixed(1)} ms (${runs} runs)`);
variants.forEach((v, i) => {
  const m = measured.variants[i];
  const r = coldRatios(m, bare);
  console.log(`${v.label}: ratio p50 ${r.p50.toFixed(3)}, p25 ${(q(m.wall, 0.25) / q(bare.wall, 0.25)).toFixed(3)}, paired ${r.paired.toFixed(3)}, CPU ${r.cpu.toFixed(3)} (p50 ${q(m.wall, 0.5).toFixed(1)} ms)`);
});
