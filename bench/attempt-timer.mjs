// What the per-attempt Go timer costs: two ChatApis in one process against the simulator,
// one with the default attemptTimeoutMs (the client's context deadline, a Go timer per
// attempt) and one with attemptTimeoutMs: 0 (no per-attempt deadline), and a plain-JS fetch
// client, interleaved in blocks of 50. Prints p50s and the difference a call.
//   node bench/attempt-timer.mjs [CALLS] [RUNS]
import { createChatApi } from '../web/src/node.js';
import { chatApiRounds } from './plain.mjs';

const calls = Number(process.argv[2] || 1500);
const runs = Number(process.argv[3] || 3);
await chatApiRounds(createChatApi, [['timer', {}], ['none', { attemptTimeoutMs: 0 }]], { calls, runs }, (r, { timer: a, none: b, plain: c }) => {
  console.log(`run ${r}: p50 with the Go attempt timer ${a.toFixed(3)} ms (${(a / c).toFixed(3)}x plain), without ${b.toFixed(3)} ms (${(b / c).toFixed(3)}x), plain ${c.toFixed(3)} ms: the timer costs ${((a - b) * 1000).toFixed(0)} us a call`);
});
