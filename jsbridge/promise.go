//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"sync/atomic"
	"syscall/js"
	"time"

	"github.com/appengage/appengage/core"
)

// Await waits for the JS promise (or any thenable; a plain value is returned as is) to
// settle and returns its value, or its rejection reason as a *JSError. It must not be
// called from inside a js.FuncOf handler: it blocks until the JS event loop runs the
// promise's callbacks.
//
// The two callbacks given to then are released together by whichever fires first, so
// nothing leaks whichever way the promise settles. If ctx ends first, Await returns
// ctx.Err() at once and the callbacks release themselves when the promise settles later.
func Await(ctx context.Context, p js.Value) (js.Value, error) {
	return await(ctx, p, nil)
}

// hostTimer is a deadline kept by the host's setTimeout instead of a Go timer: when it
// fires, onFire runs (in the JS callback, so it must not block) and the wait ends with err.
type hostTimer struct {
	after  time.Duration
	onFire func()
	err    error
}

// timerMark is the one argument setTimeout hands the rejection callback when a hostTimer
// fires; no promise can reject with it, since nothing else ever sees it. setTimeout and
// clearTimeout are the host's.
var (
	timerMark    = js.Global().Get("Object").New()
	setTimeout   = js.Global().Get("setTimeout")
	clearTimeout = js.Global().Get("clearTimeout")
)

// await is Await, with an optional host timer. The timer calls the rejection callback with
// timerMark; that call ends the wait but releases nothing, because the promise still holds
// both callbacks and releases them when it settles. Whichever way the wait ends, the timer
// is cleared before await returns: Go runs until every goroutine is idle before handing the
// JS task back, so a promise that settled first leaves no timer behind to fire.
func await(ctx context.Context, p js.Value, timer *hostTimer) (js.Value, error) {
	if t, known := typeOf(p); !known || t != js.TypeObject && t != js.TypeFunction {
		return p, nil
	}
	then, err := safeThen(p)
	if err != nil {
		return js.Undefined(), err
	}
	if then.Type() != js.TypeFunction {
		return p, nil
	}
	type outcome struct {
		v   js.Value
		err error
	}
	done := make(chan outcome, 2) // buffered for the timer and the promise: callbacks never block
	var onOK, onErr js.Func
	release := func() { onOK.Release(); onErr.Release() }
	onOK = js.FuncOf(func(this js.Value, args []js.Value) any {
		release()
		done <- outcome{v: arg(args, 0)}
		return nil
	})
	onErr = js.FuncOf(func(this js.Value, args []js.Value) any {
		if timer != nil && len(args) == 1 && args[0].Equal(timerMark) {
			timer.onFire()
			done <- outcome{err: timer.err}
			return nil
		}
		release()
		done <- outcome{err: &JSError{Value: arg(args, 0)}}
		return nil
	})
	if _, err := safeCall(then, "call", p, onOK, onErr); err != nil {
		release()
		return js.Undefined(), err
	}
	if timer != nil {
		ms := float64(timer.after) / float64(time.Millisecond)
		id, err := safeInvoke(setTimeout, onErr.Value, ms, timerMark)
		if err != nil {
			return js.Undefined(), err // the promise still releases the callbacks when it settles
		}
		defer safeInvoke(clearTimeout, id)
	}
	select {
	case o := <-done:
		return o.v, o.err
	case <-ctx.Done():
		return js.Undefined(), ctx.Err()
	}
}

// safeThen reads p.then, turning a throwing getter into an error.
func safeThen(p js.Value) (then js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &JSError{Value: js.ValueOf(panicText(r))}
		}
	}()
	return safeGet(p, "then"), nil
}

// safeCall is v.Call that returns a JS exception as an error instead of panicking.
func safeCall(v js.Value, method string, args ...any) (out js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			if je, ok := r.(js.Error); ok {
				err = &JSError{Value: je.Value}
				return
			}
			err = &JSError{Value: js.ValueOf(panicText(r))}
		}
	}()
	return v.Call(method, args...), nil
}

func arg(args []js.Value, i int) js.Value {
	if i < len(args) {
		return args[i]
	}
	return js.Undefined()
}

// JSError is a JS exception or promise rejection reason seen from Go.
type JSError struct {
	Value js.Value
}

// Error returns the reason's name and message when it is an Error, else its string form.
func (e *JSError) Error() string {
	return jsErrorText(e.Value)
}

// Name returns the reason's name property (e.g. "AbortError", "TypeError"), or "".
func (e *JSError) Name() string {
	defer func() { recover() }()
	if e.Value.Type() != js.TypeObject {
		return ""
	}
	n := safeGet(e.Value, "name")
	if n.Type() != js.TypeString {
		return ""
	}
	return n.String()
}

func jsErrorText(v js.Value) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = "a JS value that cannot be shown"
		}
	}()
	if v.Type() == js.TypeObject {
		msg := safeGet(v, "message")
		if msg.Type() == js.TypeString {
			text := msg.String()
			if n := safeGet(v, "name"); n.Type() == js.TypeString && n.String() != "" {
				text = n.String() + ": " + text
			}
			// undici (Node's fetch) puts the real reason of "fetch failed" in cause.
			if c := safeGet(v, "cause"); c.Type() == js.TypeObject {
				if cm := safeGet(c, "message"); cm.Type() == js.TypeString && cm.String() != "" {
					text += " (" + cm.String() + ")"
				}
			}
			return text
		}
	}
	return js.Global().Get("String").Invoke(v).String() // Invoke turns a throwing toString into a panic
}

// Settler settles one JS promise from Go: the loader creates the promise and hands its
// resolve and reject functions over, so a call costs no js.Func at all.
type Settler struct {
	Resolve js.Value
	Reject  js.Value
}

// Run calls work in a new goroutine and settles the promise with its result. A panic in
// work rejects the promise with an error whose code is "internal"; the program carries on.
// Run returns at once, so it is safe to call from a js.FuncOf handler.
func (s Settler) Run(work func() (js.Value, error)) {
	runTask(func() {
		var (
			v   js.Value
			err error
		)
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = internalError("panic: " + panicText(r))
				}
			}()
			v, err = work()
		}()
		s.settle(v, err)
	})
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

func (s Settler) settle(v js.Value, err error) {
	defer func() {
		if r := recover(); r != nil { // a resolve or reject that throws must not stop the program
			js.Global().Get("console").Call("error", "appengage: settling a call failed: "+panicText(r))
		}
	}()
	if err != nil {
		s.Reject.Invoke(ErrorValue(err))
		return
	}
	s.Resolve.Invoke(v)
}

// errorJS is the shape of the fields set on every JS Error appengage produces.
type errorJS struct {
	Code         string      `js:"code"`
	Status       *float64    `js:"status"`
	InternalCode *float64    `js:"internalCode"`
	Field        *string     `js:"field"`
	Problems     []problemJS `js:"problems"`
}

type problemJS struct {
	Field   string `js:"field"`
	Message string `js:"message"`
}

// ErrorValue converts err into a JS Error with code (the core's Code), status (when the
// server answered), internalCode (when its body had one), field (the first validation
// problem) and problems (every validation problem). Errors that are not *core.Error get
// code "internal".
func ErrorValue(err error) js.Value {
	var ce *core.Error
	if !errors.As(err, &ce) {
		ce = &core.Error{Code: core.CodeInternal, Message: err.Error(), Err: err}
	}
	fields := errorJS{Code: string(ce.Code)}
	if ce.Status != 0 {
		s := float64(ce.Status)
		fields.Status = &s
	}
	if ce.InternalCode != 0 {
		ic := float64(ce.InternalCode)
		fields.InternalCode = &ic
	}
	if f := ce.Field(); f != "" {
		fields.Field = &f
	}
	for _, p := range ce.Problems {
		fields.Problems = append(fields.Problems, problemJS{Field: p.Field, Message: p.Message})
	}
	e := jsError.New(ce.Error())
	e.Set("name", "AppEngageError")
	obj, encErr := encodeStruct(fields)
	if encErr != nil {
		e.Set("code", string(core.CodeInternal))
		return e
	}
	jsObject.Call("assign", e, obj)
	// Absent optional fields come back from vert as null; JS callers expect undefined.
	for _, k := range []string{"status", "internalCode", "field", "problems"} {
		if e.Get(k).IsNull() {
			e.Delete(k)
		}
	}
	return e
}
