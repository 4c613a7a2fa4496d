// The browser ESM entry of appengage (package.json "exports" → "browser"): browsers,
// Electron renderers, web views, workers and bundlers. It exports exactly what index.d.ts
// declares.
//
// It names chatapi.wasm with the literal new URL('./chatapi.wasm', import.meta.url), the
// pattern Vite, webpack 5, Rollup/Parcel and esbuild recognise: a bundler copies the wasm to
// its output and rewrites the URL, and without a bundler the browser resolves it next to this
// file. Everything else is the shared loader's (src/loader.js): one memoised start of the Go
// module that is retried after a failure, instantiateStreaming-style compilation only when
// the server says application/wasm, and the session in localStorage unless told otherwise.
import { createWith } from './src/chatapi.js';
import { moduleLoader } from './src/loader.js';
import { appEngageError } from './src/errors.js';
import { VERSION } from './src/version.js';

// A relative wasmURL is the page's (or the worker's) to resolve, as a <script src> or fetch()
// would: against document.baseURI, else the worker's self.location. The default wasm is the
// one beside this file. (import.meta.url sits in a variable: webpack turns
// new URL(<expression>, import.meta.url) into a module lookup that fails at run time;
// createChatApi passes the literal form bundlers follow.)
const here = import.meta.url;
const base = () => globalThis.document?.baseURI ?? globalThis.location?.href ?? here;
// (defaultURL is never used: createChatApi always passes a wasmURL.)
const load = moduleLoader({ defaultURL: './chatapi.wasm', base });

/**
 * Starts the ChatApi. options are the loader's (accountId, domain, csdsDomain, retry,
 * storage, fetch, onEngagement, onError, …); wasmURL defaults to the chatapi.wasm beside
 * this file, and wasmModule skips fetching altogether. The session is kept in localStorage
 * when the host has one, else in memory, unless options.storage says otherwise.
 * @param {import('./index.js').ChatApiOptions} options
 */
export function createChatApi(options) {
  // createWith hands load the options it read (own data properties only), so an inherited
  // wasmURL or wasmModule is never used.
  return createWith(options, (js) => load(js.wasmURL != null || js.wasmModule != null
    ? js
    : { ...js, wasmURL: new URL('./chatapi.wasm', import.meta.url) }), (storage) => storage);
}

/**
 * Diagnostics of the module createChatApi loaded, after a Go garbage collection:
 * {jsValues, timers, wasmMemoryBytes}, or null before it is loaded.
 */
export const moduleStats = () => load.stats();

/**
 * File storage needs Node's file system; in a browser this throws and says what to use.
 * @param {string} _path
 */
export function fileStorage(_path) {
  throw appEngageError('validation', "storage: fileStorage needs Node's file system; in a browser or worker keep the default (localStorage, or memory where there is none) or pass your own { get, set, remove }", { field: 'storage', problems: [{ field: 'storage', message: 'fileStorage is not available in browsers' }] });
}

export { VERSION };
