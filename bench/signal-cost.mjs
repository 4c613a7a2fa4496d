// What the per-attempt abort signal costs end to end now: ChatApis whose fetch gets the
// port's init as it is, or without its signal (not abortable: for measurement only), and a
// plain-JS client, interleaved in blocks of 50 in one process against the simulator.
//   node bench/signal-cost.mjs [CALLS] [RUNS]
import { startSim, seedRequest } from '../tests/node/sim.mjs';
import { createChatApi } from '../web/src/node.js';

const calls = Number(process.argv[2] || 1500);
const runs = Number(process.argv[3] || 3);
const { vid, sid, ...request } = seedRequest();
const sim = await startSim();
const p50 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
try {
  for (let r = 0; r < runs; r++) {
    const withSignal = await createChatApi({ accountId: `ws${r}`, domain: sim.url, fetch: (url, init) => fetch(url, init) });
    const noSignal = await createChatApi({ accountId: `ns${r}`, domain: sim.url, fetch: (url, { signal, ...init }) => fetch(url, init) });
    const plain = async () => JSON.parse(await (await fetch(`${sim.url}/api/account/sp${r}/app/engagement/visitors/?v=1.0`, { method: 'POST', headers, body: JSON.stringify(request) })).text());
    const order = [['signal', () => withSignal.getEngagement(request)], ['none', () => noSignal.getEngagement(request)], ['plain', plain]];
    const out = Object.fromEntries(order.map(([n]) => [n, []]));
    for (let i = 0; i < 100; i++) for (const [, fn] of order) await fn();
    for (let done = 0, b = 0; done < calls; done += 50, b++) {
      const k = b % order.length;
      for (const [n, fn] of [...order.slice(k), ...order.slice(0, k)]) for (let i = 0; i < 50; i++) { const t0 = performance.now(); await fn(); out[n].push(performance.now() - t0); }
    }
    withSignal.close(); noSignal.close();
    const [a, b, c] = [p50(out.signal), p50(out.none), p50(out.plain)];
    console.log(`run ${r + 1}: with signal ${a.toFixed(3)} ms (${(a / c).toFixed(3)}x), without ${b.toFixed(3)} ms (${(b / c).toFixed(3)}x), plain ${c.toFixed(3)} ms: the signal costs ${((a - b) * 1000).toFixed(0)} us a call`);
  }
} finally {
  await sim.stop();
}
