//go:build js && wasm

// Command floor is the latency floor of the ChatApi's design, for bench/floor.mjs: the
// least a Go module can do per getEngagement while Go keeps the decisions. JS hands Go the
// request text by a direct call (a wasmexport function, as the module's
// appengage_get_engagement); a worker goroutine builds the URL and sends it through the same
// exchange port as the module (web/src/exchange.js); the answer comes back by a direct call
// too (as appengage_answer) and wakes the worker, which reads the answer's ids for the next
// call and settles the call by id. No validation, no session store, no options, no contexts:
// whatever the module costs above this is its own work, and this floor's own cost above a
// plain fetch client is the price of running in Go on js/wasm at all (two JS->Go calls and
// resumes of the scheduler, the goroutine hand-offs, the values crossing).
package main

import (
	"syscall/js"
	"unsafe"

	"github.com/appengage/appengage/bench/internal/floorkit"
)

type answer struct {
	status int32
	text   string
}

var (
	tasks   = make(chan func(), 16)
	pending = map[float64]chan answer{}
)

//go:wasmexport floor_buffer
func buffer(n int32) unsafe.Pointer { return floorkit.Buffer(n) }

var call func(id float64, text string)

//go:wasmexport floor_call
func floorCall(id float64, n int32) int32 {
	text := floorkit.Text(0, n)
	tasks <- func() { call(id, text) }
	return 1
}

//go:wasmexport floor_answer
func floorAnswer(transport int32, rt float64, status, raLen, n int32) int32 {
	ch := pending[rt]
	delete(pending, rt)
	off := max(raLen, 0)
	ch <- answer{status, floorkit.Text(off, n)}
	return 1
}

func main() {
	g := js.Global().Get("__appengageFloor")
	port, settle, base := g.Get("port"), g.Get("settle"), g.Get("base").String()
	go func() {
		for task := range tasks {
			task()
		}
	}()
	port.Call("connect", js.FuncOf(func(this js.Value, args []js.Value) any { return nil }), 1)
	var vid, sid string
	next := 0.0
	call = func(id float64, text string) {
		next++
		rt := next
		ch := make(chan answer, 1)
		pending[rt] = ch
		u := base + "/api/account/floor/app/engagement/visitors/" + vid + "?v=1.0"
		if sid != "" {
			u += "&sid=" + sid
		}
		port.Call("send", rt, "POST", u, js.Null(), text, 1<<20)
		a := <-ch
		vid, sid = floorkit.Field(a.text, "visitorId"), floorkit.Field(a.text, "sessionId")
		settle.Invoke(id, a.status, a.text)
	}
	g.Call("ready")
	select {}
}
