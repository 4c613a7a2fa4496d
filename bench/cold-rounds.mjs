// Cold starts of one or more ChatApi builds and of the bare Go wasm program, each in a fresh
// Node process (bench/cold.mjs), for make bench-wasm (bench/run.mjs) and bench/cold-ab.mjs.
// Each round runs bare and every variant once, in an order that rotates from round to round,
// so that no kind always runs first (or right after another) and all see the same load.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { quantile } from './plain.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

// The Node entry an installed package's users import (the exports map of web/package.json),
// resolved here, outside the measured process: cold.mjs would otherwise read package.json
// within the ChatApi's time and not within bare's (~1.3 ms).
const pkg = JSON.parse(readFileSync(new URL('../web/package.json', import.meta.url), 'utf8'));
const defaultEntry = new URL(pkg.exports['.'].node.import.default, new URL('../web/', import.meta.url)).href;

const once = (args, env) => run(process.execPath, ['bench/cold.mjs', ...args], { cwd: root, env: { ...process.env, COLD_CPU: '1', ...env } })
  .then((r) => r.stdout.trim().split(' ').map(Number));

/**
 * Runs `runs` rounds against the simulator at simURL. Each variant is {wasm, entry?}: a
 * chatapi.wasm path and the Node entry to load it with (default: this checkout's). Returns
 * the bare program's and each variant's wall-clock and CPU milliseconds, one per round, in
 * round order (so round i of a variant pairs with round i of bare).
 * @param {{runs: number, simURL: string, variants: {wasm: string, entry?: string}[]}} p
 * @returns {Promise<{bare: {wall: number[], cpu: number[]}, variants: {wall: number[], cpu: number[]}[]}>}
 */
export async function coldRounds({ runs, simURL, variants }) {
  const bare = { wall: [], cpu: [] };
  const out = variants.map(() => ({ wall: [], cpu: [] }));
  const kinds = [-1, ...variants.keys()];
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < kinds.length; k++) {
      const v = kinds[(i + k) % kinds.length];
      const [wall, cpu] = v === -1
        ? await once(['bare', `${root}build/wasm/bare.wasm`], {})
        : await once(['chatapi', simURL], { WASM_URL: pathToFileURL(variants[v].wasm).href, ENTRY: variants[v].entry ?? defaultEntry });
      const to = v === -1 ? bare : out[v];
      to.wall.push(wall);
      to.cpu.push(cpu);
    }
  }
  return { bare, variants: out };
}

/**
 * The ratios of one variant to bare: of the two medians (p50), and paired, the median of
 * each round's ratio to that round's bare run, which load drifting over the minutes of a run
 * moves less.
 */
export function coldRatios(variant, bare) {
  return {
    p50: quantile(variant.wall, 0.5) / quantile(bare.wall, 0.5),
    paired: quantile(variant.wall.map((w, i) => w / bare.wall[i]), 0.5),
    cpu: quantile(variant.cpu, 0.5) / quantile(bare.cpu, 0.5),
  };
}
