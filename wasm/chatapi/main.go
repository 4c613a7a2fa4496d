//go:build js && wasm

// Command chatapi is the appengage WebAssembly module behind the npm package's ChatApi.
// It hands the JS loader an exports object (see jsbridge.Exports) through the one-shot
// function the loader puts at globalThis.__appengageBoot, then parks forever so that the
// Go runtime stays alive to serve calls.
package main

import (
	"syscall/js"

	"github.com/appengage/appengage/jsbridge"
)

// version is the module's version. make build-wasm sets it from web/package.json with
// -ldflags "-X main.version=..."; the loader refuses a module whose version differs from
// its own, since the bridge protocol may have changed between them.
var version = "dev"

// bootGlobal is the property the loader sets before running the module.
const bootGlobal = "__appengageBoot"

func main() {
	boot := js.Global().Get(bootGlobal)
	if boot.Type() != js.TypeFunction {
		js.Global().Get("console").Call("error", "appengage: chatapi.wasm must be started by the appengage loader")
		return
	}
	exports := jsbridge.Exports(version)
	extend(exports) // nothing in the module that ships (extend.go); see memprofile.go
	boot.Invoke(exports)
	select {} // keep the runtime alive; all work happens in callbacks and their goroutines
}
