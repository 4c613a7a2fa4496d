// The browser ESM entry of appengage (package.json "exports" → "browser"): browsers,
// Electron renderers, web views and bundlers.
//
// It names chatapi.wasm with the literal new URL('./chatapi.wasm', import.meta.url), the
// pattern Vite, webpack 5, Rollup/Parcel and esbuild recognise: a bundler copies the wasm to
// its output and rewrites the URL, and without a bundler the browser resolves it next to this
// file. Everything else is the shared loader's (src/chatapi.js): one memoised start of the Go
// module that is retried after a failure, instantiateStreaming-style compilation only when
// the server says application/wasm, and the session in localStorage unless told otherwise.
import { createChatApi as createWithLoader } from './src/chatapi.js';

export * from './src/chatapi.js';

/**
 * Starts the ChatApi. options are the loader's (accountId, domain, csdsDomain, retry,
 * storage, fetch, onEngagement, onError, …); wasmURL defaults to the chatapi.wasm beside
 * this file, and wasmModule skips fetching altogether.
 * @param {import('./index.js').ChatApiOptions} options
 */
export function createChatApi(options) {
  if (options === null || typeof options !== 'object' || options.wasmURL != null || options.wasmModule != null) {
    return createWithLoader(options);
  }
  return createWithLoader({ ...options, wasmURL: new URL('./chatapi.wasm', import.meta.url) });
}
