// The ChatApi over its two Node transports, node:http(s) (the Node entry's default) and
// Node's fetch (options.fetch), against the plain fetch client, interleaved in one process
// against the simulator (blocks of 50, rotated): p50 of each and the ratios.
//   node bench/transport.mjs [CALLS] [RUNS]      (after make build-wasm build-go)
import { createChatApi } from '../web/src/node.js';
import { chatApiRounds } from './plain.mjs';

const calls = Number(process.argv[2] || 1500);
const runs = Number(process.argv[3] || 3);
await chatApiRounds(createChatApi, [['http', {}], ['fetch', { fetch: globalThis.fetch }]], { calls, runs }, (r, { http: h, fetch: f, plain: p }) => {
  console.log(`run ${r}: ChatApi over node:http ${h.toFixed(3)} ms (${(h / p).toFixed(3)}x plain), over fetch ${f.toFixed(3)} ms (${(f / p).toFixed(3)}x), plain fetch client ${p.toFixed(3)} ms; http/fetch ${(h / f).toFixed(3)}`);
});
