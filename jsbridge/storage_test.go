//go:build js && wasm

package jsbridge

import (
	"context"
	"testing"

	"github.com/appengage/appengage/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeyValueStoreSyncAndAsync(t *testing.T) {
	for _, src := range []string{
		`(() => { const m = new Map(); return { m, get: (k) => m.get(k) ?? null, set: (k, v) => { m.set(k, v) }, remove: (k) => { m.delete(k) } } })()`,
		`(() => { const m = new Map(); return { m, get: async (k) => m.get(k), set: async (k, v) => { m.set(k, v) }, remove: async (k) => { m.delete(k) } } })()`,
	} {
		obj := jsEval(t, src)
		s, err := NewKeyValueStore(obj, SessionKey("acct"))
		require.NoError(t, err)
		ctx := context.Background()
		got, err := s.Load(ctx)
		require.NoError(t, err)
		assert.True(t, got.IsZero())
		want := core.Session{VisitorID: "v-1", SessionID: "s.2", PageID: "3"}
		require.NoError(t, s.Save(ctx, want))
		assert.JSONEq(t, `{"vid":"v-1","sid":"s.2","pageId":"3"}`, obj.Get("m").Call("get", "appengage.session.acct").String())
		got, err = s.Load(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		require.NoError(t, s.Clear(ctx))
		got, _ = s.Load(ctx)
		assert.True(t, got.IsZero())
	}
}

func TestKeyValueStoreIgnoresDamagedValues(t *testing.T) {
	for _, stored := range []string{`not json`, `42`, `{"vid": 5}`, `{"vid": "bad id!", "sid": "s"}`, `{"vid":"v","sid":"s","extra":1}`} {
		obj := jsEval(t, `(v) => ({ get: () => v, set() {}, remove() {} })`).Invoke(stored)
		s, err := NewKeyValueStore(obj, "k")
		require.NoError(t, err)
		got, err := s.Load(context.Background())
		require.NoError(t, err, stored)
		assert.True(t, got.IsZero(), stored)
	}
}

func TestKeyValueStoreReportsFailures(t *testing.T) {
	obj := jsEval(t, `({ get: () => Promise.reject(new Error("disk gone")), set() { throw new Error("read-only") }, remove() {} })`)
	s, err := NewKeyValueStore(obj, "k")
	require.NoError(t, err)
	_, err = s.Load(context.Background())
	assert.ErrorContains(t, err, "disk gone")
	assert.ErrorContains(t, s.Save(context.Background(), core.Session{VisitorID: "v", SessionID: "s"}), "read-only")

	_, err = NewKeyValueStore(jsEval(t, `({ get() {}, set: 1 })`), "k")
	assert.Error(t, err)
	assert.Nil(t, LocalStorage("k"), "Node has no localStorage")
}

func TestLocalStorageIsImmediateOnlyForARealStorage(t *testing.T) {
	defer jsEval(t, `(() => { delete globalThis.localStorage; delete globalThis.Storage; })()`)
	jsEval(t, `(() => {
		class Storage {
			constructor() { this.m = new Map(); }
			getItem(k) { return this.m.has(k) ? this.m.get(k) : null; }
			setItem(k, v) { this.m.set(k, String(v)); }
			removeItem(k) { this.m.delete(k); }
		}
		globalThis.Storage = Storage;
		globalThis.localStorage = new Storage();
	})()`)
	ctx := context.Background()
	s := LocalStorage("k")
	require.NotNil(t, s)
	assert.True(t, s.Immediate(), "the host's Web Storage returns at once")
	want := core.Session{VisitorID: "v", SessionID: "s", PageID: "1"}
	require.NoError(t, s.Save(ctx, want))
	got, err := s.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// A Storage whose getItem was replaced by one returning a promise is never waited for.
	jsEval(t, `(() => { localStorage.getItem = () => Promise.resolve(null); })()`)
	_, err = LocalStorage("k").Load(ctx)
	assert.ErrorContains(t, err, "did not return a string or nothing")

	// A stand-in that is not a Storage may return promises: its store waits.
	jsEval(t, `(() => { globalThis.localStorage = { getItem: async () => null, setItem() {}, removeItem() {} }; })()`)
	s = LocalStorage("k")
	require.NotNil(t, s)
	assert.False(t, s.Immediate())
	got, err = s.Load(ctx)
	require.NoError(t, err)
	assert.True(t, got.IsZero())
}
