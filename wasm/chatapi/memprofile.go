//go:build js && wasm && memprofile

package main

// Built only with -tags memprofile (make bench-wasm-allocs, bench/allocs.mjs), never into
// the module that ships: Go's CPU profiler records no samples under js/wasm (it needs
// SIGPROF), but its allocation profile works, and it says which Go code allocates what on a
// call's path. This build records the stack of every allocation and adds
// exports.heapProfile(resolve, reject), which settles with pprof's "allocs" profile (gzipped
// protobuf, for go tool pprof) as of two garbage collections later.

import (
	"bytes"
	"runtime"
	"runtime/pprof"
	"syscall/js"

	"github.com/appengage/appengage/jsbridge"
)

func init() { runtime.MemProfileRate = 1 }

// extend adds heapProfile to the exports.
func extend(exports js.Value) {
	// Lives as long as the program, like the other exports.
	exports.Set("heapProfile", js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) < 2 {
			return js.Global().Get("Error").New("heapProfile(resolve, reject)")
		}
		jsbridge.Settler{Resolve: args[0], Reject: args[1]}.Run(func() (js.Value, error) {
			// The profile is published by the GC cycle after the one that swept the
			// allocations, hence two.
			runtime.GC()
			runtime.GC()
			var buf bytes.Buffer
			if err := pprof.Lookup("allocs").WriteTo(&buf, 0); err != nil {
				return js.Undefined(), err
			}
			out := js.Global().Get("Uint8Array").New(buf.Len())
			js.CopyBytesToJS(out, buf.Bytes())
			return out, nil
		})
		return nil
	}))
}
