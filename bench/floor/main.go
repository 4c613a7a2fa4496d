//go:build js && wasm

// Command floor is the latency floor of the ChatApi's design, for bench/floor.mjs: the
// least a Go module can do per getEngagement while Go keeps the decisions. A JS call hands
// Go the request text; a worker goroutine builds the URL and sends it through the same
// exchange port as the module (web/src/exchange.js); the port's callback wakes the worker,
// which reads the answer's ids for the next call and settles the call by id. No
// validation, no session store, no options, no contexts: whatever the module costs above
// this is its own work, and this floor's own cost above a plain fetch client is the price
// of running in Go on js/wasm at all (two JS->Go calls, the goroutine hand-offs, the
// values crossing).
package main

import (
	"strings"
	"syscall/js"
)

type answer struct {
	status float64
	text   js.Value
}

func main() {
	g := js.Global().Get("__appengageFloor")
	port, settle, base := g.Get("port"), g.Get("settle"), g.Get("base").String()
	pending := map[float64]chan answer{}
	tasks := make(chan func())
	go func() {
		for task := range tasks {
			task()
		}
	}()
	port.Call("connect", js.FuncOf(func(this js.Value, args []js.Value) any {
		id := args[0].Float()
		ch := pending[id]
		delete(pending, id)
		ch <- answer{args[1].Float(), args[3]}
		return nil
	}))
	var vid, sid string
	next := 0.0
	g.Call("ready", js.FuncOf(func(this js.Value, args []js.Value) any {
		id, text := args[0].Float(), args[1].String()
		tasks <- func() {
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
			s := a.text.String()
			vid, sid = field(s, "visitorId"), field(s, "sessionId")
			settle.Invoke(id, a.status, js.ValueOf(s))
		}
		return nil
	}))
	select {}
}

// field is the string value of key in a flat JSON text, "" when absent (the simulator's ids
// need no unescaping).
func field(s, key string) string {
	i := strings.Index(s, `"`+key+`":"`)
	if i < 0 {
		return ""
	}
	s = s[i+len(key)+4:]
	if j := strings.IndexByte(s, '"'); j >= 0 {
		return s[:j]
	}
	return ""
}
