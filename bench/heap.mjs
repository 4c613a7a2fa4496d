// Memory after 1,000 and after 10,000 getEngagement calls, in one process run with
// --expose-gc: the JS heap, the wasm linear memory (Go's heap lives there and never shrinks)
// and the number of JS values Go holds references to (a leaked js.Func or value shows here).
//   node --expose-gc bench/heap.mjs SIM_URL
import { createChatApi, moduleStats } from '../web/src/node.js';

const base = process.argv[2];
const api = await createChatApi({ accountId: 'heapbench', domain: base });
const { seedRequest } = await import('../tests/node/sim.mjs');
const { vid, sid, ...request } = seedRequest();

async function measure(label) {
  const stats = await moduleStats(); // Go's GC first: it releases JS values
  for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setImmediate(r)); }
  const m = process.memoryUsage();
  return { label, heapUsed: m.heapUsed, ...stats };
}

let n = 0;
async function run(upTo) {
  for (; n < upTo; n++) {
    const r = await api.getEngagement(request);
    if (r.status !== 'Available') throw new Error('unexpected answer');
  }
}
await run(1000);
const at1k = await measure('1000');
await run(Number(process.argv[3] || 10000));
const at10k = await measure('10000');
api.close();
console.log(JSON.stringify({ at1k, at10k }));
