// The ChatApi over its two Node transports, node:http(s) (the Node entry's default) and
// Node's fetch (options.fetch), against the plain fetch client, interleaved in one process
// against the simulator (blocks of 50, rotated): p50 of each and the ratios.
//   node bench/transport.mjs [CALLS] [RUNS]      (after make build-wasm build-go)
import { createChatApi } from '../web/src/node.js';
import { plainClient, interleaved, p50 } from './plain.mjs';
import { startSim, seedRequest } from '../tests/node/sim.mjs';

const calls = Number(process.argv[2] || 1500);
const runs = Number(process.argv[3] || 3);
const { vid, sid, ...request } = seedRequest();
const sim = await startSim();
try {
  for (let r = 0; r < runs; r++) {
    const overHTTP = await createChatApi({ accountId: `trh${r}`, domain: sim.url });
    const overFetch = await createChatApi({ accountId: `trf${r}`, domain: sim.url, fetch: globalThis.fetch });
    const out = await interleaved([
      ['http', () => overHTTP.getEngagement(request)],
      ['fetch', () => overFetch.getEngagement(request)],
      ['plain', plainClient(sim.url, `trp${r}`, request)],
    ], calls);
    overHTTP.close();
    overFetch.close();
    const [h, f, p] = [p50(out.http), p50(out.fetch), p50(out.plain)];
    console.log(`run ${r + 1}: ChatApi over node:http ${h.toFixed(3)} ms (${(h / p).toFixed(3)}x plain), over fetch ${f.toFixed(3)} ms (${(f / p).toFixed(3)}x), plain fetch client ${p.toFixed(3)} ms; http/fetch ${(h / f).toFixed(3)}`);
  }
} finally {
  await sim.stop();
}
