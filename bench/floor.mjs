// The latency floor of the ChatApi's design (bench/floor/main.go, built by make bench-floor)
// against a plain-JS fetch client and the ChatApi, interleaved in blocks of 50 in one
// process against the simulator; prints p50s and ratios to the plain client for RUNS runs.
//   node bench/floor.mjs FLOOR_WASM [CALLS] [RUNS]
import { readFileSync } from 'node:fs';
import { startSim, seedRequest } from '../tests/node/sim.mjs';
import { interleaved, p50, plainClient } from './plain.mjs';
import { exchangeOver } from '../web/src/exchange.js';
import { createChatApi } from '../web/src/node.js';

await import('../web/wasm_exec.js');
const [wasm, callsArg, runsArg] = process.argv.slice(2);
const calls = Number(callsArg || 1500);
const { vid, sid, ...request } = seedRequest();
const sim = await startSim();
const settled = new Map();
const floorCall = await new Promise((resolve) => {
  globalThis.__appengageFloor = {
    port: exchangeOver(fetch),
    base: sim.url,
    settle: (id, status, text) => { const done = settled.get(id); settled.delete(id); done([status, JSON.parse(text)]); },
    ready: resolve,
  };
  const go = new globalThis.Go();
  WebAssembly.instantiate(readFileSync(wasm), go.importObject).then(({ instance }) => go.run(instance));
});
let n = 0;
const floor = () => new Promise((resolve) => { const id = ++n; settled.set(id, resolve); floorCall(id, JSON.stringify(request)); });
try {
  for (let r = 0; r < Number(runsArg || 3); r++) {
    const api = await createChatApi({ accountId: `floorours${r}`, domain: sim.url });
    const plain = plainClient(sim.url, `floorplain${r}`, request);
    const order = [['plain', plain], ['floor', floor], ['chatapi', () => api.getEngagement(request)]];
    const out = await interleaved(order, calls);
    api.close();
    const [p, f, c] = [p50(out.plain), p50(out.floor), p50(out.chatapi)];
    console.log(`run ${r + 1}: p50 plain ${(p * 1000).toFixed(0)} us, floor ${(f * 1000).toFixed(0)} us (${(f / p).toFixed(3)}x), chatapi ${(c * 1000).toFixed(0)} us (${(c / p).toFixed(3)}x); chatapi - floor ${((c - f) * 1000).toFixed(0)} us`);
  }
} finally {
  await sim.stop();
  process.exit(0);
}
