//go:build js && wasm

// Command floorsync is the latency floor of a design this module does not have yet: Go
// keeps the decisions but runs no goroutine on the call's path (sans-IO). JS asks Go for
// the request by a direct call (a wasmexport function: the URL for the request text), makes
// the fetch itself, and hands the answer back by another direct call, which reads the ids
// for the next call. Nothing resumes Go's scheduler. bench/floor.mjs runs it beside the
// floor of the current design (bench/floor) to show what the scheduler resumes and goroutine
// hand-offs cost on the call path.
package main

import (
	"syscall/js"
	"unsafe"

	"github.com/appengage/appengage/bench/internal/floorkit"
)

var (
	base     string
	vid, sid string
)

//go:wasmexport floorsync_buffer
func buffer(n int32) unsafe.Pointer { return floorkit.Buffer(n) }

// floorsyncPlan reads the request text (n bytes) and writes the URL in its place,
// returning the URL's length.
//
//go:wasmexport floorsync_plan
func floorsyncPlan(n int32) int32 {
	_ = floorkit.Text(0, n)
	u := base + "/api/account/floorsync/app/engagement/visitors/" + vid + "?v=1.0"
	if sid != "" {
		u += "&sid=" + sid
	}
	return floorkit.Put(u)
}

// floorsyncAnswer reads an answer's text (n bytes) for the next call's ids.
//
//go:wasmexport floorsync_answer
func floorsyncAnswer(status, n int32) int32 {
	s := floorkit.Text(0, n)
	vid, sid = floorkit.Field(s, "visitorId"), floorkit.Field(s, "sessionId")
	return 1
}

func main() {
	base = js.Global().Get("__appengageFloorSync").Get("base").String()
	js.Global().Get("__appengageFloorSync").Call("ready")
	select {}
}
