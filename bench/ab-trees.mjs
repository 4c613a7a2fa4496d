// Two or more source trees' loaders and modules against one plain-JS fetch client, all in one
// process against one simulator, interleaved in blocks of 50 with the order rotated every
// block and the creation order rotated every run (the one-process A/B of bench/ab-latency.mjs,
// for any number of trees). Give a tree twice (a copy of it under another path) to see the
// bias of the method itself on this machine.
//   node bench/ab-trees.mjs CALLS RUNS TREE_A TREE_B [TREE_C ...]
// Prints per run each tree's p50 and its difference from TREE_A, then the medians over runs.
import { startSim, seedRequest } from '../tests/node/sim.mjs';
import { plainClient } from './plain.mjs';

const [callsArg, runsArg, ...trees] = process.argv.slice(2);
const calls = Number(callsArg || 1500);
const runs = Number(runsArg || 5);
const libs = [];
for (const t of trees) libs.push(await import(`${t}/web/src/node.js`));
const p50 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const { vid, sid, ...request } = seedRequest();
const sim = await startSim();
const diffs = trees.map(() => []);
const ratios = trees.map(() => []);
try {
  for (let r = 0; r < runs; r++) {
    const apis = new Array(trees.length);
    for (let j = 0; j < trees.length; j++) {
      const k = (j + r) % trees.length;
      apis[k] = await libs[k].createChatApi({ accountId: `t${k}r${r}`, domain: sim.url });
    }
    const plain = plainClient(sim.url, `plain${r}`, request);
    const order = [...apis.map((api, k) => [k, () => api.getEngagement(request)]), ['plain', plain]];
    const out = new Map(order.map(([name]) => [name, []]));
    for (let i = 0; i < 100; i++) for (const [, fn] of order) await fn();
    for (let done = 0, b = 0; done < calls; done += 50, b++) {
      const k = b % order.length;
      for (const [name, fn] of [...order.slice(k), ...order.slice(0, k)]) {
        const xs = out.get(name);
        for (let i = 0; i < 50; i++) { const t0 = performance.now(); await fn(); xs.push(performance.now() - t0); }
      }
    }
    for (const api of apis) api.close();
    const plainP50 = p50(out.get('plain'));
    const ps = trees.map((_, k) => p50(out.get(k)));
    ps.forEach((p, k) => { diffs[k].push((p - ps[0]) * 1000); ratios[k].push(p / plainP50); });
    console.log(`run ${r + 1}: plain ${plainP50.toFixed(3)} ms; ${ps.map((p, k) => `[${k}] ${p.toFixed(3)} ms ${(p / plainP50).toFixed(3)}x ${k ? `${((p - ps[0]) * 1000).toFixed(0)} us` : ''}`).join('; ')}`);
  }
  const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
  trees.forEach((t, k) => console.log(`[${k}] ${t}: median ${med(ratios[k]).toFixed(3)}x plain, ${med(diffs[k]).toFixed(0)} us vs [0] (runs: ${diffs[k].map((d) => d.toFixed(0)).join(' ')})`));
} finally {
  await sim.stop();
}
