// What the per-attempt Go timer costs: two ChatApis in one process against the simulator,
// one with the default attemptTimeoutMs (the client's context deadline, a Go timer per
// attempt) and one with attemptTimeoutMs: 0 (no per-attempt deadline), and a plain-JS fetch
// client, interleaved in blocks of 50. Prints p50s and the difference a call.
//   node bench/attempt-timer.mjs [CALLS] [RUNS]
import { startSim, seedRequest } from '../tests/node/sim.mjs';
import { interleaved, p50, plainClient } from './plain.mjs';
import { createChatApi } from '../web/src/node.js';

const calls = Number(process.argv[2] || 1500);
const runs = Number(process.argv[3] || 3);
const { vid, sid, ...request } = seedRequest();
const sim = await startSim();
try {
  for (let r = 0; r < runs; r++) {
    const timer = await createChatApi({ accountId: `timer${r}`, domain: sim.url });
    const none = await createChatApi({ accountId: `none${r}`, domain: sim.url, attemptTimeoutMs: 0 });
    const plain = plainClient(sim.url, `plain${r}`, request);
    const order = [['timer', () => timer.getEngagement(request)], ['none', () => none.getEngagement(request)], ['plain', plain]];
    const out = await interleaved(order, calls);
    timer.close(); none.close();
    const [a, b, c] = [p50(out.timer), p50(out.none), p50(out.plain)];
    console.log(`run ${r + 1}: p50 with the Go attempt timer ${a.toFixed(3)} ms (${(a / c).toFixed(3)}x plain), without ${b.toFixed(3)} ms (${(b / c).toFixed(3)}x), plain ${c.toFixed(3)} ms: the timer costs ${((a - b) * 1000).toFixed(0)} us a call`);
  }
} finally {
  await sim.stop();
}
