// The one loader of both entries (browser.js and src/node.js): where the wasm bytes come
// from (wasmSource), starting the Go module (instantiate) and sharing one started module
// between createChatApi calls (memoise). The entries only say where the default wasm is and
// whether file: URLs are read from disk.

import { VERSION } from './version.js';
import { appEngageError } from './errors.js';
import { startGo } from './wasm-exec.js';

const BOOT_GLOBAL = '__appengageBoot';

/**
 * Starts the Go module and returns its exports once main has handed them over.
 * @param {BufferSource | WebAssembly.Module} source the wasm bytes or a compiled module
 * @returns {Promise<{exports: any, alive: () => boolean, onExit: (fn: (code: number) => void) => () => void}>}
 */
export async function instantiate(source) {
  // Compile while wasm_exec.js loads.
  const compiling = source instanceof WebAssembly.Module ? source : WebAssembly.compile(source);
  compiling.catch?.(() => {}); // awaited below; do not report it as unhandled meanwhile
  const go = await startGo();
  const instance = await WebAssembly.instantiate(await compiling, go.importObject);
  let exports;
  const previous = globalThis[BOOT_GLOBAL];
  globalThis[BOOT_GLOBAL] = (e) => { exports = e; };
  try {
    // run executes Go's main synchronously up to its first block, so the boot callback has
    // been called by the time run returns.
    go.run(instance);
  } finally {
    if (previous === undefined) delete globalThis[BOOT_GLOBAL]; else globalThis[BOOT_GLOBAL] = previous;
  }
  if (!exports) throw appEngageError('internal', 'chatapi.wasm did not start (is it the appengage module?)');
  if (exports.version !== VERSION) {
    throw appEngageError('internal', `chatapi.wasm is version ${exports.version} but the loader is ${VERSION}; rebuild or reinstall the package`);
  }
  return {
    exports,
    alive: go.alive,
    onExit: go.onExit,
    hold: go.hold,
    release: go.release,
    /** Runs Go's garbage collector and finalizers (for leak checks). */
    collect: () => {
      go.hold();
      return new Promise((resolve, reject) => exports.collect(resolve, reject)).finally(go.release);
    },
    stats: () => go.stats(instance),
  };
}

/**
 * Memoises a module loader: concurrent and later calls share one instance; a failed load,
 * or a module that stopped, is retried on the next call.
 * @param {(options: object) => Promise<Awaited<ReturnType<typeof instantiate>>>} loadModule
 */
export function memoise(loadModule) {
  let pending = null;
  let loaded = null;
  const load = (options) => {
    if (!pending) {
      pending = loadModule(options).then((m) => {
        loaded = m;
        m.onExit(() => { pending = null; loaded = null; });
        return m;
      }, (err) => {
        pending = null;
        throw err;
      });
    }
    return pending;
  };
  /** The loaded module's diagnostics (see instantiate), or null before it is loaded. */
  load.stats = async () => {
    if (!loaded) return null;
    await loaded.collect();
    return loaded.stats();
  };
  return load;
}

/**
 * The module's source from options.wasmModule, else options.wasmURL (resolved against base),
 * else defaultURL (against base): read from disk when it is a file: URL and readFile is given (Node),
 * otherwise fetched and compiled (while downloading when the server labels it
 * application/wasm).
 * @param {{wasmModule?: unknown, wasmURL?: unknown}} options
 * @param {{defaultURL: URL | string, base: URL | string, readFile?: (url: URL) => Promise<Uint8Array>}} where
 */
export async function wasmSource(options, { defaultURL, base, readFile }) {
  if (options.wasmModule !== undefined) {
    if (!(options.wasmModule instanceof WebAssembly.Module)) {
      throw appEngageError('validation', 'wasmModule: must be a WebAssembly.Module', { field: 'wasmModule' });
    }
    return options.wasmModule;
  }
  const url = options.wasmURL === undefined ? new URL(defaultURL, base) : new URL(String(options.wasmURL), base);
  if (url.protocol === 'file:' && readFile) {
    try {
      return await readFile(url);
    } catch (err) {
      throw appEngageError('internal', `cannot read ${url.pathname}: ${err.message} (run make build-wasm, or pass wasmURL)`, { cause: err });
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw appEngageError('internal', `cannot load ${url}: HTTP ${res.status}`, { status: res.status });
  if (typeof WebAssembly.compileStreaming === 'function' && res.headers.get('Content-Type') === 'application/wasm') {
    return WebAssembly.compileStreaming(res);
  }
  return WebAssembly.compile(await res.arrayBuffer());
}

/**
 * A memoised loader of the module from wasmSource(options, where).
 * @param {Parameters<typeof wasmSource>[1]} where
 */
export function moduleLoader(where) {
  return memoise(async (options) => instantiate(await wasmSource(options, where)));
}
