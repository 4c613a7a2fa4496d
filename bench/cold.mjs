// One cold start, in a fresh Node process: prints the milliseconds from process start
// (performance.timeOrigin) to a ready ChatApi, or to a started bare Go wasm program.
//   node bench/cold.mjs chatapi SIM_URL | node bench/cold.mjs bare BARE_WASM
import { readFile } from 'node:fs/promises';

const [kind, arg] = process.argv.slice(2);
if (kind === 'chatapi') {
  const { createChatApi } = await import('../web/src/node.js');
  const api = await createChatApi({ accountId: 'coldstart', domain: arg, ...(process.env.WASM_URL ? { wasmURL: process.env.WASM_URL } : {}) });
  console.log(performance.now());
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
  console.log(performance.now());
  process.exit(0);
}
