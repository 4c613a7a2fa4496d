// Builds the script-tag flavour of the package, web/dist/chatapi.js (and chatapi.min.js): one
// classic script (an IIFE, no import/export) holding Go's wasm_exec.js, the loader and browser-global.js, which
// defines window.ChatApi. Run by `make build-browser` after the wasm build has copied
// wasm_exec.js and chatapi.wasm into web/.
import { build } from 'esbuild';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const f of ['wasm_exec.js', 'chatapi.wasm']) {
  if (!existsSync(join(web, f))) {
    console.error(`build-classic: web/${f} is missing: build the wasm module first (make build-wasm)`);
    process.exit(1);
  }
}
const { version } = JSON.parse(readFileSync(join(web, 'package.json'), 'utf8'));

const common = {
  entryPoints: [join(web, 'browser-global.js')],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
  define: { __APPENGAGE_VERSION__: JSON.stringify(version) },
  banner: {
    js: `/* appengage ${version}: window.ChatApi for a classic <script> tag. chatapi.wasm is loaded from ../chatapi.wasm
 * relative to this file unless ChatApi.init({ wasmURL }) says otherwise.
 * Includes wasm_exec.js, Copyright 2018 The Go Authors, under the BSD-style license of the Go distribution. */`,
  },
  // The ESM entry's new URL('./chatapi.wasm', import.meta.url) is never reached here: the
  // global facade always passes wasmURL, found from document.currentScript.
  logOverride: { 'empty-import-meta': 'silent' },
  logLevel: 'warning',
};
// Readable for pages that vendor it, minified for pages that load it from a CDN.
await build({ ...common, outfile: join(web, 'dist', 'chatapi.js') });
await build({ ...common, outfile: join(web, 'dist', 'chatapi.min.js'), minify: true, legalComments: 'inline' });
// Classic scripts, not ES modules: Node and TypeScript must not read them as ESM because of
// the package's "type": "module" (their types, global.d.cts, are CommonJS declarations).
writeFileSync(join(web, 'dist', 'package.json'), '{\n  "type": "commonjs"\n}\n');
console.log(`build-classic: web/dist/chatapi.js and chatapi.min.js (appengage ${version})`);
