//go:build js && wasm

// Command bare is the reference for the size and cold-start budgets of chatapi.wasm: the
// smallest Go program that hands the JS loader an object through the same boot protocol
// and stays alive. make size and make bench-wasm build it with the same flags as the module.
package main

import "syscall/js"

func main() {
	exports := js.Global().Get("Object").New()
	exports.Set("version", "bare")
	if boot := js.Global().Get("__appengageBoot"); boot.Type() == js.TypeFunction {
		boot.Invoke(exports)
	}
	select {}
}
