//go:build js && wasm

// Package promise waits for JS promises from Go and turns JS exceptions into Go errors.
package promise

import (
	"context"
	"syscall/js"

	"github.com/appengage/appengage/jsbridge/internal/convert"
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
	if t, known := convert.TypeOf(p); !known || t != js.TypeObject && t != js.TypeFunction {
		return p, nil
	}
	var then js.Value
	if err := Catch(func() { then = convert.SafeGet(p, "then") }); err != nil {
		return js.Undefined(), err
	}
	if then.Type() != js.TypeFunction {
		return p, nil
	}
	type outcome struct {
		v   js.Value
		err error
	}
	done := make(chan outcome, 1) // buffered: a callback never blocks
	var onOK, onErr js.Func
	release := func() { onOK.Release(); onErr.Release() }
	onOK = js.FuncOf(func(this js.Value, args []js.Value) any {
		release()
		done <- outcome{v: Arg(args, 0)}
		return nil
	})
	onErr = js.FuncOf(func(this js.Value, args []js.Value) any {
		release()
		done <- outcome{err: &JSError{Value: Arg(args, 0)}}
		return nil
	})
	if err := Catch(func() { then.Call("call", p, onOK, onErr) }); err != nil {
		release()
		return js.Undefined(), err
	}
	select {
	case o := <-done:
		return o.v, o.err
	case <-ctx.Done():
		return js.Undefined(), ctx.Err()
	}
}

// Catch runs fn, which calls into JS, and returns the JS exception it threw as a *JSError.
// syscall/js turns a JS exception into a Go panic carrying a js.Error; any other panic is a
// bug in Go and goes on to the entry point's recover, which reports it as internal.
func Catch(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			je, ok := r.(js.Error)
			if !ok {
				panic(r)
			}
			err = &JSError{Value: je.Value}
		}
	}()
	fn()
	return nil
}

// Arg returns args[i], or undefined when the caller passed fewer arguments.
func Arg(args []js.Value, i int) js.Value {
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

// Name returns the reason's name property (e.g. "AbortError", "TypeError"), or "" when it
// has none or reading it throws.
func (e *JSError) Name() string {
	if t, known := convert.TypeOf(e.Value); !known || t != js.TypeObject {
		return ""
	}
	var n js.Value
	if Catch(func() { n = convert.SafeGet(e.Value, "name") }) != nil || n.Type() != js.TypeString {
		return ""
	}
	return n.String()
}

func jsErrorText(v js.Value) string {
	text := ""
	err := Catch(func() {
		if t, known := convert.TypeOf(v); known && t == js.TypeObject {
			msg := convert.SafeGet(v, "message")
			if msg.Type() == js.TypeString {
				text = msg.String()
				if n := convert.SafeGet(v, "name"); n.Type() == js.TypeString && n.String() != "" {
					text = n.String() + ": " + text
				}
				// undici (Node's fetch) puts the real reason of "fetch failed" in cause.
				if c := convert.SafeGet(v, "cause"); c.Type() == js.TypeObject {
					if cm := convert.SafeGet(c, "message"); cm.Type() == js.TypeString && cm.String() != "" {
						text += " (" + cm.String() + ")"
					}
				}
				return
			}
		}
		text = js.Global().Get("String").Invoke(v).String()
	})
	if err != nil {
		return "a JS value that cannot be shown"
	}
	return text
}
