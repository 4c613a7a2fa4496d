// A long life (issue 9 finding 3): 20,000 getEngagement calls, each with timeoutMs and an
// AbortSignal, against the simulator. The module's memory and the JS values Go holds, read
// after a Go GC, must stay flat within 5 % between the end of a warm-up and the end. A
// context leaked per call (a WithTimeout child never cancelled) grew the memory by 19 %.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, account } from './sim.mjs';
import { createChatApi, moduleStats } from '../../web/src/node.js';

const CALLS = Number(process.env.LONGLIFE_CALLS || 20000);
const WARMUP = Math.min(2000, CALLS / 10);

let sim;
before(async () => { sim = await startSim(); });
after(async () => { await sim.stop(); });

// Runs CALLS calls (the first WARMUP of them a warm-up) and asserts that the module's memory
// and the JS values Go holds stay within 5 % between the warm-up's end and the last call.
async function keepsFlat(call) {
  for (let i = 0; i < WARMUP; i++) await call(i);
  const start = await moduleStats();
  for (let i = WARMUP; i < CALLS; i++) {
    const r = await call(i);
    if (i % 5000 === 0) assert.ok(r.visitorId, 'still answering');
  }
  const end = await moduleStats();
  const ratio = (a, b) => (a / b).toFixed(3);
  const msg = `wasm memory ${start.wasmMemoryBytes} -> ${end.wasmMemoryBytes} (${ratio(end.wasmMemoryBytes, start.wasmMemoryBytes)}), `
    + `JS values held by Go ${start.jsValues} -> ${end.jsValues}`;
  assert.ok(end.wasmMemoryBytes <= start.wasmMemoryBytes * 1.05, msg);
  assert.ok(end.jsValues <= Math.ceil(start.jsValues * 1.05), msg);
  console.log(`# ${msg}`);
}

test(`${CALLS} calls with timeoutMs and signal keep module memory and JS values flat`, { timeout: 15 * 60 * 1000 }, async () => {
  const api = await createChatApi({ accountId: account(), domain: sim.url, retry: { delaysMs: [] } });
  const controller = new AbortController(); // one signal shared by every call, never aborted
  try {
    await keepsFlat((i) => api.getEngagement({ appType: 'EXTERNAL' }, { timeoutMs: 30000 + (i % 7), signal: controller.signal }));
  } finally {
    api.close();
  }
});

// The same life for calls made on the JS thread (no timeoutMs: a core.Flight each, see
// docs/js.md), whose flight, answer and settle are new code paths with their own state.
test(`${CALLS} calls on the JS thread keep module memory and JS values flat`, { timeout: 15 * 60 * 1000 }, async () => {
  const api = await createChatApi({ accountId: account(), domain: sim.url, retry: { delaysMs: [] } });
  try {
    await keepsFlat(() => api.getEngagement({ appType: 'EXTERNAL' }));
  } finally {
    api.close();
  }
});
