//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"syscall/js"
	"testing"
	"time"

	"github.com/appengage/appengage/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// liveFuncs counts the js.Funcs alive in the runtime's table, through the wrapper ids the
// JS side hands out: a released Func makes the next FuncOf reuse nothing, so the count is
// taken as the number of wrappers that still answer.
func settled(t *testing.T, p js.Value) (js.Value, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return Await(ctx, p)
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

func TestSettlerTurnsPanicsIntoInternalRejections(t *testing.T) {
	p := js.Global().Get("Promise")
	var s Settler
	prom := p.New(js.FuncOf(func(this js.Value, args []js.Value) any {
		s = Settler{Resolve: args[0], Reject: args[1]}
		return nil
	}))
	s.Run(func() (js.Value, error) { panic("boom") })
	_, err := settled(t, prom)
	var je *JSError
	require.ErrorAs(t, err, &je)
	assert.Equal(t, "internal", je.Value.Get("code").String())
	assert.Equal(t, "AppEngageError", je.Value.Get("name").String())
	assert.Contains(t, je.Value.Get("message").String(), "boom")
	assert.True(t, je.Value.InstanceOf(js.Global().Get("Error")))
}

func TestErrorValueCarriesCodeStatusAndFields(t *testing.T) {
	e := ErrorValue(&core.Error{Code: core.CodeServer, Status: 503, InternalCode: 20, Message: "Loading account"})
	assert.Equal(t, "server", e.Get("code").String())
	assert.Equal(t, 503, e.Get("status").Int())
	assert.Equal(t, 20, e.Get("internalCode").Int())
	assert.True(t, e.Get("field").IsUndefined())

	e = ErrorValue(&core.Error{Code: core.CodeValidation, Problems: []core.Problem{{Field: "appType", Message: "bad"}, {Field: "vid", Message: "bad"}}})
	assert.Equal(t, "appType", e.Get("field").String())
	assert.Equal(t, 2, e.Get("problems").Length())
	assert.Equal(t, "vid", e.Get("problems").Index(1).Get("field").String())
	assert.True(t, e.Get("status").IsUndefined())

	e = ErrorValue(errors.New("plain"))
	assert.Equal(t, "internal", e.Get("code").String())
}

func TestGuardKeepsPanicsInsideTheHandler(t *testing.T) {
	var rejected js.Value
	reject := js.FuncOf(func(this js.Value, args []js.Value) any { rejected = args[0]; return nil })
	defer reject.Release()
	out := guard([]js.Value{js.ValueOf(1), reject.Value}, func(args []js.Value) any { panic("handler bug") })
	e, ok := out.(js.Value)
	require.True(t, ok)
	assert.Equal(t, "internal", e.Get("code").String())
	assert.Equal(t, "internal", rejected.Get("code").String(), "the call's reject function got the error")
	out = guard(nil, func(args []js.Value) any { panic(errors.New("sync bug")) })
	assert.Contains(t, out.(js.Value).Get("message").String(), "sync bug")
}

// Calls run on reused worker goroutines: many at once must all run (none waits for another
// to finish), and later ones, which find workers waiting, must run too.
func TestRunTaskRunsConcurrentAndLaterTasks(t *testing.T) {
	for round := 0; round < 3; round++ {
		const n = 3 * maxIdleWorkers
		started := make(chan int, n)
		release := make(chan struct{})
		done := make(chan int, n)
		for i := 0; i < n; i++ {
			runTask(func() {
				started <- i
				<-release // every task blocks until all have started
				done <- i
			})
		}
		for i := 0; i < n; i++ {
			select {
			case <-started:
			case <-time.After(5 * time.Second):
				t.Fatalf("round %d: only %d of %d tasks started", round, i, n)
			}
		}
		close(release)
		for i := 0; i < n; i++ {
			<-done
		}
		assert.LessOrEqual(t, idleWorkers.Load(), int32(maxIdleWorkers))
	}
}
