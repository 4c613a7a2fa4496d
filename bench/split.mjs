// Where one getEngagement's time goes with real I/O: 1,000 sequential calls against the
// simulator, timestamps taken around the module's handle call, the exchange port's fetch and
// the port's callback into Go (the module and loader are used as shipped; only the handle,
// the port and fetch are wrapped). Prints the median of each stage in µs:
//   loader       getEngagement() until the handle call (option checks, JSON.stringify)
//   go-to-fetch  the handle call until fetch is called (Go: decode, validate, session, URL, body)
//   fetch-sync   fetch's synchronous part (undici; the plain client pays it too)
//   go-after     fetch's return until the handle call returns (the rest of Go's turn)
//   network      fetch's promise until the Response (undici and the simulator)
//   text         res.text()
//   go-answer    the port's callback into Go (decode, check, store, settle)
//   settle       from the settle back to the caller's await
//   node bench/split.mjs [module.wasm]
import { readFileSync } from 'node:fs';
import { startSim, seedRequest } from '../tests/node/sim.mjs';
import { createWith } from '../web/src/chatapi.js';
import { instantiate } from '../web/src/loader.js';

const { vid, sid, ...request } = seedRequest();
const sim = await startSim();
let t = {};
const timedFetch = async (url, init) => {
  t.fetch = performance.now();
  const p = fetch(url, init);
  t.fetchSync = performance.now();
  const res = await p;
  t.res = performance.now();
  const text = await res.text();
  t.text = performance.now();
  return { status: res.status, type: res.type, headers: res.headers, body: null, text: async () => text };
};
const module = await instantiate(readFileSync(process.argv[2] || new URL('../web/chatapi.wasm', import.meta.url)));
const exports = { ...module.exports, newClient(config, port, storage, settle) {
  const timedPort = {
    connect: (fn) => port.connect((...a) => { t.cb = performance.now(); fn(...a); t.cbEnd = performance.now(); }),
    send: port.send, abort: port.abort,
  };
  const h = module.exports.newClient(config, timedPort, storage, settle);
  const ge = h.getEngagement;
  h.getEngagement = (...a) => { t.h = performance.now(); const r = ge(...a); t.hEnd = performance.now(); return r; };
  return h;
} };
const api = await createWith({ accountId: 'split', domain: sim.url, fetch: timedFetch, storage: 'memory' }, async () => ({ ...module, exports }), (s) => s);
const stages = ['loader', 'go-to-fetch', 'fetch-sync', 'go-after', 'network', 'text', 'go-answer', 'settle'];
const one = async () => {
  t = {};
  const t0 = performance.now();
  await api.getEngagement(request);
  const t1 = performance.now();
  return [t.h - t0, t.fetch - t.h, t.fetchSync - t.fetch, t.hEnd - t.fetchSync, t.res - t.hEnd, t.text - t.res, t.cbEnd - t.cb, t1 - t.cbEnd];
};
for (let i = 0; i < 200; i++) await one();
const rows = [];
for (let i = 0; i < 1000; i++) rows.push(await one());
const med = (j) => { const s = rows.map((r) => r[j]).sort((x, y) => x - y); return (s[s.length >> 1] * 1000).toFixed(0); };
console.log(stages.map((n, j) => `${n} ${med(j)}`).join(', '), 'µs (medians)');
api.close();
await sim.stop();
