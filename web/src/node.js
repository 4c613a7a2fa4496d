// The Node and Electron-main entry of appengage: reads chatapi.wasm from the package (or
// wasmURL / wasmModule) through the shared loader and offers {file} session storage.

import { readFile } from 'node:fs/promises';
import { createWith } from './chatapi.js';
import { moduleLoader } from './loader.js';
import { httpFetch } from './exchange.js';
import { fileStorage } from './file-storage.js';
import { VERSION } from './version.js';

// Node 18 has no global crypto, which wasm_exec.js needs for crypto.getRandomValues; newer
// Nodes skip loading node:crypto. The check does not read globalThis.crypto: that getter
// loads Node's webcrypto (~6 ms), which startGo does while the wasm compiles instead.
if (!('crypto' in globalThis)) globalThis.crypto = (await import('node:crypto')).webcrypto;

const DEFAULT_WASM = new URL('../chatapi.wasm', import.meta.url);

const load = moduleLoader({ defaultURL: DEFAULT_WASM, base: DEFAULT_WASM, readFile });

// {file} storage is an own data property `file` only (chatapi.js's storageOption has already
// copied a plain {file} object): an inherited one (a polluted Object.prototype) or a getter
// must not turn a {get, set, remove} object into a file path.
function resolveStorage(storage) {
  if (storage === undefined) return 'memory'; // Node has no localStorage worth using by default
  if (storage !== null && typeof storage === 'object') {
    const d = Reflect.getOwnPropertyDescriptor(storage, 'file');
    if (d !== undefined && 'value' in d) return fileStorage(d.value);
  }
  return storage;
}

// Round trips go through node:http(s), loaded at the first one (exchange.js, httpFetch),
// unless options.fetch is given.
const defaultFetch = httpFetch(() => Promise.all([import('node:http'), import('node:https'), import('node:zlib')])
  .then(([http, https, zlib]) => ({ http: http.default, https: https.default, zlib: zlib.default })));

/**
 * Loads the module (once per process) and creates a ChatApi for options.accountId.
 * @param {import('../index.js').ChatApiOptions} options
 */
export function createChatApi(options) {
  return createWith(options, load, resolveStorage, defaultFetch);
}

/** Diagnostics of the loaded module after a Go garbage collection: {jsValues, timers, wasmMemoryBytes}, or null. */
export const moduleStats = () => load.stats();

export { fileStorage, VERSION };
