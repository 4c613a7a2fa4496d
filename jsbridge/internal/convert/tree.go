//go:build js && wasm

package convert

import (
	"math"
	"reflect"
	"strconv"
	"syscall/js"

	"github.com/appengage/appengage/core"
)

// Limits on what FromJS accepts, so that a hostile or accidental huge object cannot stall
// the event loop. A real request is a few hundred values at most. The depth limit is the
// one of every tree and JSON reader (MaxDepth).
const (
	maxTreeNodes    = 20000
	maxTreeProblems = 50
)

var (
	jsReflect = js.Global().Get("Reflect")
	jsObject  = js.Global().Get("Object")
	jsArray   = js.Global().Get("Array")
	jsError   = js.Global().Get("Error")
	objectTag = jsObject.Get("prototype").Get("toString")
	plainTag  = "[object Object]"
)

// FromJS converts a JS value into the core's generic value tree: objects become
// map[string]any, arrays []any, numbers float64, and strings, booleans and null keep their
// kind. Nothing is dropped or changed: a property whose value is undefined is absent (as in
// JSON), while functions, symbols, bigints, NaN/Infinity, undefined array items, non-plain
// objects (Date, Map, typed arrays...), cycles and trees deeper than MaxDepth levels are all
// reported, each as a validation Problem naming its field path under root. A getter or a
// proxy that throws is reported the same way; FromJS never panics.
func FromJS(v js.Value, root string) (any, error) {
	c := &treeReader{}
	out := c.read(v, root, 0)
	if len(c.problems) > 0 {
		return nil, &core.Error{Code: core.CodeValidation, Message: "the value cannot be converted", Problems: c.problems}
	}
	return out, nil
}

type treeReader struct {
	stack    []js.Value // the objects being read, to detect cycles
	nodes    int
	problems []core.Problem
}

func (c *treeReader) fail(path, msg string) {
	if len(c.problems) < maxTreeProblems {
		c.problems = append(c.problems, core.Problem{Field: path, Message: msg})
	}
}

// take counts n more values, read at path; false once the count passes maxTreeNodes, which
// is reported once, at the path that passed it.
func (c *treeReader) take(n int, path string) bool {
	before := c.nodes
	c.nodes += n
	if c.nodes <= maxTreeNodes {
		return true
	}
	if before <= maxTreeNodes {
		c.fail(path, "too many values (more than "+strconv.Itoa(maxTreeNodes)+")")
	}
	return false
}

func (c *treeReader) read(v js.Value, path string, depth int) (out any) {
	if !c.take(1, path) {
		return nil
	}
	t, known := TypeOf(v)
	if !known {
		c.fail(path, "is a bigint or another value that is not JSON")
		return nil
	}
	switch t {
	case js.TypeNull:
		return nil
	case js.TypeBoolean:
		return v.Bool()
	case js.TypeString:
		return v.String()
	case js.TypeNumber:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			c.fail(path, "must be a finite number")
			return nil
		}
		return f
	case js.TypeUndefined:
		c.fail(path, "is undefined, which is not a JSON value")
		return nil
	case js.TypeObject:
		return c.readObject(v, path, depth)
	case js.TypeFunction:
		c.fail(path, "is a function, which is not a JSON value")
	case js.TypeSymbol:
		c.fail(path, "is a symbol, which is not a JSON value")
	}
	return nil
}

// TypeOf is v.Type() for values that came from callers: v.Type() panics ("bad type flag")
// on a typeof syscall/js does not know (a bigint), which TypeOf reports as known false.
func TypeOf(v js.Value) (t js.Type, known bool) {
	defer func() {
		if recover() != nil {
			known = false
		}
	}()
	return v.Type(), true
}

func (c *treeReader) readObject(v js.Value, path string, depth int) (out any) {
	if depth >= MaxDepth {
		c.fail(path, core.TooDeepMessage)
		return nil
	}
	for _, seen := range c.stack {
		if seen.Equal(v) {
			c.fail(path, "refers back to an enclosing object (a cycle)")
			return nil
		}
	}
	// Proxies and getters run caller code that may throw; report it on this field.
	defer func() {
		if r := recover(); r != nil {
			c.fail(path, "could not be read: "+PanicText(r))
			out = nil
		}
	}()
	c.stack = append(c.stack, v)
	defer func() { c.stack = c.stack[:len(c.stack)-1] }()

	if jsArray.Call("isArray", v).Bool() {
		n := SafeGet(v, "length").Int()
		if c.nodes+n > maxTreeNodes { // its items alone pass the limit: refused unread, nothing allocated for them
			c.take(n, path)
			return nil
		}
		items := make([]any, n)
		for i := 0; i < n; i++ {
			items[i] = c.read(SafeGet(v, i), path+"["+strconv.Itoa(i)+"]", depth+1)
		}
		return items
	}
	if tag := objectTag.Call("call", v).String(); tag != plainTag {
		c.fail(path, "must be a plain object, not "+tag)
		return nil
	}
	keys := jsObject.Call("keys", v)
	n := keys.Length()
	m := make(map[string]any, n)
	for i := 0; i < n; i++ {
		k := keys.Index(i).String()
		child := c.readProperty(v, k, joinPath(path, k))
		if child.IsUndefined() {
			continue // JSON semantics: an undefined property is an absent one
		}
		m[k] = c.read(child, joinPath(path, k), depth+1)
	}
	return m
}

// readProperty reads v[k], reporting a throwing getter or proxy trap on the field itself.
func (c *treeReader) readProperty(v js.Value, k, path string) (out js.Value) {
	defer func() {
		if r := recover(); r != nil {
			c.fail(path, "could not be read: "+PanicText(r))
			out = js.Undefined()
		}
	}()
	return SafeGet(v, k)
}

// SafeGet is v[key] (a string or an int index) for values that came from callers. Unlike
// js.Value.Get and Index, whose JS exceptions would unwind through the Go stack and corrupt
// the runtime, it goes through Reflect.get with Call, which turns a throwing getter or proxy
// trap into a recoverable Go panic (a js.Error).
func SafeGet(v js.Value, key any) js.Value {
	return jsReflect.Call("get", v, key)
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// ToJS converts a generic value tree into a new JS value. It accepts what the core produces:
// map[string]any, []any, strings, booleans, nil and any Go number, including named types of
// those kinds (core.Status, core.Attribute...). A value of another kind (a channel, a
// function, a struct) is a bug in appengage and is returned as an internal error.
func ToJS(tree any) (out js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &core.Error{Code: core.CodeInternal, Message: "cannot convert to JS: " + PanicText(r)}
		}
	}()
	return toJS(tree), nil
}

func toJS(v any) js.Value {
	switch t := v.(type) {
	case nil:
		return js.Null()
	case string:
		return js.ValueOf(t)
	case float64:
		return js.ValueOf(t)
	case bool:
		return js.ValueOf(t)
	case int:
		return js.ValueOf(t)
	case int64:
		return js.ValueOf(t)
	case map[string]any:
		o := jsObject.New()
		for k, e := range t {
			o.Set(k, toJS(e))
		}
		return o
	case []any:
		a := jsArray.New(len(t))
		for i, e := range t {
			a.SetIndex(i, toJS(e))
		}
		return a
	case js.Value:
		return t
	}
	return reflectToJS(reflect.ValueOf(v))
}

func reflectToJS(r reflect.Value) js.Value {
	switch r.Kind() {
	case reflect.Invalid:
		return js.Null()
	case reflect.String:
		return js.ValueOf(r.String())
	case reflect.Bool:
		return js.ValueOf(r.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return js.ValueOf(float64(r.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return js.ValueOf(float64(r.Uint()))
	case reflect.Float32, reflect.Float64:
		return js.ValueOf(r.Float())
	case reflect.Pointer, reflect.Interface:
		if r.IsNil() {
			return js.Null()
		}
		return reflectToJS(r.Elem())
	case reflect.Slice, reflect.Array:
		if r.Kind() == reflect.Slice && r.IsNil() {
			return js.Null()
		}
		a := jsArray.New(r.Len())
		for i := 0; i < r.Len(); i++ {
			a.SetIndex(i, reflectToJS(r.Index(i)))
		}
		return a
	case reflect.Map:
		if r.Type().Key().Kind() != reflect.String {
			panic("map key of kind " + r.Type().Key().Kind().String())
		}
		if r.IsNil() {
			return js.Null()
		}
		o := jsObject.New()
		it := r.MapRange()
		for it.Next() {
			o.Set(it.Key().String(), reflectToJS(it.Value()))
		}
		return o
	}
	panic("unsupported Go kind " + r.Kind().String())
}

// PanicText renders a recovered panic value without fmt.
func PanicText(r any) string {
	switch t := r.(type) {
	case error:
		return t.Error()
	case string:
		return t
	}
	return "unexpected " + reflect.TypeOf(r).String()
}
