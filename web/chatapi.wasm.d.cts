// Types of require('appengage/chatapi.wasm') under a bundler's file or asset loader: the URL
// the bundler gives the copied chatapi.wasm. Pass it as createChatApi's wasmURL.
declare const wasmURL: string;
export = wasmURL;
