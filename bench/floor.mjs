// The latency floor of the ChatApi's design (bench/floor/main.go, built by make bench-floor)
// against a plain-JS fetch client and the ChatApi, interleaved in blocks of 50 in one
// process against the simulator; prints p50s and ratios to the plain client for RUNS runs.
//   node bench/floor.mjs FLOOR_WASM [CALLS] [RUNS]
import { readFileSync } from 'node:fs';
import { startSim, seedRequest } from '../tests/node/sim.mjs';
import { interleaved, p50, plainClient } from './plain.mjs';
import { exchangeOver } from '../web/src/exchange.js';
import { startGo } from '../web/src/wasm-exec.js';
import { createChatApi } from '../web/src/node.js';

const [wasm, callsArg, runsArg] = process.argv.slice(2);
const calls = Number(callsArg || 1500);
const { vid, sid, ...request } = seedRequest();
const sim = await startSim();
const settled = new Map();
// The floor enters Go as the ChatApi does (web/src/loader.js, directCalls): text written
// into Go's memory, a wasmexport call, then Go's scheduler resumed.
const go = await startGo();
const { instance } = await WebAssembly.instantiate(readFileSync(wasm), go.importObject);
const ex = instance.exports;
const utf8 = new TextEncoder();
const write = (a, b) => {
  const room = (a.length + b.length) * 3;
  const at = ex.floor_buffer(room);
  const n = utf8.encodeInto(a, new Uint8Array(ex.mem.buffer, at, a.length * 3)).written;
  const m = utf8.encodeInto(b, new Uint8Array(ex.mem.buffer, at + n, room - n)).written;
  return [n, m];
};
const direct = {
  answer: (port, id, status, retryAfter, text) => go.enter(() => {
    const [n, m] = write(retryAfter ?? '', text);
    return ex.floor_answer(port, id, status, retryAfter === null ? -1 : n, m) === 1;
  }),
};
await new Promise((resolve) => {
  globalThis.__appengageFloor = {
    port: exchangeOver(fetch, direct),
    base: sim.url,
    settle: (id, status, text) => { const done = settled.get(id); settled.delete(id); done([status, JSON.parse(text)]); },
    ready: resolve,
  };
  go.run(instance);
});
let n = 0;
const floor = () => new Promise((resolve) => {
  const id = ++n;
  settled.set(id, resolve);
  go.enter(() => ex.floor_call(id, write(JSON.stringify(request), '')[0]) === 1);
});
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
