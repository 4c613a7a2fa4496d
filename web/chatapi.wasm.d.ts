// Types of `import wasmURL from 'appengage/chatapi.wasm'`: with a bundler's file or asset
// loader (esbuild --loader:.wasm=file, webpack's asset/resource, Vite's ?url), the import is
// the URL the bundler gives the copied chatapi.wasm. Pass it as createChatApi's wasmURL.
declare const wasmURL: string;
export default wasmURL;
