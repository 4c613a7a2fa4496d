//go:build js && wasm

package promise

import (
	"context"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func settled(t *testing.T, p js.Value) (js.Value, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return Await(ctx, p)
}

// jsEval builds test values in JS. Tests only: the module itself never evaluates code.
func jsEval(t *testing.T, src string) js.Value {
	t.Helper()
	return js.Global().Get("Function").New("return (" + src + ")").Invoke()
}

func TestAwaitResolvesAndRejects(t *testing.T) {
	v, err := settled(t, jsEval(t, `Promise.resolve(42)`))
	require.NoError(t, err)
	assert.Equal(t, 42, v.Int())

	_, err = settled(t, jsEval(t, `Promise.reject(new TypeError("nope"))`))
	var je *JSError
	require.ErrorAs(t, err, &je)
	assert.Equal(t, "TypeError", je.Name())
	assert.Equal(t, "TypeError: nope", err.Error())

	v, err = settled(t, js.ValueOf("plain"))
	require.NoError(t, err)
	assert.Equal(t, "plain", v.String(), "a non-thenable is returned as is")

	_, err = settled(t, jsEval(t, `{ get then() { throw new Error("bad thenable") } }`))
	assert.ErrorContains(t, err, "bad thenable")
}

func TestAwaitReleasesBothCallbacks(t *testing.T) {
	// Count the wrappers Go handed to then: after settling, calling either must report a
	// released function (console.error "call to released function") instead of running.
	hook := jsEval(t, `(() => {
		const seen = [];
		const p = Promise.resolve(1);
		return { seen, p: { then(ok, err) { seen.push(ok, err); return p.then(ok, err); } } };
	})()`)
	_, err := settled(t, hook.Get("p"))
	require.NoError(t, err)
	seen := hook.Get("seen")
	require.Equal(t, 2, seen.Length())
	calls := jsEval(t, `(() => { const orig = console.error; const log = []; console.error = (...a) => log.push(a.join(" ")); return { log, restore: () => { console.error = orig } } })()`)
	seen.Index(0).Invoke(1)
	seen.Index(1).Invoke(1)
	calls.Get("restore").Invoke()
	log := calls.Get("log")
	require.Equal(t, 2, log.Length(), "both callbacks were released when the promise settled")
	assert.Equal(t, "call to released function", log.Index(1).String())
}

func TestAwaitReturnsOnContextEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := Await(ctx, jsEval(t, `new Promise(() => {})`))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestCatchTurnsJSExceptionsIntoErrorsAndLetsBugsThrough(t *testing.T) {
	err := Catch(func() { jsEval(t, `() => { throw new RangeError("js") }`).Invoke() })
	var je *JSError
	require.ErrorAs(t, err, &je)
	assert.Equal(t, "RangeError", je.Name())
	assert.Panics(t, func() { _ = Catch(func() { panic("a Go bug") }) }, "only JS exceptions are caught")
}
