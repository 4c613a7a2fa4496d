// The one loader of both entries (browser.js and src/node.js): where the wasm bytes come
// from (wasmSource), starting the Go module (instantiate) and sharing one started module
// between createChatApi calls (memoise). The entries only say where the default wasm is and
// whether file: URLs are read from disk.

import { VERSION } from './version.js';
import { appEngageError } from './errors.js';
import { startGo } from './wasm-exec.js';
import { directCalls } from './exchange.js';

const BOOT_GLOBAL = '__appengageBoot';

/**
 * Starts the Go module and returns its exports once main has handed them over.
 * @param {BufferSource | WebAssembly.Module} source the wasm bytes or a compiled module
 * @param {ReturnType<typeof startGo>} [starting] a startGo() begun earlier (moduleLoader
 *   begins it while the wasm is read and compiled)
 * @returns {Promise<{exports: any, alive: () => boolean, onExit: (fn: (code: number) => void) => () => void}>}
 */
export async function instantiate(source, starting = startGo()) {
  starting.catch(() => {}); // awaited below; do not report it as unhandled meanwhile
  // Compile while wasm_exec.js loads.
  const compiling = source instanceof WebAssembly.Module ? source : WebAssembly.compile(source);
  compiling.catch?.(() => {}); // awaited below; do not report it as unhandled meanwhile
  const go = await starting;
  let instance;
  try {
    const module = await compiling;
    instance = await WebAssembly.instantiate(module, go.importObject);
    await writePackedData(module, instance.exports.mem);
  } catch (err) {
    throw appEngageError('load_failed', `chatapi.wasm cannot be started (${err.message}): it is not the appengage module of this loader; pass wasmURL (or wasmModule) of the package's chatapi.wasm`, { cause: err });
  }
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
  if (!exports) throw appEngageError('load_failed', 'chatapi.wasm did not start: it is not the appengage module; pass wasmURL (or wasmModule) of the package\'s chatapi.wasm');
  if (exports.version !== VERSION) {
    throw appEngageError('load_failed', `chatapi.wasm is version ${exports.version} but the loader is ${VERSION}: reinstall the package, or pass wasmURL of the chatapi.wasm of version ${VERSION}`);
  }
  return {
    exports,
    alive: go.alive,
    onExit: go.onExit,
    hold: go.hold,
    release: go.release,
    direct: directCalls(go, instance),
    // True while JS runs under one of the direct calls (a fetch function a call on the JS
    // thread calls): a call made from there starts once that one has returned.
    inDirect: go.inDirect,
    /** Runs Go's garbage collector and finalizers (for leak checks). */
    collect: () => {
      go.hold();
      return new Promise((resolve, reject) => {
        const failed = exports.collect(resolve, reject); // an Error: a panic before it settled
        if (failed instanceof Error) reject(failed);
      }).finally(go.release);
    },
    stats: () => go.stats(instance),
  };
}

// The custom section in which make build-wasm (web/scripts/pack-wasm.mjs) puts the module's
// tiny data segments, the version of its layout, and the import name under which the module
// in it takes the Go module's memory.
export const PACKED_DATA_SECTION = 'appengage.data';
export const PACKED_DATA_IMPORT = 'appengage';
const PACKED_DATA_VERSION = 3;

/**
 * Writes the data segments the build moved into the custom section PACKED_DATA_SECTION into
 * the instance's memory, as instantiating would have written them had they stayed: this must
 * run before Go does. Go's linker emits one active data segment per few bytes of its
 * PC → function table (16 per function under wasm's PCs): 40,000 of the module's 44,000
 * segments and 400 KB of its file, which V8 decodes and copies one by one at every start
 * (docs/benchmarks/wasm.md, "Go's findfunctab").
 * Layout: a version byte; the number of runs (segments of one length at one stride apart),
 * then per run its first offset, the stride, the count (LEB128 each) and the length (one
 * byte); then a small wasm module that holds the segments' bytes, one run after the other,
 * as one passive data segment, imports the memory as PACKED_DATA_IMPORT.mem and exports
 * copy(to, from, end, stride, len), called here once per run (~150 runs). In wasm the copy
 * takes well under a millisecond; the same loop in JS, run once and cold, took 10–14 ms.
 * A module without the section (a Go build that was not packed) needs nothing.
 * @param {WebAssembly.Module} module
 * @param {WebAssembly.Memory} memory
 * @returns {Promise<void>}
 */
export async function writePackedData(module, memory) {
  const sections = WebAssembly.Module.customSections(module, PACKED_DATA_SECTION);
  if (sections.length === 0) return;
  if (sections.length !== 1) throw new Error(`${sections.length} ${PACKED_DATA_SECTION} sections`);
  const b = new Uint8Array(sections[0]);
  if (b[0] !== PACKED_DATA_VERSION) throw new Error(`${PACKED_DATA_SECTION} has layout ${b[0]}, not ${PACKED_DATA_VERSION}: the module and this loader are of different builds`);
  const malformed = (why, cause) => new Error(`${PACKED_DATA_SECTION} is malformed (${why})`, cause ? { cause } : undefined);
  let p = 1;
  const leb = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      if (p >= b.length || shift > 28) throw malformed('cut short');
      const x = b[p++];
      v += (x & 0x7f) * 2 ** shift;
      if (x < 0x80) return v;
    }
  };
  const runs = [];
  for (let n = leb(); n > 0; n--) {
    const start = leb();
    const stride = leb();
    const count = leb();
    const len = b[p++];
    if (len === undefined || count === 0) throw malformed('cut short');
    runs.push([start, stride, count, len]);
  }
  let copy;
  try {
    copy = (await writer(b.subarray(p), { [PACKED_DATA_IMPORT]: { mem: memory } })).exports.copy;
  } catch (err) {
    throw malformed(err.message, err);
  }
  if (typeof copy !== 'function') throw malformed('no copy function');
  let from = 0;
  for (const [start, stride, count, len] of runs) {
    const end = from + count * len;
    try {
      // memory.init checks its bounds before each copy: a segment past the memory's end,
      // or past the data's, traps and the load fails.
      copy(start, from, end, stride, len);
    } catch (err) {
      throw malformed(`a run does not fit: ${err.message}`, err);
    }
    from = end;
  }
}

// Compiles and instantiates the small writer module at once: the asynchronous way cost a
// turn of the event loop and more CPU at start (docs/benchmarks/wasm.md). Browsers before
// Chrome 114 refuse to compile over 4 KB on the main thread this way (a RangeError): there it
// is the asynchronous way.
async function writer(bytes, imports) {
  let module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return (await WebAssembly.instantiate(bytes, imports)).instance;
  }
  return new WebAssembly.Instance(module, imports);
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
 * else defaultURL (against base): read from disk when it is a file: URL and readFile is given
 * (Node), otherwise fetched and compiled (while downloading when the server labels it
 * application/wasm). A wasm that cannot be read, fetched or compiled is a load_failed error
 * naming the URL tried; a wasmURL that is no URL is a validation error of field wasmURL.
 * @param {{wasmModule?: unknown, wasmURL?: unknown}} options
 * @param {{defaultURL: URL | string, base: URL | string | (() => URL | string | undefined), readFile?: (url: URL) => Promise<Uint8Array>}} where
 * @param {() => void} [whileWaiting] called once the module is being fetched or compiled,
 *   when the main thread has nothing else to do until it is
 */
export async function wasmSource(options, { defaultURL, base, readFile }, whileWaiting = () => {}) {
  if (options.wasmModule !== undefined) {
    if (!(options.wasmModule instanceof WebAssembly.Module)) {
      throw appEngageError('validation', 'wasmModule: must be a WebAssembly.Module', { field: 'wasmModule', problems: [{ field: 'wasmModule', message: 'must be a WebAssembly.Module' }] });
    }
    return options.wasmModule;
  }
  const url = wasmURLOf(options.wasmURL, defaultURL, typeof base === 'function' ? base() : base);
  let bytes;
  if (url.protocol === 'file:' && readFile) {
    try {
      bytes = await readFile(url);
    } catch (err) {
      throw loadFailed(url, `cannot read it (${err.code ?? err.message})`, err);
    }
    return compiled(url, bytes, whileWaiting);
  }
  let res;
  try {
    const fetching = fetch(url);
    whileWaiting();
    res = await fetching;
  } catch (err) {
    throw loadFailed(url, `cannot fetch it (${err.message})`, err);
  }
  if (!res.ok) {
    throw loadFailed(url, `HTTP ${res.status}${res.status === 404 ? ' (a bundler that does not copy the wasm, like esbuild: copy node_modules/appengage/chatapi.wasm beside the bundle, or pass as wasmURL the URL a file loader gives for an import of \'appengage/chatapi.wasm\')' : ''}`, undefined, { status: res.status });
  }
  if (typeof WebAssembly.compileStreaming === 'function' && res.headers.get('Content-Type') === 'application/wasm') {
    return compiled(url, WebAssembly.compileStreaming(res));
  }
  try {
    bytes = await res.arrayBuffer();
  } catch (err) {
    throw loadFailed(url, `cannot read the response (${err.message})`, err);
  }
  return compiled(url, bytes);
}

/** The URL to load: wasmURL (a string or URL) against base, or defaultURL. */
function wasmURLOf(wasmURL, defaultURL, base) {
  if (wasmURL === undefined) return new URL(defaultURL, base);
  const problem = (message) => appEngageError('validation', `wasmURL: ${message}`, { field: 'wasmURL', problems: [{ field: 'wasmURL', message }] });
  if (typeof wasmURL !== 'string' && !(wasmURL instanceof URL)) throw problem('must be a string or a URL');
  try {
    return new URL(wasmURL, base);
  } catch {
    throw problem(base === undefined
      ? `${JSON.stringify(String(wasmURL))} is relative and there is no page or worker location to resolve it against; pass an absolute URL`
      : `${JSON.stringify(String(wasmURL))} is not a URL`);
  }
}

/**
 * Compiles the bytes (or awaits the streaming compilation), as load_failed on failure;
 * whileWaiting runs once the compilation has begun.
 */
async function compiled(url, bytesOrCompiling, whileWaiting = () => {}) {
  try {
    const compiling = bytesOrCompiling instanceof Promise ? bytesOrCompiling : WebAssembly.compile(bytesOrCompiling);
    whileWaiting();
    return await compiling;
  } catch (err) {
    throw loadFailed(url, `it is not a WebAssembly module (${err.message})`, err);
  }
}

function loadFailed(url, why, cause, extra) {
  return appEngageError('load_failed', `cannot load chatapi.wasm from ${url}: ${why}. Serve the package's chatapi.wasm there, or pass wasmURL (or wasmModule) saying where it is`, { url: String(url), ...(cause ? { cause } : {}), ...extra });
}

/**
 * A memoised loader of the module from wasmSource(options, where).
 * @param {Parameters<typeof wasmSource>[1]} where
 */
export function moduleLoader(where) {
  return memoise(async (options) => {
    // Go's JS side (wasm_exec.js, and Node's webcrypto, which the Go runtime's first
    // instructions read) is set up on the main thread while the module is fetched or
    // compiled, when that thread is otherwise idle; not while a file is read, which it held
    // up (Node reads a file in chunks, each one a turn of the main thread).
    let starting = null;
    const start = () => {
      if (starting === null) {
        starting = startGo();
        starting.catch(() => {}); // awaited by instantiate; a failed source wins
      }
    };
    const source = await wasmSource(options, where, start);
    start();
    return instantiate(source, starting);
  });
}
