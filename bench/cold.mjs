// One cold start, in a fresh Node process: prints the milliseconds from process start
// (performance.timeOrigin) to a ready ChatApi, or to a started bare Go wasm program.
//   node bench/cold.mjs chatapi SIM_URL | node bench/cold.mjs bare BARE_WASM
// The ChatApi is loaded from the file the package's exports map gives Node's import (what an
// installed package's users load: web/dist/node.mjs, built by make build-node).
// WASM_URL picks another chatapi.wasm, ENTRY the entry file (bench/cold-rounds.mjs always
// passes it, resolved before the process starts, so that reading package.json is not counted;
// an older checkout's for A/B runs); COLD_CPU=1 adds the process's CPU milliseconds after the time
// (V8 compiles in background threads, so CPU time shows work that load hides or inflates).
import { readFile } from 'node:fs/promises';

const [kind, arg] = process.argv.slice(2);
const report = () => {
  const cpu = process.cpuUsage();
  console.log(process.env.COLD_CPU ? `${performance.now()} ${(cpu.user + cpu.system) / 1000}` : performance.now());
};
if (kind === 'chatapi') {
  const entry = process.env.ENTRY || await readFile(new URL('../web/package.json', import.meta.url), 'utf8')
    .then((text) => new URL(JSON.parse(text).exports['.'].node.import.default, new URL('../web/', import.meta.url)).href);
  const { createChatApi } = await import(entry);
  const api = await createChatApi({ accountId: 'coldstart', domain: arg, ...(process.env.WASM_URL ? { wasmURL: process.env.WASM_URL } : {}) });
  report();
  api.close();
} else {
  // The same steps as the loader: wasm_exec.js, read, instantiate, run until main hands
  // over its exports.
  await import('../web/wasm_exec.js');
  const go = new globalThis.Go();
  const { instance } = await WebAssembly.instantiate(await readFile(arg), go.importObject);
  await new Promise((resolve) => {
    globalThis.__appengageBoot = resolve;
    go.run(instance);
  });
  report();
  process.exit(0);
}
