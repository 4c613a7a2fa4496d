// The latency floor of the ChatApi's design (bench/floor/main.go, built by make bench-floor)
// and of a design without goroutines on the call's path (bench/floorsync/main.go) against a
// plain-JS fetch client and the ChatApi, interleaved in blocks of 50 in one process against
// the simulator; prints p50s and ratios to the plain client for RUNS runs.
//   node bench/floor.mjs FLOOR_WASM FLOORSYNC_WASM [CALLS] [RUNS]
import { readFileSync } from 'node:fs';
import { startSim, seedRequest } from '../tests/node/sim.mjs';
import { interleaved, p50, plainClient } from './plain.mjs';
import { exchangeOver } from '../web/src/exchange.js';
import { startGo } from '../web/src/wasm-exec.js';
import { createChatApi } from '../web/src/node.js';

const [wasm, syncWasm, callsArg, runsArg] = process.argv.slice(2);
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
    // 2: taken, and a goroutine woken (go.enter resumes Go's scheduler)
    return ex.floor_answer(port, id, status, retryAfter === null ? -1 : n, m) === 1 ? 2 : 0;
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
// The sync floor: two direct calls and the fetch made in JS, nothing resumes Go.
const syncGo = await startGo();
const { instance: syncInstance } = await WebAssembly.instantiate(readFileSync(syncWasm), syncGo.importObject);
await new Promise((resolve) => {
  globalThis.__appengageFloorSync = { base: sim.url, ready: resolve };
  syncGo.run(syncInstance);
});
const sx = syncInstance.exports;
const H = { Accept: 'application/json', 'Content-Type': 'application/json' };
const floorSync = async () => {
  const text = JSON.stringify(request);
  let at = sx.floorsync_buffer(text.length * 3);
  const n = sx.floorsync_plan(utf8.encodeInto(text, new Uint8Array(sx.mem.buffer, at, text.length * 3)).written);
  const url = new TextDecoder().decode(new Uint8Array(sx.mem.buffer, sx.floorsync_buffer(n), n));
  const controller = new AbortController();
  const res = await fetch(url, { method: 'POST', headers: H, body: text, signal: controller.signal, redirect: 'manual' });
  const answer = await res.text();
  at = sx.floorsync_buffer(answer.length * 3);
  sx.floorsync_answer(res.status, utf8.encodeInto(answer, new Uint8Array(sx.mem.buffer, at, answer.length * 3)).written);
  return [res.status, JSON.parse(answer)];
};
let n = 0;
const floor = () => new Promise((resolve) => {
  const id = ++n;
  settled.set(id, resolve);
  go.enter(() => (ex.floor_call(id, write(JSON.stringify(request), '')[0]) === 1 ? 2 : 0));
});
try {
  for (let r = 0; r < Number(runsArg || 3); r++) {
    const api = await createChatApi({ accountId: `floorours${r}`, domain: sim.url });
    const plain = plainClient(sim.url, `floorplain${r}`, request);
    const order = [['plain', plain], ['floorsync', floorSync], ['floor', floor], ['chatapi', () => api.getEngagement(request)]];
    const out = await interleaved(order, calls);
    api.close();
    const [p, fs, f, c] = [p50(out.plain), p50(out.floorsync), p50(out.floor), p50(out.chatapi)];
    const us = (x) => `${(x * 1000).toFixed(0)} us (${(x / p).toFixed(3)}x)`;
    console.log(`run ${r + 1}: p50 plain ${(p * 1000).toFixed(0)} us, floorsync ${us(fs)}, floor ${us(f)}, chatapi ${us(c)}; chatapi - floor ${((c - f) * 1000).toFixed(0)} us`);
  }
} finally {
  await sim.stop();
  process.exit(0);
}
