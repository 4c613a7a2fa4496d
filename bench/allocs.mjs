// Go's allocation profile of N sequential getEngagement calls against the simulator, in the
// module built with -tags memprofile (wasm/chatapi/memprofile.go): the module's loader and
// direct calls as in the package, every allocation's stack recorded. Writes the "allocs"
// profile after 100 warm-up calls and again after N more, for go tool pprof -base
// (make bench-wasm-allocs prints both tables, by bytes and by count).
//   node bench/allocs.mjs MEMPROFILE_WASM [CALLS] [OUT_DIR]
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { createWith } from '../web/src/chatapi.js';
import { moduleLoader } from '../web/src/loader.js';
import { startSim, seedRequest } from '../tests/node/sim.mjs';

const [wasmArg, callsArg, outArg] = process.argv.slice(2);
if (!wasmArg) throw new Error('usage: node bench/allocs.mjs MEMPROFILE_WASM [CALLS] [OUT_DIR]');
const calls = Number(callsArg || 1000);
const out = resolve(outArg || 'build/bench');
const wasm = pathToFileURL(resolve(wasmArg));
const load = moduleLoader({ defaultURL: wasm, base: wasm, readFile });
const { vid, sid, ...request } = seedRequest();

const sim = await startSim();
try {
  const api = await createWith({ accountId: 'allocs', domain: sim.url }, load, () => 'memory');
  const { exports } = await load({});
  if (typeof exports.heapProfile !== 'function') throw new Error(`${wasmArg} is not built with -tags memprofile`);
  const profile = () => new Promise((res, rej) => exports.heapProfile(res, rej));
  for (let i = 0; i < 100; i++) await api.getEngagement(request); // warm up: the first call creates the session
  const before = await profile();
  for (let i = 0; i < calls; i++) {
    const r = await api.getEngagement(request);
    if (r.status !== 'Available') throw new Error(`unexpected answer ${JSON.stringify(r)}`);
  }
  const after = await profile();
  api.close();
  await mkdir(out, { recursive: true });
  await writeFile(`${out}/allocs-before.pb.gz`, before);
  await writeFile(`${out}/allocs-after.pb.gz`, after);
  console.log(`${calls} calls profiled: ${out}/allocs-before.pb.gz, ${out}/allocs-after.pb.gz`);
} finally {
  await sim.stop();
}
