//go:build js && wasm && !memprofile

package main

import "syscall/js"

// extend adds what a build tag asks for to the exports: nothing in the module that ships
// (memprofile.go adds heapProfile to the allocation-profiling build).
func extend(js.Value) {}
