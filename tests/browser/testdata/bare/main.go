//go:build js && wasm

// Command bare is the smallest Go WebAssembly program that signals readiness to its page:
// the baseline against which `make bench` measures the ChatApi's start-up in Chromium.
package main

import "syscall/js"

func main() {
	js.Global().Call("bareReady")
	select {}
}
