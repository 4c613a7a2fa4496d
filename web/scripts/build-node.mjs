// Builds the package's Node entry, web/dist/node.mjs: src/node.js bundled with the modules it
// imports and Go's wasm_exec.js into one ES module. Node reads, resolves and links every module
// file on its own (a few ms each on a slow disk), and a cold start to a ready ChatApi paid
// that for ten of them; one file is what the bare Go program pays for wasm_exec.js alone
// (docs/benchmarks/wasm.md, "Cold start: one file for Node"). wasm_exec.js still runs only
// when the first createChatApi starts Go. Run by `make build-node` after the wasm build has
// copied wasm_exec.js into web/.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(web, 'wasm_exec.js'))) {
  console.error('build-node: web/wasm_exec.js is missing: build the wasm module first (make build-wasm)');
  process.exit(1);
}
const { version } = JSON.parse(readFileSync(join(web, 'package.json'), 'utf8'));

await build({
  entryPoints: [join(web, 'src', 'node.js')],
  bundle: true,
  format: 'esm',
  platform: 'node', // node: built-ins stay imports
  target: ['node18'],
  // .mjs: dist/package.json makes the script-tag builds beside it CommonJS.
  outfile: join(web, 'dist', 'node.mjs'),
  banner: {
    js: `/* appengage ${version}: the Node and Electron-main entry, src/node.js and its modules in one file.
 * Includes wasm_exec.js, Copyright 2018 The Go Authors, under the BSD-style license of the Go distribution. */`,
  },
  logLevel: 'warning',
});
console.log(`build-node: web/dist/node.mjs (appengage ${version})`);
