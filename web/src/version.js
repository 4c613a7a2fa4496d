// The package version. The Go module reports the version it was built with (make build-wasm
// passes web/package.json's version to the linker) and the loader refuses a chatapi.wasm
// whose version differs, since the bridge protocol between them may have changed.
export const VERSION = '0.1.0';
