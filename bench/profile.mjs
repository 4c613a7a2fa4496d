// Where a getEngagement's time goes: N sequential calls against the simulator, counting per
// call the crossings between JS and Go (every gojs import Go calls, every time JS resumes
// Go) and the js.Value finalizers Go runs (syscall/js.finalizeRef). Run under
// `node --cpu-prof` for the profile itself (docs/benchmarks/wasm.md says how).
//   node bench/profile.mjs [CALLS] [WASM_URL]
import { startSim } from '../tests/node/sim.mjs';

const calls = Number(process.argv[2] || 1000);
await import('../web/wasm_exec.js');
const counts = new Map();
const bump = (k) => counts.set(k, (counts.get(k) || 0) + 1);
const Base = globalThis.Go;
if (process.env.COUNT !== '0') globalThis.Go = class CountingGo extends Base {
  constructor() {
    super();
    const gojs = this.importObject.gojs;
    for (const [name, fn] of Object.entries(gojs)) {
      gojs[name] = (sp) => { bump(name); return fn(sp); };
    }
  }
  _resume() { bump('JS→Go resume'); return super._resume(); }
};

const { createChatApi, moduleStats } = await import('../web/src/node.js');
const sim = await startSim();
try {
  const api = await createChatApi({ accountId: 'profile', domain: sim.url, ...(process.argv[3] ? { wasmURL: process.argv[3] } : {}) });
  for (let i = 0; i < 100; i++) await api.getEngagement({ appType: 'EXTERNAL' }); // warm up
  counts.clear();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await api.getEngagement({ appType: 'EXTERNAL' });
  const ms = performance.now() - t0;
  const gcRuns = counts.get('syscall/js.finalizeRef') || 0;
  await moduleStats(); // a Go GC runs the finalizers of every js.Value the calls left behind
  counts.set('finalizers run during the calls', gcRuns);
  api.close();
  const rows = [...counts].sort((a, b) => b[1] - a[1]);
  console.log(`${calls} calls, ${(ms / calls).toFixed(3)} ms a call (mean)`);
  for (const [k, n] of rows) console.log(`${(n / calls).toFixed(2).padStart(8)}  ${k}`);
  const go2js = rows.filter(([k]) => k.startsWith('syscall/js.') && k !== 'syscall/js.finalizeRef').reduce((a, [, n]) => a + n, 0);
  console.log(`per call: ${(go2js / calls).toFixed(1)} Go→JS syscall/js calls, ${((counts.get('JS→Go resume') || 0) / calls).toFixed(1)} JS→Go resumes, ${((counts.get('syscall/js.finalizeRef') || 0) / calls).toFixed(1)} js.Value finalizers`);
} finally {
  await sim.stop();
}
