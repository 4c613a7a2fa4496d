// Old module vs new module vs a plain-JS fetch client, all in one process against one
// simulator, interleaved in blocks of 50 (how a change is judged on this busy machine). The
// old module comes with its own loader, from a source tree of an earlier commit:
//   git archive <commit> | tar -x -C /tmp/old && make -C /tmp/old web/chatapi.wasm web/wasm_exec.js
//   node bench/ab-latency.mjs /tmp/old [CALLS] [RUNS]
import { startSim, seedRequest } from '../tests/node/sim.mjs';
import { interleaved, p50, plainClient } from './plain.mjs';
import { createChatApi } from '../web/src/node.js';

const [oldRoot, callsArg, runsArg] = process.argv.slice(2);
const calls = Number(callsArg || 1500);
const runs = Number(runsArg || 3);
const { createChatApi: createOld } = await import(`${oldRoot}/web/src/node.js`);
const { vid, sid, ...request } = seedRequest();
const sim = await startSim();
try {
  for (let r = 0; r < runs; r++) {
    const oldApi = await createOld({ accountId: `old${r}`, domain: sim.url });
    const newApi = await createChatApi({ accountId: `new${r}`, domain: sim.url });
    const plain = plainClient(sim.url, `plain${r}`, request);
    const order = [['old', () => oldApi.getEngagement(request)], ['new', () => newApi.getEngagement(request)], ['plain', plain]];
    const out = await interleaved(order, calls);
    oldApi.close(); newApi.close();
    const [a, b, c] = [p50(out.old), p50(out.new), p50(out.plain)];
    console.log(`run ${r + 1}: p50 old ${a.toFixed(3)} ms (${(a / c).toFixed(3)}x plain), new ${b.toFixed(3)} ms (${(b / c).toFixed(3)}x plain), plain ${c.toFixed(3)} ms; new - old ${((b - a) * 1000).toFixed(0)} us a call`);
  }
} finally {
  await sim.stop();
}
