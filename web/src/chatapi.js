// The environment-neutral part of the loader: starting the Go module (instantiate) and the
// ChatApi class over the handle the module returns. The node and browser entries only
// decide where the wasm bytes and the session storage come from.

import { VERSION } from './version.js';

const BOOT_GLOBAL = '__appengageBoot';

/**
 * Creates an Error shaped like the ones the Go module produces.
 * @param {string} code
 * @param {string} message
 * @param {Record<string, unknown>} [extra]
 */
export function appEngageError(code, message, extra) {
  const err = new Error(`appengage: ${code}: ${message}`);
  err.name = 'AppEngageError';
  err.code = code;
  if (extra) Object.assign(err, extra);
  return err;
}

let goClass;

/** Loads wasm_exec.js (copied from the Go toolchain at build time) once and keeps its Go class. */
async function loadGo() {
  if (goClass) return goClass;
  await import('../wasm_exec.js');
  goClass = globalThis.Go;
  if (typeof goClass !== 'function') {
    throw appEngageError('internal', 'wasm_exec.js did not define Go; rebuild the package with make build-wasm');
  }
  return goClass;
}

/**
 * Starts the Go module and returns its exports once main has handed them over.
 * @param {BufferSource | WebAssembly.Module} source the wasm bytes or a compiled module
 * @returns {Promise<{exports: any, alive: () => boolean, onExit: (fn: (code: number) => void) => () => void}>}
 */
export async function instantiate(source) {
  // Compile while wasm_exec.js loads.
  const compiling = source instanceof WebAssembly.Module ? source : WebAssembly.compile(source);
  compiling.catch?.(() => {}); // awaited below; do not report it as unhandled meanwhile
  const Go = await loadGo();
  const go = new Go();
  const liveness = keepAliveWhileBusy(go);
  let exitCode = null;
  const exitListeners = [];
  go.exit = (code) => {
    exitCode = code;
    for (const fn of exitListeners) fn(code);
  };
  const instance = await WebAssembly.instantiate(await compiling, go.importObject);
  let exports;
  const previous = globalThis[BOOT_GLOBAL];
  globalThis[BOOT_GLOBAL] = (e) => { exports = e; };
  try {
    // run executes Go's main synchronously up to its first block, so the boot callback has
    // been called by the time run returns its (never settling while alive) promise.
    go.run(instance).catch((err) => { exitCode = exitCode ?? -1; for (const fn of exitListeners) fn(-1, err); });
  } finally {
    if (previous === undefined) delete globalThis[BOOT_GLOBAL]; else globalThis[BOOT_GLOBAL] = previous;
  }
  if (!exports) throw appEngageError('internal', 'chatapi.wasm did not start (is it the appengage module?)');
  if (exports.version !== VERSION) {
    throw appEngageError('internal', `chatapi.wasm is version ${exports.version} but the loader is ${VERSION}; rebuild or reinstall the package`);
  }
  return {
    exports,
    alive: () => exitCode === null,
    onExit: (fn) => {
      exitListeners.push(fn);
      return () => { const i = exitListeners.indexOf(fn); if (i >= 0) exitListeners.splice(i, 1); };
    },
    hold: liveness.hold,
    release: liveness.release,
    // Diagnostics for leak checks: JS values Go holds references to (every live js.Func and
    // js.Value is one), Go's pending timers, and the wasm linear memory (Go's heap).
    /** Runs Go's garbage collector and finalizers (for leak checks). */
    collect: () => {
      liveness.hold();
      return new Promise((resolve, reject) => exports.collect(resolve, reject)).finally(liveness.release);
    },
    stats: () => ({
      jsValues: go._values.length - go._idPool.length,
      timers: go._scheduledTimeouts.size,
      wasmMemoryBytes: instance.exports.mem.buffer.byteLength,
    }),
  };
}

/**
 * Go's runtime sleeps with setTimeout, and a timer it no longer needs (a cancelled context's
 * deadline, say) stays scheduled until it fires, which keeps Node from exiting for up to the
 * longest deadline. So in hosts whose timers can be unref'd (Node, Electron main), Go's
 * timers hold the process only while a call or a watch is under way.
 */
function keepAliveWhileBusy(go) {
  const schedule = go.importObject.gojs['runtime.scheduleTimeoutEvent'];
  let busy = 0;
  const apply = (t) => {
    if (typeof t?.unref !== 'function') return;
    if (busy > 0) t.ref(); else t.unref();
  };
  go.importObject.gojs['runtime.scheduleTimeoutEvent'] = (sp) => {
    const before = go._nextCallbackTimeoutID;
    schedule(sp);
    apply(go._scheduledTimeouts.get(before));
  };
  const all = () => { for (const t of go._scheduledTimeouts.values()) apply(t); };
  return {
    hold() { if (busy++ === 0) all(); },
    release() { if (--busy === 0) all(); },
  };
}

const noop = () => {};
const objectTag = Object.prototype.toString;

/**
 * Serialises a request for the Go module as JSON text, the fast path (one string crosses
 * the boundary instead of one call per value). JSON.stringify silently changes some values
 * (NaN becomes null, functions vanish, a Date becomes a string...): when the value holds
 * any of them, or cannot be serialised at all (a cycle, a BigInt, a throwing getter), this
 * returns the value itself, and the module walks it to report each one by its field path.
 */
export function requestPayload(value) {
  let clean = true;
  let text;
  try {
    text = JSON.stringify(value, function check(key, v) {
      const original = this[key];
      switch (typeof original) {
        case 'number':
          if (!Number.isFinite(original)) clean = false;
          break;
        case 'undefined':
          if (Array.isArray(this)) clean = false; // an array hole or undefined item
          break;
        case 'object':
          if (original !== null && !Array.isArray(original)
            && (objectTag.call(original) !== '[object Object]' || typeof original.toJSON === 'function')) clean = false;
          break;
        case 'string':
        case 'boolean':
          break;
        default: // function, symbol, bigint
          clean = false;
      }
      return v;
    });
  } catch {
    return value;
  }
  return clean && text !== undefined ? text : value;
}

function callSafely(fn, ...args) {
  try {
    fn(...args);
  } catch (err) {
    // A throwing callback must not turn a settled call into a failed one; report it.
    queueMicrotask(() => { throw err; });
  }
}

/**
 * The ChatApi a createChatApi call resolves to. See index.d.ts for the documented surface.
 */
export class ChatApi {
  #h;
  #module;
  #options;
  #nextId = 1;
  #closed = false;
  #watches = new Map();
  #pending = new Set(); // reject functions of the calls under way
  #unsubscribe;

  /** @internal use createChatApi */
  constructor(handle, module, options) {
    this.#h = handle;
    this.#module = module;
    this.#options = options;
    // The Go program must never stop quietly: if it exits (a fatal runtime error), every
    // call under way rejects instead of hanging, and later calls reject at once.
    this.#unsubscribe = module.onExit((code) => {
      const err = appEngageError('internal', `the appengage module stopped (exit code ${code}); create a new ChatApi`);
      for (const reject of [...this.#pending]) reject(err);
      this.#pending.clear();
    });
  }

  // Starts a call into Go with fresh resolve/reject functions that settle once, release the
  // liveness hold and leave #pending.
  #goPromise(start) {
    const module = this.#module;
    module.hold();
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (fn) => (v) => {
        if (done) return;
        done = true;
        this.#pending.delete(fail);
        module.release();
        fn(v);
      };
      const fail = finish(reject);
      this.#pending.add(fail);
      try {
        start(finish(resolve), fail);
      } catch (err) {
        fail(err);
      }
    });
  }

  /**
   * Resolves with the stored session {vid, sid, pageId}, or null when there is none yet
   * (read from the storage, so it is exact even after a restart or a 401 recovery).
   */
  session() {
    try {
      this.#checkOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#goPromise((resolve, reject) => this.#h.session(resolve, reject));
  }

  /**
   * Asks whether an engagement is available. onEngagement (else the one given to
   * createChatApi) receives the response; the promise resolves with it too.
   */
  getEngagement(request, onEngagement, options) {
    if (options === undefined && onEngagement !== null && typeof onEngagement === 'object') {
      options = onEngagement; // getEngagement(request, options)
      onEngagement = undefined;
    }
    const onSuccess = onEngagement ?? this.#options.onEngagement;
    const p = this.#call('getEngagement', request, options).then((response) => {
      if (typeof onSuccess === 'function') callSafely(onSuccess, response);
      return response;
    });
    return this.#reportErrors(p, options);
  }

  /** Adds SDEs and impression events to the stored session, on its last pageId. */
  updateSession(update, options) {
    const p = this.#call('updateSession', update, options).then(() => undefined);
    return this.#reportErrors(p, options);
  }

  /**
   * Builds the impression event kind ('impDisplay', 'impAccept', 'impExpanded', 'impTimeout'
   * or 'impClose') for engagementDetails (or a whole getEngagement response).
   */
  impression(kind, engagementDetails) {
    this.#checkOpen();
    const r = this.#h.impression(kind, engagementDetails);
    if (r instanceof Error) throw r;
    return r;
  }

  /** Forgets the stored visitor and session; the next getEngagement starts a new visitor. */
  async resetSession() {
    this.#checkOpen();
    await this.#goPromise((resolve, reject) => this.#h.resetSession(resolve, reject));
  }

  /**
   * Keeps asking with request and calls onChange(response, null) or onChange(null, error)
   * with the first result, then on every change. Returns stop().
   */
  watchEngagement(request, onChange, options) {
    this.#checkOpen();
    if (typeof options === 'function' && typeof onChange !== 'function') {
      [onChange, options] = [options, onChange]; // watchEngagement(request, options, onChange)
    }
    const interval = options?.intervalMs ?? options?.interval;
    const wrapped = (response, error) => callSafely(onChange, response ?? null, error ?? null);
    const id = this.#h.watch(requestPayload(request), interval, typeof onChange === 'function' ? wrapped : onChange);
    if (id instanceof Error) throw id;
    let stopped = false;
    this.#module.hold(); // a running watch keeps a Node process alive, like setInterval
    const stop = () => {
      if (stopped) return;
      stopped = true;
      this.#watches.delete(id);
      this.#module.release();
      if (!this.#closed) this.#h.unwatch(id);
    };
    this.#watches.set(id, stop);
    return stop;
  }

  /** Stops every watch, cancels calls under way and releases the module's resources. */
  close() {
    if (this.#closed) return;
    for (const stop of [...this.#watches.values()]) stop();
    this.#closed = true;
    this.#unsubscribe?.();
    this.#h.close();
  }

  #checkOpen() {
    if (this.#closed) throw appEngageError('aborted', 'the ChatApi is closed');
    if (!this.#module.alive()) throw appEngageError('internal', 'the appengage module stopped; create a new ChatApi');
  }

  #call(method, payload, options) {
    try {
      this.#checkOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(appEngageError('aborted', 'the call was cancelled'));
    const id = this.#nextId++;
    const onAbort = () => this.#h.cancel(id);
    signal?.addEventListener('abort', onAbort, { once: true });
    const p = this.#goPromise((resolve, reject) => {
      this.#h[method](id, requestPayload(payload), options?.timeoutMs, resolve, reject);
    });
    if (!signal) return p;
    return p.finally(() => signal.removeEventListener('abort', onAbort));
  }

  // Delivers failures to onError (the call's, else createChatApi's). When there is one, the
  // returned promise is marked handled, so fire-and-forget callers (LivePerson's example)
  // do not get an unhandled rejection; awaiting it still throws.
  #reportErrors(p, options) {
    const onError = options?.onError ?? this.#options.onError;
    if (typeof onError !== 'function') return p;
    const q = p.catch((err) => {
      callSafely(onError, err);
      throw err;
    });
    q.catch(noop);
    return q;
  }
}

// A copy of an options value made of plain objects and arrays only, so that the module reads
// no getters or proxies (a getter that throws is thrown here, to the caller). Other objects
// are kept as they are for the module to refuse by field.
function plainCopy(v, depth) {
  if (v === null || typeof v !== 'object' || depth > 8) return v;
  if (Array.isArray(v)) return Array.from(v, (e) => plainCopy(e, depth + 1));
  if (objectTag.call(v) !== '[object Object]') return v;
  const out = {};
  for (const k of Object.keys(v)) out[k] = plainCopy(v[k], depth + 1);
  return out;
}

/**
 * Wraps fetch into the exchange function of the Go transport: one HTTP exchange in one
 * promise of [status, Retry-After or null, body text], so that an exchange costs Go a few
 * calls across the boundary. Go builds the URL and the JSON body, owns the AbortController
 * and decides everything else.
 */
export function exchangeOver(fetchFn, { methodOverride = false } = {}) {
  return (url, method, body, controller) => {
    const headers = body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' };
    if (methodOverride && method === 'PUT') {
      // LivePerson's gateways list only GET, POST and PATCH for cross-origin calls; their own
      // examples send the report as a POST carrying the real method.
      headers['X-HTTP-Method-Override'] = 'PUT';
      method = 'POST';
    }
    return fetchFn(url, { method, headers, body, signal: controller.signal })
      .then((res) => res.text().then((text) => [res.status, res.headers.get('Retry-After'), text]));
  };
}

// Keys createChatApi handles in JS; the rest go to the Go module, which refuses unknown ones.
const JS_OPTIONS = ['onEngagement', 'onError', 'fetch', 'storage', 'wasmURL', 'wasmModule', 'methodOverride'];

/**
 * The body of createChatApi, shared by the entries: load (memoised by the caller) the module,
 * then create a client in it.
 * @param {object} options createChatApi's options
 * @param {() => Promise<Awaited<ReturnType<typeof instantiate>>>} load
 * @param {(storage: unknown) => unknown} resolveStorage maps the storage option for Go
 */
export async function createWith(options, load, resolveStorage) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw appEngageError('validation', 'createChatApi needs an options object with accountId', { field: 'options', problems: [{ field: 'options', message: 'must be an object' }] });
  }
  for (const key of ['onEngagement', 'onError', 'fetch']) {
    if (options[key] !== undefined && typeof options[key] !== 'function') {
      throw appEngageError('validation', `${key}: must be a function`, { field: key, problems: [{ field: key, message: 'must be a function' }] });
    }
  }
  const config = {};
  for (const [k, v] of Object.entries(options)) if (!JS_OPTIONS.includes(k)) config[k] = plainCopy(v, 0);
  if (options.methodOverride !== undefined && typeof options.methodOverride !== 'boolean') {
    throw appEngageError('validation', 'methodOverride: must be a boolean', { field: 'methodOverride', problems: [{ field: 'methodOverride', message: 'must be a boolean' }] });
  }
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== 'function') {
    throw appEngageError('validation', 'fetch: this host has no fetch; pass options.fetch', { field: 'fetch', problems: [{ field: 'fetch', message: 'must be a function' }] });
  }
  const module = await load();
  const exchange = exchangeOver(fetchFn, { methodOverride: options.methodOverride === true });
  const handle = module.exports.newClient(config, exchange, await resolveStorage(options.storage));
  if (handle instanceof Error) throw handle;
  return new ChatApi(handle, module, options);
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
 * Fetches and compiles the module from options.wasmModule, else options.wasmURL, else the
 * chatapi.wasm beside this package (compiling while downloading when the server labels it
 * application/wasm).
 */
async function fetchedSource(options) {
  if (options.wasmModule !== undefined) {
    if (!(options.wasmModule instanceof WebAssembly.Module)) {
      throw appEngageError('validation', 'wasmModule: must be a WebAssembly.Module', { field: 'wasmModule' });
    }
    return options.wasmModule;
  }
  // The base sits in a variable: webpack turns new URL(<expression>, import.meta.url) into a
  // module lookup that fails at run time (browser.js passes the literal form bundlers follow).
  const base = import.meta.url;
  const url = new URL(options.wasmURL === undefined ? '../chatapi.wasm' : String(options.wasmURL), base);
  const res = await fetch(url);
  if (!res.ok) throw appEngageError('internal', `cannot load ${url}: HTTP ${res.status}`, { status: res.status });
  if (typeof WebAssembly.compileStreaming === 'function' && res.headers.get('Content-Type') === 'application/wasm') {
    return WebAssembly.compileStreaming(res);
  }
  return WebAssembly.compile(await res.arrayBuffer());
}

const loadFetched = memoise(async (options) => instantiate(await fetchedSource(options)));

/**
 * Creates a ChatApi in any host with fetch and WebAssembly (browsers, Electron renderers,
 * workers): the module comes from wasmModule or wasmURL, and the session is kept in
 * localStorage when the host has one, else in memory, unless options.storage says otherwise.
 * The Node entry (src/node.js) replaces the loading with a file read and adds {file} storage.
 */
export function createChatApi(options) {
  return createWith(options, () => loadFetched(options ?? {}), (storage) => storage);
}

/**
 * Diagnostics of the module createChatApi loaded, after a Go garbage collection:
 * {jsValues, timers, wasmMemoryBytes}, or null before it is loaded.
 */
export const moduleStats = () => loadFetched.stats();

export { VERSION };
