// The ChatApi class over the handle the Go module returns, and createWith, the body of both
// entries' createChatApi: the checks of the options handled in JS, then a client in the
// module the entry's loader started (src/loader.js).

import { appEngageError } from './errors.js';
import { exchangeOver } from './exchange.js';

export { appEngageError };

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

// Keys createChatApi handles in JS; the rest go to the Go module, which refuses unknown ones.
const JS_OPTIONS = ['onEngagement', 'onError', 'fetch', 'storage', 'wasmURL', 'wasmModule', 'methodOverride'];

/**
 * The body of createChatApi, shared by the entries: load (memoised by the caller) the module,
 * then create a client in it.
 * @param {object} options createChatApi's options
 * @param {() => Promise<Awaited<ReturnType<typeof import('./loader.js').instantiate>>>} load
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
