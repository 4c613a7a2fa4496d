//go:build js && wasm

package jsbridge

import (
	"context"
	"syscall/js"
	"testing"
	"time"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/jsbridge/internal/promise"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// handleFor makes a client the way the loader does: a config object, the exchange port of
// web/src/exchange.js over a fetch that answers NotAvailable, and memory storage.
func handleFor(t *testing.T, config string) js.Value {
	t.Helper()
	return handleWithStorage(t, config, js.ValueOf("memory"))
}

func handleWithStorage(t *testing.T, config string, storage js.Value) js.Value {
	t.Helper()
	fetch := jsEval(t, `async () => new Response('{"status":"NotAvailable","visitorId":"v1","sessionId":"s1","pageId":"p1"}', { status: 200 })`)
	return handleOver(t, config, fetch, storage)
}

// handleOver is a ChatApi handle whose exchange port wraps fetch, settled by id as the loader does.
func handleOver(t *testing.T, config string, fetch, storage js.Value) js.Value {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mod, err := promise.Await(ctx, jsEval(t, `import(require("url").pathToFileURL(require("path").resolve("../web/src/exchange.js")).href)`))
	require.NoError(t, err)
	// Settle calls by id as the loader does (web/src/chatapi.js, ChatApi#settle).
	calls := jsEval(t, `new Map()`)
	settle := jsEval(t, `(calls) => (id, how, value) => {
		const c = calls.get(id);
		calls.delete(id);
		if (how === 2) c.reject(value); else c.resolve(how === 1 ? JSON.parse(value) : value);
	}`).Invoke(calls)
	h, err := newClient(jsEval(t, config), mod.Get("exchangeOver").Invoke(fetch), storage, settle)
	require.NoError(t, err)
	h.Set("calls", calls)
	t.Cleanup(func() { h.Call("close") })
	return h
}

// call runs a call settled by id as the loader does and waits for it.
func call(t *testing.T, h js.Value, method string, payload, timeoutMs any) (js.Value, error) {
	t.Helper()
	p := jsEval(t, `(h, method, payload, timeoutMs) => new Promise((resolve, reject) => {
		const id = (h.nextId = (h.nextId || 0) + 1);
		h.calls.set(id, { resolve, reject });
		const r = h[method](id, payload, timeoutMs);
		if (r !== undefined && r !== null) { h.calls.delete(id); reject(r); }
	})`).Invoke(h, method, payload, timeoutMs)
	return settled(t, p)
}

func rejectedWith(t *testing.T, err error) (code, field string) {
	t.Helper()
	var je *promise.JSError
	require.ErrorAs(t, err, &je)
	f := je.Value.Get("field")
	if f.Type() == js.TypeString {
		field = f.String()
	}
	return je.Value.Get("code").String(), field
}

// Issue 9 finding 12 (Go side): a BigInt where a number or a request belongs is a
// validation error naming the field, not "internal: panic: bad type flag"; so is a depth
// past the one limit, at any depth; and the next good call works.
func TestBadArgumentsAreValidationErrorsWithAField(t *testing.T) {
	h := handleFor(t, `{accountId: "a1", domain: "https://x.test"}`)
	deep := func(n int) js.Value {
		return jsEval(t, `(n) => { const root = {}; let o = root; for (let i = 0; i < n; i++) o = o.a = {}; return { engagementAttributes: [root] }; }`).Invoke(n)
	}
	deepText := func(n int) js.Value { return js.Global().Get("JSON").Call("stringify", deep(n)) }
	for _, tt := range []struct {
		name      string
		payload   any
		timeoutMs any
		field     string
	}{
		{"a bigint request", jsEval(t, `10n`), js.Undefined(), "request"},
		{"a bigint in the request", jsEval(t, `({ appType: 10n })`), js.Undefined(), "appType"},
		{"timeoutMs a bigint", jsEval(t, `({})`), jsEval(t, `1n`), "options.timeoutMs"},
		{"timeoutMs a string", jsEval(t, `({})`), "5", "options.timeoutMs"},
		{"timeoutMs negative", jsEval(t, `({})`), -1, "options.timeoutMs"},
		{"timeoutMs a fraction", jsEval(t, `({})`), 1.5, "options.timeoutMs"},
		{"timeoutMs over a day", jsEval(t, `({})`), 86400001, "options.timeoutMs"},
		{"depth 70 as an object", deep(70), js.Undefined(), "engagementAttributes[0]" + repeat(".a", 62)},
		{"depth 70 as JSON text", deepText(70), js.Undefined(), "engagementAttributes[0]" + repeat(".a", 62)},
		{"depth 3000 as JSON text", deepText(3000), js.Undefined(), "engagementAttributes[0]" + repeat(".a", 62)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := call(t, h, "getEngagement", tt.payload, tt.timeoutMs)
			code, field := rejectedWith(t, err)
			assert.Equal(t, "validation", code)
			assert.Equal(t, tt.field, field)
		})
	}
	v, err := call(t, h, "getEngagement", jsEval(t, `({})`), 5000)
	require.NoError(t, err)
	assert.Equal(t, "NotAvailable", v.Get("status").String())
}

// A watch interval the module refuses is named as the JS checks name it: options.intervalMs,
// and the next good watch starts.
func TestWatchIntervalIsRefusedAsAnOption(t *testing.T) {
	h := handleFor(t, `{accountId: "a1", domain: "https://x.test"}`)
	onChange := jsEval(t, `() => {}`)
	for _, interval := range []any{-1, 0.5, 86400001, jsEval(t, `1n`)} {
		v := h.Call("watch", jsEval(t, `({})`), interval, onChange)
		require.True(t, v.InstanceOf(js.Global().Get("Error")), "interval %v", interval)
		assert.Equal(t, "validation", v.Get("code").String())
		assert.Equal(t, "options.intervalMs", v.Get("field").String(), "interval %v", interval)
	}
	id := h.Call("watch", jsEval(t, `({})`), 60000, onChange)
	require.False(t, id.InstanceOf(js.Global().Get("Error")), "a good interval starts a watch")
	h.Call("unwatch", id)
}

func repeat(s string, n int) string {
	out := ""
	for i := 0; i < n; i++ {
		out += s
	}
	return out
}

// The JS options strict and methodOverride reach the core; a wrong type is refused by field.
func TestOptionsStrictAndMethodOverride(t *testing.T) {
	for _, config := range []string{`{accountId: "a1", strict: "yes"}`, `{accountId: "a1", methodOverride: 1}`, `{accountId: "a1", attemptTimeoutMs: 1n}`} {
		_, err := newClient(jsEval(t, config), js.Undefined(), js.ValueOf("memory"), js.Undefined())
		require.Error(t, err, config)
	}
	h := handleFor(t, `{accountId: "a1", domain: "https://x.test", strict: true, methodOverride: true}`)
	_, err := call(t, h, "getEngagement", jsEval(t, `({ appType: "EXTERNAL", notAField: 1 })`), js.Undefined())
	code, field := rejectedWith(t, err)
	assert.Equal(t, "validation", code)
	assert.Equal(t, "notAField", field, "strict refuses an unknown field")

	lenient := handleFor(t, `{accountId: "a1", domain: "https://x.test"}`)
	_, err = call(t, lenient, "getEngagement", jsEval(t, `({ appType: "EXTERNAL", notAField: 1 })`), js.Undefined())
	assert.NoError(t, err, "without strict an unknown field passes through")
}

// Issue 9 finding 4: a storage.set that never settles must not make later calls ignore
// their timeoutMs, and a call whose store gave up with its deadline ends in "timeout".
func TestStuckStorageLeavesTimeoutsWorking(t *testing.T) {
	storage := jsEval(t, `({ get: () => null, set: () => new Promise(() => {}), remove: () => undefined })`)
	h := handleWithStorage(t, `{accountId: "a1", domain: "https://x.test"}`, storage)
	for i := 0; i < 3; i++ {
		_, err := call(t, h, "getEngagement", jsEval(t, `({})`), 50)
		code, _ := rejectedWith(t, err)
		assert.Equal(t, "timeout", code, "call %d", i)
	}
}

// retry.minRateLimitWaitMs / maxRateLimitWaitMs are bounded like every duration and named by
// field; the minimum may not pass the maximum (given, or the default 60000).
func TestRateLimitWaitOptionsAreChecked(t *testing.T) {
	for _, tt := range []struct{ config, field string }{
		{`{accountId: "a1", retry: {minRateLimitWaitMs: -1}}`, "retry.minRateLimitWaitMs"},
		{`{accountId: "a1", retry: {minRateLimitWaitMs: 0.5}}`, "retry.minRateLimitWaitMs"},
		{`{accountId: "a1", retry: {maxRateLimitWaitMs: 86400001}}`, "retry.maxRateLimitWaitMs"},
		{`{accountId: "a1", retry: {maxRateLimitWaitMs: "60"}}`, "retry.maxRateLimitWaitMs"},
		{`{accountId: "a1", retry: {maxRateLimitWaitMs: 1n}}`, "retry.maxRateLimitWaitMs"},
		{`{accountId: "a1", retry: {minRateLimitWaitMs: 5000, maxRateLimitWaitMs: 10}}`, "retry.minRateLimitWaitMs"},
		{`{accountId: "a1", retry: {minRateLimitWaitMs: 120000}}`, "retry.minRateLimitWaitMs"},
		{`{accountId: "a1", retry: {maxRateLimitWaitMs: 10}}`, "retry.minRateLimitWaitMs"},
	} {
		_, err := newClient(jsEval(t, tt.config), js.Undefined(), js.ValueOf("memory"), js.Undefined())
		var ce *core.Error
		require.ErrorAs(t, err, &ce, tt.config)
		var fields []string
		for _, p := range ce.Problems {
			if p.Field != "fetch" { // no exchange port here: reported too
				fields = append(fields, p.Field)
			}
		}
		assert.Equal(t, []string{tt.field}, fields, tt.config)
	}
}

// A 429 asking for an hour's pause is clamped to retry.maxRateLimitWaitMs: with 1 ms the
// retry comes at once and the call succeeds well inside its deadline; with the default
// 60 s clamp the same call meets its deadline first.
func TestMaxRateLimitWaitClampsA429Pause(t *testing.T) {
	client := func(config string) js.Value {
		fetch := jsEval(t, `() => { let n = 0; return async () => (n++ === 0
			? new Response('{"message":"slow down"}', { status: 429, headers: { "Retry-After": "3600" } })
			: new Response('{"status":"NotAvailable","visitorId":"v1","sessionId":"s1","pageId":"p1"}', { status: 200 })); }`).Invoke()
		return handleOver(t, config, fetch, js.ValueOf("memory"))
	}
	short := client(`{accountId: "a1", domain: "https://x.test", retry: {delaysMs: [1], minRateLimitWaitMs: 0, maxRateLimitWaitMs: 1}}`)
	v, err := call(t, short, "getEngagement", jsEval(t, `({})`), 20000)
	require.NoError(t, err)
	assert.Equal(t, "NotAvailable", v.Get("status").String())

	dflt := client(`{accountId: "a1", domain: "https://x.test", retry: {delaysMs: [1]}}`)
	_, err = call(t, dflt, "getEngagement", jsEval(t, `({})`), 300)
	code, _ := rejectedWith(t, err)
	assert.Equal(t, "timeout", code)
}
