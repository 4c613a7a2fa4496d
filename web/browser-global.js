// Source of the script-tag build (web/dist/chatapi.js, an IIFE made by
// web/scripts/build-classic.mjs). It defines window.ChatApi the moment the script runs, so
// LivePerson's documented snippet can be pasted into a page as it is:
//
//   <script src="…/appengage/dist/chatapi.js"></script>
//   <script>
//     ChatApi.init({ accountId: '12345678', onEngagement: function (r) { … } });
//     ChatApi.getEngagement({ appType: 'EXTERNAL', … });   // queued until the wasm is ready
//   </script>
//
// init starts loading chatapi.wasm (from ../chatapi.wasm beside dist/, or options.wasmURL).
// Calls made while it loads are queued and run in order once it is ready; calls made before
// init fail with code "not_initialized"; synchronous calls that cannot wait (instance,
// impression) fail with code "loading" while it loads. A failed load rejects every queued
// call with the load error (as does a failed init: its calls reject with its error, never
// not_initialized), and init can then be called again to retry. A relative wasmURL resolves
// against document.baseURI, or in a classic worker (importScripts) against self.location.
import { createChatApi } from './browser.js';
import './src/button.js';

/** The error the global facade raises itself; its code is one of the documented strings. */
class ChatApiError extends Error {
  constructor(code, message, cause) {
    super(message, cause ? { cause } : undefined);
    this.name = 'AppEngageError';
    this.code = code;
  }
}

// The chatapi.wasm beside the package, found from this script's own URL: document.currentScript
// is only set while the script first runs, so it is read here, once.
const scriptURL = typeof document !== 'undefined' && document.currentScript && document.currentScript.src;
const defaultWasmURL = scriptURL ? new URL('../chatapi.wasm', scriptURL).href : undefined;

let phase = 'idle'; // idle → loading → ready, or loading → failed → loading …
let loading = null; // the promise of the current load
let api = null; // the ChatApi once ready
let bindings = []; // onEngagement listeners given to init

/**
 * LivePerson's event bindings: a function, an object {callback, context}, or an array
 * mixing both. Returns a list of functions.
 */
function normalizeBindings(b) {
  if (b == null) return [];
  const list = Array.isArray(b) ? b : [b];
  return list.map((x, i) => {
    if (typeof x === 'function') return x;
    if (x && typeof x.callback === 'function') return (...args) => x.callback.apply(x.context, args);
    throw new ChatApiError('validation', `onEngagement[${i}] must be a function or {callback, context}`);
  });
}

/** Whether v is a call's options object rather than a LivePerson binding. */
function isCallOptions(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.callback !== 'function';
}

/** Calls every listener, keeping one listener's exception from reaching the others. */
function deliver(listeners, value) {
  for (const fn of listeners) {
    try {
      fn(value);
    } catch (err) {
      setTimeout(() => { throw err; }); // report it like any uncaught error, without breaking the chain
    }
  }
}

function whenReady() {
  if (phase === 'ready') return Promise.resolve(api);
  if (phase === 'loading') return loading;
  if (phase === 'failed') return loading; // the rejected promise of the last attempt
  return Promise.reject(new ChatApiError('not_initialized', 'ChatApi.init({ accountId }) must be called first'));
}

/**
 * Runs method on the ChatApi once it is ready. When listeners are given, the result or the
 * error goes to them too (as LivePerson's onEngagement receives both); the returned promise
 * is then marked handled, so a caller that only uses callbacks sees no unhandled rejection.
 */
function queued(method, args, listeners = []) {
  const p = whenReady().then((a) => a[method](...args));
  if (listeners.length > 0) {
    p.then((v) => deliver(listeners, v), (err) => deliver(listeners, err));
    p.catch(() => {});
  }
  return p;
}

/** Checks init's options and creates the ChatApi (the wasm from wasmURL, else beside this script). */
async function start(options) {
  if (!options || typeof options !== 'object') {
    throw new ChatApiError('validation', 'ChatApi.init needs an options object with accountId');
  }
  const { onEngagement, ...rest } = options;
  bindings = normalizeBindings(onEngagement);
  if (rest.wasmURL == null && rest.wasmModule == null && !defaultWasmURL) {
    throw Object.assign(new ChatApiError('validation',
      'wasmURL: cannot tell where chatapi.wasm is (no document.currentScript, as in a worker): pass options.wasmURL'), { field: 'wasmURL' });
  }
  return createChatApi({ ...rest, wasmURL: rest.wasmURL ?? defaultWasmURL });
}

const ChatApi = {
  /** The version of this build, e.g. "1.2.3". */
  version: typeof __APPENGAGE_VERSION__ === 'string' ? __APPENGAGE_VERSION__ : 'dev',

  /** True once the wasm is loaded and the client made. */
  get ready() {
    return phase === 'ready';
  },

  /**
   * Starts loading the module and makes the client. Returns a promise of the ChatApi
   * instance. While loading, or once ready, it returns the same promise; after a failure
   * it starts again (with the new options, if given).
   */
  init(options) {
    if (phase === 'loading' || phase === 'ready') return loading;
    phase = 'loading';
    loading = start(options).then(
      (instance) => {
        api = instance;
        phase = 'ready';
        return instance;
      },
      (err) => {
        // Calls queued behind this init, and later ones until init is called again, reject
        // with this same error.
        phase = 'failed';
        throw err;
      },
    );
    loading.catch(() => {}); // queued calls and init's caller see the error; no global noise
    return loading;
  },

  /** The ready ChatApi instance; throws "not_initialized" before init and "loading" while loading. */
  instance() {
    if (phase === 'ready') return api;
    if (phase === 'loading') throw new ChatApiError('loading', 'the ChatApi is still loading: use the promise of ChatApi.init, or call getEngagement, which waits');
    if (phase === 'failed') throw new ChatApiError('load_failed', 'the ChatApi failed to load: call ChatApi.init again to retry');
    throw new ChatApiError('not_initialized', 'ChatApi.init({ accountId }) must be called first');
  },

  /**
   * LivePerson's getEngagement: the response (or the error object) goes to onEngagement
   * given here or to init, and the returned promise settles with it.
   */
  getEngagement(request, onEngagement, options) {
    if (options === undefined && isCallOptions(onEngagement)) {
      options = onEngagement; // getEngagement(request, options), as on a ChatApi instance
      onEngagement = undefined;
    }
    let listeners;
    try {
      listeners = onEngagement ? normalizeBindings(onEngagement) : bindings;
    } catch (err) {
      return Promise.reject(err);
    }
    return queued('getEngagement', [request, options], listeners);
  },

  /** Adds SDEs and impression events to the session (pageId defaults to the last one). */
  updateSession(update, options) {
    return queued('updateSession', [update, options]);
  },

  /** The stored {vid, sid, pageId}, or null. */
  session() {
    return queued('session', []);
  },

  /** Forgets the stored session; the next call creates a new visitor. */
  resetSession() {
    return queued('resetSession', []);
  },

  /**
   * Watches availability; onChange(response, error) gets the first answer, then changes.
   * Returns stop at once, even while loading (stopping before ready cancels the watch).
   */
  watchEngagement(request, options, onChange) {
    // Both orders a ChatApi instance takes: (request, onChange, options) and (request, options, onChange).
    const report = typeof onChange === 'function' ? onChange : options;
    let stop = null;
    let stopped = false;
    whenReady().then((a) => {
      if (!stopped) stop = a.watchEngagement(request, options, onChange);
    }, (err) => {
      if (!stopped && typeof report === 'function') report(null, err);
    });
    return () => {
      stopped = true;
      if (stop) stop();
    };
  },

  /** Builds an impression event (impDisplay, impAccept, …) from engagementDetails; needs a ready ChatApi. */
  impression(kind, engagementDetails) {
    return ChatApi.instance().impression(kind, engagementDetails);
  },
};

globalThis.ChatApi = ChatApi;
