// getEngagement through the ChatApi against a plain-JS fetch client doing the same request
// (LivePerson's example without vid/sid, reusing the ids it gets back), interleaved in
// blocks so both see the same machine load. A second plain client also passes a timeout
// signal, as the ChatApi does for every attempt (undici does real work for a signal).
// Prints JSON {ours, plain, plainWithSignal} with per-call ms.
//   node bench/latency.mjs SIM_URL CALLS
import { createChatApi } from '../web/src/node.js';
import { plainClient } from './plain.mjs';

const [base, callsArg] = process.argv.slice(2);
const calls = Number(callsArg || 1000);
const { seedRequest } = await import('../tests/node/sim.mjs');
const { vid, sid, ...request } = seedRequest();

const api = await createChatApi({ accountId: 'latencyours', domain: base, ...(process.env.WASM_URL ? { wasmURL: process.env.WASM_URL } : {}) });

const plain = plainClient(base, 'latencyplain', request);
const plainWithSignal = plainClient(base, 'latencyplainsig', request, { withSignal: true });
const ours = () => api.getEngagement(request);

const out = { ours: [], plain: [], plainWithSignal: [] };
const block = 50;
for (let i = 0; i < 100; i++) { await ours(); await plain(); await plainWithSignal(); } // warm up (JIT, sockets)
const order = [['ours', ours], ['plain', plain], ['plainWithSignal', plainWithSignal]];
for (let done = 0; done < calls; done += block) {
  const k = (done / block) % 3;
  for (const [name, fn] of [...order.slice(k), ...order.slice(0, k)]) {
    for (let i = 0; i < block; i++) {
      const t0 = performance.now();
      await fn();
      out[name].push(performance.now() - t0);
    }
  }
}
api.close();
console.log(JSON.stringify(out));
