//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"syscall/js"
	"testing"
	"time"

	"github.com/appengage/appengage/jsbridge/internal/promise"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func settled(t *testing.T, p js.Value) (js.Value, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return promise.Await(ctx, p)
}

// jsEval builds test values in JS. Tests only: the module itself never evaluates code.
func jsEval(t *testing.T, src string) js.Value {
	t.Helper()
	return js.Global().Get("Function").New("return (" + src + ")").Invoke()
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
	var je *promise.JSError
	require.ErrorAs(t, err, &je)
	assert.Equal(t, "internal", je.Value.Get("code").String())
	assert.Equal(t, "AppEngageError", je.Value.Get("name").String())
	assert.Contains(t, je.Value.Get("message").String(), "boom")
	assert.True(t, je.Value.InstanceOf(js.Global().Get("Error")))
}

func TestGuardKeepsPanicsInsideTheHandler(t *testing.T) {
	called := false
	callback := js.FuncOf(func(this js.Value, args []js.Value) any { called = true; return nil })
	defer callback.Release()
	out := guard([]js.Value{js.ValueOf(1), callback.Value}, func(args []js.Value) any { panic("handler bug") })
	e, ok := out.(js.Value)
	require.True(t, ok)
	assert.Equal(t, "internal", e.Get("code").String())
	assert.False(t, called, "a function argument is a callback with its own meaning, not a reject function")
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
