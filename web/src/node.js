// The Node and Electron-main entry of appengage: reads chatapi.wasm from the package (or
// wasmURL / wasmModule) and offers {file} session storage on top of the shared loader.

import { readFile } from 'node:fs/promises';
import { createWith, instantiate, memoise, appEngageError, VERSION } from './chatapi.js';
import { fileStorage } from './file-storage.js';

// Node 18 has no global crypto, which wasm_exec.js needs for crypto.getRandomValues; newer
// Nodes skip loading node:crypto.
if (!globalThis.crypto) globalThis.crypto = (await import('node:crypto')).webcrypto;

const DEFAULT_WASM = new URL('../chatapi.wasm', import.meta.url);

async function wasmSource(options) {
  if (options.wasmModule !== undefined) {
    if (!(options.wasmModule instanceof WebAssembly.Module)) {
      throw appEngageError('validation', 'wasmModule: must be a WebAssembly.Module', { field: 'wasmModule' });
    }
    return options.wasmModule;
  }
  const url = options.wasmURL === undefined ? DEFAULT_WASM : new URL(String(options.wasmURL), DEFAULT_WASM);
  if (url.protocol === 'file:') {
    try {
      return await readFile(url);
    } catch (err) {
      throw appEngageError('internal', `cannot read ${url.pathname}: ${err.message} (run make build-wasm, or pass wasmURL)`, { cause: err });
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw appEngageError('internal', `cannot load ${url}: HTTP ${res.status}`, { status: res.status });
  return new Uint8Array(await res.arrayBuffer());
}

const load = memoise(async (options) => instantiate(await wasmSource(options)));

function resolveStorage(storage) {
  if (storage === undefined) return 'memory'; // Node has no localStorage worth using by default
  if (storage !== null && typeof storage === 'object' && 'file' in storage) {
    return fileStorage(storage.file);
  }
  return storage;
}

/**
 * Loads the module (once per process) and creates a ChatApi for options.accountId.
 * @param {import('../index.js').ChatApiOptions} options
 */
export function createChatApi(options) {
  return createWith(options, () => load(options ?? {}), resolveStorage);
}

/** Diagnostics of the loaded module after a Go garbage collection: {jsValues, timers, wasmMemoryBytes}, or null. */
export const moduleStats = () => load.stats();

export { fileStorage, instantiate, VERSION };
