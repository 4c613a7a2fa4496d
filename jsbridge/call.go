//go:build js && wasm

package jsbridge

import (
	"sync/atomic"
	"syscall/js"

	"github.com/appengage/appengage/jsbridge/internal/convert"
	"github.com/appengage/appengage/jsbridge/internal/direct"
	"github.com/appengage/appengage/jsbridge/internal/promise"
)

// This file holds the only recover() sites of the module's Go code that are not about a JS
// exception (those are promise.Catch, and convert's readers, which report a throwing getter
// on its field): guard, guardDirect and syncCall, where JS calls into Go, and protect,
// where a call's goroutine starts. Each turns a panic into an internal error that reaches
// the caller, as the rejection of its promise or the Error a synchronous function returns.

// guard runs a handle function so that a panic can never escape a js.FuncOf handler, which
// would end the Go program: the panic becomes an internal error, returned as the function's
// result (the loader rejects a call settled by id with it, and throws it for a synchronous
// one). Function arguments are never called here: they are callbacks with their own
// meaning (a watch's onChange), not rejections.
func guard(args []js.Value, fn func(args []js.Value) any) (out any) {
	defer func() {
		if r := recover(); r != nil {
			out = convert.ErrorValue(convert.Internal("panic: " + convert.PanicText(r)))
		}
	}()
	return fn(args)
}

// guardDirect runs the work of a direct call (api.go) for call id, which must not panic
// into JS either: a panic rejects the call with an internal error.
func (c *client) guardDirect(id float64, work func()) {
	defer func() {
		if r := recover(); r != nil {
			invoke(c.settleFn, id, settleError, convert.ErrorValue(convert.Internal("panic: "+convert.PanicText(r))))
		}
	}()
	work()
}

// syncCall runs work, turning an error or a panic into a returned JS Error.
func syncCall(work func() (js.Value, error)) (out any) {
	defer func() {
		if r := recover(); r != nil {
			out = convert.ErrorValue(convert.Internal("panic: " + convert.PanicText(r)))
		}
	}()
	v, err := work()
	if err != nil {
		return convert.ErrorValue(err)
	}
	return v
}

// reportUncaught tells the developer about a failure no caller can receive (a resolve
// function or an onChange callback that threw), the way the host reports an uncaught error.
func reportUncaught(msg string) {
	js.Global().Get("console").Call("error", "appengage: "+msg)
}

func arg(args []js.Value, i int) js.Value { return promise.Arg(args, i) }

// Settler settles one JS promise from Go: the loader creates the promise and hands its
// resolve and reject functions over, so a call costs no js.Func at all.
type Settler struct {
	Resolve js.Value
	Reject  js.Value
}

// Run calls work in a new goroutine and settles the promise with its result. A panic in
// work rejects the promise with an error whose code is "internal"; the program carries on.
// Run returns at once, so it is safe to call from a js.FuncOf handler.
func (s Settler) Run(work func() (js.Value, error)) { runCall(work, s.settle) }

// runCall runs work on a worker goroutine and hands its result, or an "internal" error for
// a panic, to settle. It is not inlined: each inlined copy carried its closures (about
// 1.7 KB of wasm a call site).
//
//go:noinline
func runCall(work func() (js.Value, error), settle func(js.Value, error)) {
	runTask(func() { settle(protect(work)) })
}

// protect calls work, turning a panic into an "internal" error.
func protect(work func() (js.Value, error)) (v js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = convert.Internal("panic: " + convert.PanicText(r))
		}
	}()
	return work()
}

// A call's goroutine needs a deep stack (the client, the transport, Await): a new goroutine
// starts with a small one and grows it by copying several times, which cost about a tenth
// of a call's Go time. So finished goroutines wait for the next call, up to maxIdleWorkers
// of them (the rest exit, and the GC shrinks the stacks of those that wait long).
const maxIdleWorkers = 4

var (
	tasks       = make(chan func()) // unbuffered: a send succeeds only if a worker waits
	idleWorkers atomic.Int32
)

// runTask runs task on a waiting worker goroutine, or on a new one when none waits.
func runTask(task func()) {
	direct.Woke()
	select {
	case tasks <- task:
	default:
		go worker(task)
	}
}

func worker(task func()) {
	for {
		task()
		if idleWorkers.Add(1) > maxIdleWorkers {
			idleWorkers.Add(-1)
			return
		}
		task = <-tasks
		idleWorkers.Add(-1)
	}
}

// How the loader's settle(id, how, value) settles call id (web/src/chatapi.js).
const (
	settleValue  = 0 // resolve with value
	settleJSON   = 1 // resolve with JSON.parse(value)
	settleError  = 2 // reject with value
	settleAnswer = 3 // resolve with JSON.parse of the answer the port is delivering (no value)
)

// run calls work in a worker goroutine and settles call id with its result through the
// loader's settle function, like Settler.Run: a panic in work rejects the call with an
// "internal" error and the program carries on; run returns at once. A string result is
// JSON text (getEngagement's answer) for the loader to parse. Not inlined, for the same
// reason as runCall.
//
//go:noinline
func (c *client) run(id float64, work func() (js.Value, error)) {
	runCall(work, func(v js.Value, err error) { c.settle(id, v, err) })
}

// settle settles call id with a result: a string is JSON text for the loader to parse.
func (c *client) settle(id float64, v js.Value, err error) {
	switch {
	case err != nil:
		invoke(c.settleFn, id, settleError, convert.ErrorValue(err))
	case v.Type() == js.TypeString:
		invoke(c.settleFn, id, settleJSON, v)
	default:
		invoke(c.settleFn, id, settleValue, v)
	}
}

// settle calls resolve or reject.
func (s Settler) settle(v js.Value, err error) {
	if err != nil {
		invoke(s.Reject, convert.ErrorValue(err))
		return
	}
	invoke(s.Resolve, v)
}

// invoke calls a function that settles a call; one that throws must not stop the program,
// and is reported since nobody else can see it.
func invoke(fn js.Value, args ...any) {
	if err := promise.Catch(func() { fn.Invoke(args...) }); err != nil {
		reportUncaught("settling a call failed: " + err.Error())
	}
}
