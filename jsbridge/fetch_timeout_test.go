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

// hostTimers replaces the setTimeout and clearTimeout the transport uses with ones that
// count the timers still scheduled, for the length of the test.
func hostTimers(t *testing.T) (pending func() int) {
	t.Helper()
	timers := jsEval(t, `(() => {
		const live = new Set();
		return {
			set(fn, ms, ...args) { const id = setTimeout((...a) => { live.delete(id); fn(...a); }, ms, ...args); live.add(id); return id; },
			clear(id) { live.delete(id); clearTimeout(id); },
			pending: () => live.size,
		};
	})()`)
	oldSet, oldClear := setTimeout, clearTimeout
	setTimeout, clearTimeout = timers.Get("set").Call("bind", timers), timers.Get("clear").Call("bind", timers)
	t.Cleanup(func() { setTimeout, clearTimeout = oldSet, oldClear })
	return func() int { return timers.Call("pending").Int() }
}

// slowExchange answers after delayMs and, when honourAbort, rejects at once with the abort
// reason; it keeps the last controller it was given.
const slowExchange = `(delayMs, honourAbort) => {
	const state = { controller: null };
	state.exchange = (url, method, body, controller) => {
		state.controller = controller;
		return new Promise((resolve, reject) => {
			setTimeout(() => resolve([200, null, '{"ok":true}']), delayMs);
			if (honourAbort) controller.signal.addEventListener('abort', () => reject(controller.signal.reason));
		});
	};
	return state;
}`

func TestFetchTransportEnforcesAttemptTimeoutInJS(t *testing.T) {
	for _, honour := range []bool{true, false} {
		name := map[bool]string{true: "exchange honours the abort", false: "exchange ignores the abort"}[honour]
		t.Run(name, func(t *testing.T) {
			pending := hostTimers(t)
			state := jsEval(t, slowExchange).Invoke(300, honour)
			tr, err := NewFetchTransport(state.Get("exchange"))
			require.NoError(t, err)
			assert.True(t, tr.EnforcesAttemptTimeout())

			start := time.Now()
			_, err = tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: "https://x.test/", Timeout: 20 * time.Millisecond})
			assert.Less(t, time.Since(start), 250*time.Millisecond, "ended by the timer, not by the answer")
			var te *AttemptTimeoutError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, 20*time.Millisecond, te.After)
			assert.ErrorIs(t, err, context.DeadlineExceeded, "the core classifies it like its own attempt deadline")
			var timeout interface{ Timeout() bool }
			assert.True(t, errors.As(err, &timeout) && timeout.Timeout())

			signal := state.Get("controller").Get("signal")
			assert.True(t, signal.Get("aborted").Bool(), "the exchange's controller was aborted")
			assert.Equal(t, "TimeoutError", signal.Get("reason").Get("name").String())
			assert.Zero(t, pending())
			time.Sleep(350 * time.Millisecond) // the promise settles late and releases its callbacks
		})
	}
}

func TestFetchTransportClearsItsTimerWhenTheExchangeSettles(t *testing.T) {
	pending := hostTimers(t)
	state := jsEval(t, slowExchange).Invoke(0, true)
	tr, err := NewFetchTransport(state.Get("exchange"))
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		resp, err := tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: "https://x.test/", Timeout: 40 * time.Millisecond})
		require.NoError(t, err)
		assert.Equal(t, 200, resp.Status)
		assert.Zero(t, pending(), "no attempt timer outlives its exchange")
	}
	time.Sleep(80 * time.Millisecond)
	assert.False(t, state.Get("controller").Get("signal").Get("aborted").Bool(), "a settled exchange is never aborted later")

	// No Timeout, or one longer than a host timer can hold: no timer at all.
	for _, d := range []time.Duration{0, maxHostTimeout + time.Millisecond} {
		_, err := tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: "https://x.test/", Timeout: d})
		require.NoError(t, err)
	}
}

func TestFetchTransportCallerCancelStillAbortsAtOnce(t *testing.T) {
	pending := hostTimers(t)
	state := jsEval(t, slowExchange).Invoke(5000, false)
	tr, err := NewFetchTransport(state.Get("exchange"))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err = tr.Do(ctx, core.WireRequest{Method: "GET", URL: "https://x.test/", Timeout: 10 * time.Second})
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.ErrorIs(t, err, context.Canceled)
	var te *AttemptTimeoutError
	assert.False(t, errors.As(err, &te), "a cancelled call is not an attempt timeout")
	time.Sleep(10 * time.Millisecond) // context.AfterFunc aborts from its own goroutine
	signal := state.Get("controller").Get("signal")
	assert.True(t, signal.Get("aborted").Bool())
	assert.Equal(t, "AbortError", js.Global().Get("String").Invoke(signal.Get("reason").Get("name")).String())
	assert.Zero(t, pending(), "the attempt timer is cleared")
}
