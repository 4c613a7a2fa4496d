// Prints raw, gzip -9 and brotli -11 sizes of wasm modules (make size).
//   node bench/size.mjs web/chatapi.wasm build/wasm/bare.wasm
import { readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

/** Returns {raw, gzip, brotli} in bytes for the file at path. */
export function sizes(path) {
  const b = readFileSync(path);
  return {
    raw: b.length,
    gzip: gzipSync(b, { level: 9 }).length,
    brotli: brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: b.length } }).length,
  };
}

export const mb = (n) => (n / 1e6).toFixed(2) + ' MB';
export const kb = (n) => Math.round(n / 1e3) + ' KB';

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log('module'.padEnd(28), 'raw'.padStart(10), 'gzip'.padStart(10), 'brotli'.padStart(10));
  for (const f of process.argv.slice(2)) {
    const s = sizes(f);
    console.log(f.padEnd(28), mb(s.raw).padStart(10), kb(s.gzip).padStart(10), kb(s.brotli).padStart(10));
  }
}
