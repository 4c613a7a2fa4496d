//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"syscall/js"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/jsbridge/internal/convert"
	"github.com/appengage/appengage/jsbridge/internal/promise"
)

// sessionJS is the stored form of a core.Session: a JSON object {vid, sid, pageId}.
type sessionJS struct {
	VisitorID string `js:"vid"`
	SessionID string `js:"sid"`
	PageID    string `js:"pageId"`
}

// SessionKey is the storage key of an account's session.
func SessionKey(accountID string) string { return "appengage.session." + accountID }

// KeyValueStore is a core.SessionStore over a JS object with get(key), set(key, value) and
// remove(key) methods, each returning a value or a promise; the value is the session as a
// JSON string. It serves the caller-supplied storage option and, wrapped by the loader,
// the JSON file store of Node and Electron's main process.
//
// A stored value that is not a well-formed session (hand-edited, from another program) is
// treated as no session, so the next Create Session replaces it instead of failing forever.
type KeyValueStore struct {
	obj js.Value
	key string
	// immediate: obj is the host's own Web Storage, whose methods return at once.
	immediate bool
}

// Immediate reports whether the store never waits (core.ImmediateStore): true for the
// host's localStorage, false for a caller's object, whose methods may return promises.
func (s *KeyValueStore) Immediate() bool { return s.immediate }

// NewKeyValueStore checks that obj has the three methods and returns the store for key.
func NewKeyValueStore(obj js.Value, key string) (*KeyValueStore, error) {
	for _, m := range []string{"get", "set", "remove"} {
		var f js.Value
		if err := promise.Catch(func() { f = convert.SafeGet(obj, m) }); err != nil { // a getter threw
			return nil, &core.Error{Code: core.CodeValidation, Message: "storage cannot be read",
				Problems: []core.Problem{{Field: "storage", Message: "could not be read: " + err.Error()}}}
		}
		if t, known := convert.TypeOf(obj); !known || t != js.TypeObject || f.Type() != js.TypeFunction {
			return nil, &core.Error{Code: core.CodeValidation, Message: "storage needs get, set and remove methods",
				Problems: []core.Problem{{Field: "storage." + m, Message: "must be a function"}}}
		}
	}
	return &KeyValueStore{obj: obj, key: key}, nil
}

// Load reads and decodes the stored session.
func (s *KeyValueStore) Load(ctx context.Context) (core.Session, error) {
	v, err := s.call(ctx, "get", s.key)
	if err != nil {
		return core.Session{}, err
	}
	return decodeSession(v), nil
}

// Save stores the session as JSON.
func (s *KeyValueStore) Save(ctx context.Context, sess core.Session) error {
	text, err := encodeSession(sess)
	if err != nil {
		return err
	}
	_, err = s.call(ctx, "set", s.key, text)
	return err
}

// Clear removes the stored session.
func (s *KeyValueStore) Clear(ctx context.Context) error {
	_, err := s.call(ctx, "remove", s.key)
	return err
}

func (s *KeyValueStore) call(ctx context.Context, method string, args ...any) (js.Value, error) {
	var p js.Value
	if err := promise.Catch(func() { p = s.obj.Call(method, args...) }); err != nil {
		return js.Undefined(), errors.New("storage." + method + " threw: " + err.Error())
	}
	if s.immediate { // never wait here: the caller may be on the JS thread (core.Flight)
		if t, known := convert.TypeOf(p); known && (t == js.TypeString || t == js.TypeNull || t == js.TypeUndefined) {
			return p, nil
		}
		return js.Undefined(), errors.New("storage." + method + " did not return a string or nothing")
	}
	v, err := promise.Await(ctx, p)
	if err != nil {
		return js.Undefined(), errors.New("storage." + method + " failed: " + err.Error())
	}
	return v, nil
}

// LocalStorage returns a store over the Web Storage object (window.localStorage), or nil
// when the host has none (Node, workers) or it is unusable (Safari private mode, a sandboxed
// iframe), so the caller can fall back to memory.
func LocalStorage(key string) *KeyValueStore {
	var adapter js.Value
	immediate := false
	err := promise.Catch(func() { // reading localStorage itself can throw SecurityError
		ls := convert.SafeGet(js.Global(), "localStorage")
		if ls.Type() != js.TypeObject || ls.Get("getItem").Type() != js.TypeFunction {
			return
		}
		// A real Web Storage object's methods are the host's and return at once; a stand-in
		// (a polyfill, a Proxy) may return promises, so its store waits for them.
		storage := js.Global().Get("Storage")
		immediate = storage.Type() == js.TypeFunction && ls.InstanceOf(storage)
		adapter = js.Global().Get("Object").New()
		adapter.Set("get", ls.Get("getItem").Call("bind", ls))
		adapter.Set("set", ls.Get("setItem").Call("bind", ls))
		adapter.Set("remove", ls.Get("removeItem").Call("bind", ls))
	})
	if err != nil || adapter.IsUndefined() {
		return nil // unusable: the caller falls back to memory
	}
	return &KeyValueStore{obj: adapter, key: key, immediate: immediate}
}

func encodeSession(s core.Session) (string, error) {
	obj, err := convert.EncodeStruct(sessionJS{VisitorID: s.VisitorID, SessionID: s.SessionID, PageID: s.PageID})
	if err != nil {
		return "", err
	}
	return jsJSON.Call("stringify", obj).String(), nil
}

func decodeSession(v js.Value) core.Session {
	if t, known := convert.TypeOf(v); !known || t != js.TypeString {
		return core.Session{}
	}
	var parsed js.Value
	if promise.Catch(func() { parsed = jsJSON.Call("parse", v) }) != nil { // not JSON
		return core.Session{}
	}
	var rec sessionJS
	if err := convert.DecodeStruct(parsed, &rec, "session"); err != nil {
		return core.Session{}
	}
	if !core.WellFormedID(rec.VisitorID) || !core.WellFormedID(rec.SessionID) {
		return core.Session{}
	}
	return core.Session{VisitorID: rec.VisitorID, SessionID: rec.SessionID, PageID: rec.PageID}
}
