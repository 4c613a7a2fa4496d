// Bundles app.jsx (React, react-dom and appengage/button) into dist/app.js with esbuild, and
// copies chatapi.wasm beside it: esbuild keeps browser.js's new URL('./chatapi.wasm',
// import.meta.url) but does not copy the file (webpack and Vite do).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: [join(here, 'app.jsx')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  jsx: 'automatic',
  minify: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  outfile: join(dist, 'app.js'),
  logLevel: 'warning',
});
const require = createRequire(join(here, 'package.json'));
copyFileSync(require.resolve('appengage/chatapi.wasm'), join(dist, 'chatapi.wasm'));
console.log('examples/react: dist/app.js and dist/chatapi.wasm');
