//go:build js && wasm

package convert

// This file is the only user of github.com/norunners/vert (tests aside) and holds the bridge's
// fixed shapes: Go structs tagged with `js:"name"` (options, the session record, the error
// object). vert converts them from Go to JS (EncodeStruct); the other way, DecodeStruct walks
// the JS object once, checking and filling the struct as it goes.
//
// Why not vert's AssignTo for JS → Go: each value had to be checked by a walk of the JS object
// first anyway (the traps below), so AssignTo only read every property a second time; and its
// error type formats with fmt, which linked fmt, internal/fmtsort and half of reflect's
// method machinery into the module: 293 KB of 3.88 MB, which every cold start reads, copies
// and validates (docs/benchmarks/wasm.md, "Cold start: the options without vert's AssignTo").
//
// vert's traps under Go 1.26, each kept out here and covered by a test in vert_test.go:
//
//   - vert.ValueOf panics on named types (core.Status...): the structs given to it hold
//     plain string, float64, bool, slices and nested structs only (checked by plainShape);
//   - it reads `json` tags without their options (`json:"a,omitempty"` becomes the key
//     "a,omitempty"): only `js` tags are used, and a tag with a comma is refused;
//   - AssignTo converts 30.7 into an int by truncation: numbers are float64 here and callers
//     check that integers are integers (WholeNumber);
//   - AssignTo drops null items of arrays and null or undefined properties: DecodeStruct
//     reports every wrong type, null array item and unknown property by its field path;
//   - AssignTo reads properties with js.Value.Get, through which a throwing getter would
//     unwind the Go stack: the loader hands over plain copies it made in JS (plainCopy), and
//     DecodeStruct reads with SafeGet;
//   - AssignTo cannot fill nested objects inside map[string]any: free-form trees (requests,
//     responses) go through FromJS/ToJS instead.
//
// Every call into vert is wrapped in recover, so a surprise becomes an error, not a crash.

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"syscall/js"

	"github.com/appengage/appengage/core"
	"github.com/norunners/vert"
)

// DecodeStruct fills dst, a pointer to a struct made of plain fields with `js` tags, from the
// JS object v. Every problem (wrong type, unknown property, null array item) is reported at
// once as a validation error naming the field under root, and dst is then left unchanged, as
// it is for an undefined or null v.
func DecodeStruct(v js.Value, dst any, root string) (err error) {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return Internal("DecodeStruct needs a pointer to a struct")
	}
	if msg := plainShape(rv.Elem().Type()); msg != "" {
		return Internal("DecodeStruct: " + msg)
	}
	if v.IsUndefined() || v.IsNull() {
		return nil
	}
	var problems []core.Problem
	out := reflect.New(rv.Elem().Type()).Elem()
	if err := func() (err error) {
		defer func() {
			if r := recover(); r != nil { // a getter or proxy trap threw
				err = &core.Error{Code: core.CodeValidation, Message: "invalid " + root + ": " + PanicText(r),
					Problems: []core.Problem{{Field: root, Message: "could not be read: " + PanicText(r)}}}
			}
		}()
		decode(v, out, root, &problems)
		return nil
	}(); err != nil {
		return err
	}
	if len(problems) > 0 {
		what := root
		if what == "" {
			what = "options"
		}
		return &core.Error{Code: core.CodeValidation, Message: "invalid " + what, Problems: problems}
	}
	rv.Elem().Set(out)
	return nil
}

// EncodeStruct converts src, a struct (or pointer to one) made of plain fields with `js`
// tags, into a new JS object.
func EncodeStruct(src any) (out js.Value, err error) {
	t := reflect.TypeOf(src)
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return js.Null(), Internal("EncodeStruct needs a struct")
	}
	if msg := plainShape(t); msg != "" {
		return js.Null(), Internal("EncodeStruct: " + msg)
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = js.Null(), Internal("vert panicked: "+PanicText(r))
		}
	}()
	return vert.ValueOf(src).JSValue(), nil
}

// plainShape reports why t is not a shape vert handles safely, or "" if it is.
func plainShape(t reflect.Type) string {
	if t.PkgPath() != "" && t.Kind() != reflect.Struct {
		return "named type " + t.String() + " (vert panics on it)"
	}
	switch t.Kind() {
	case reflect.String, reflect.Float64, reflect.Bool:
		return ""
	case reflect.Pointer, reflect.Slice:
		return plainShape(t.Elem())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("js")
			if tag == "" || strings.Contains(tag, ",") {
				return "field " + t.Name() + "." + f.Name + " needs a plain js tag"
			}
			if msg := plainShape(f.Type); msg != "" {
				return msg
			}
		}
		return ""
	}
	return "kind " + t.Kind().String() + " (use float64 for numbers)"
}

// decode sets out, of a type plainShape accepts, from v, and appends a Problem for every part
// of v that does not fit it (out is then only partly set).
func decode(v js.Value, out reflect.Value, path string, problems *[]core.Problem) {
	add := func(msg string) { *problems = append(*problems, core.Problem{Field: path, Message: msg}) }
	t := out.Type()
	if t.Kind() == reflect.Pointer {
		if v.IsNull() || v.IsUndefined() {
			return
		}
		t = t.Elem()
		p := reflect.New(t)
		out.Set(p)
		out = p.Elem()
	}
	vt, known := TypeOf(v)
	if !known {
		vt = -1 // a bigint: fits no field
	}
	switch t.Kind() {
	case reflect.String:
		if vt != js.TypeString {
			add("must be a string, not " + Describe(v))
			return
		}
		out.SetString(v.String())
	case reflect.Bool:
		if vt != js.TypeBoolean {
			add("must be a boolean, not " + Describe(v))
			return
		}
		out.SetBool(v.Bool())
	case reflect.Float64:
		if vt != js.TypeNumber {
			add("must be a number, not " + Describe(v))
			return
		}
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			add("must be a finite number")
			return
		}
		out.SetFloat(f)
	case reflect.Slice:
		if vt != js.TypeObject || !jsArray.Call("isArray", v).Bool() {
			add("must be an array, not " + Describe(v))
			return
		}
		n := SafeGet(v, "length").Int()
		if n > maxTreeNodes { // a length is no promise of items: never allocate for it unread
			add("must have at most " + strconv.Itoa(maxTreeNodes) + " items, not " + strconv.Itoa(n))
			return
		}
		items := reflect.MakeSlice(t, n, n)
		for i := 0; i < n; i++ {
			e := SafeGet(v, i)
			p := path + "[" + strconv.Itoa(i) + "]"
			if e.IsNull() || e.IsUndefined() {
				*problems = append(*problems, core.Problem{Field: p, Message: "must not be " + Describe(e)})
				continue
			}
			decode(e, items.Index(i), p, problems)
		}
		out.Set(items)
	case reflect.Struct:
		if vt != js.TypeObject || objectTag.Call("call", v).String() != plainTag {
			add("must be a plain object, not " + Describe(v))
			return
		}
		known := make(map[string]int, t.NumField())
		for i := 0; i < t.NumField(); i++ {
			known[t.Field(i).Tag.Get("js")] = i
		}
		keys := jsObject.Call("keys", v)
		for i, n := 0, keys.Length(); i < n; i++ {
			k := keys.Index(i).String()
			f, ok := known[k]
			child := SafeGet(v, k)
			switch {
			case !ok:
				*problems = append(*problems, core.Problem{Field: joinPath(path, k), Message: "is not a known field"})
			case child.IsUndefined():
			case child.IsNull() && t.Field(f).Type.Kind() != reflect.Pointer:
				*problems = append(*problems, core.Problem{Field: joinPath(path, k), Message: "must not be null"})
			default:
				decode(child, out.Field(f), joinPath(path, k), problems)
			}
		}
	}
}

// Describe names the JS type of v for error messages.
func Describe(v js.Value) string {
	t, known := TypeOf(v)
	if !known {
		return "a bigint"
	}
	if t == js.TypeObject && jsArray.Call("isArray", v).Bool() {
		return "an array"
	}
	switch t {
	case js.TypeNull:
		return "null"
	case js.TypeUndefined:
		return "undefined"
	case js.TypeObject:
		return "an object"
	}
	return "a " + t.String()
}

// WholeNumber reports whether f is an integer within ±2^53, the range JS numbers hold
// exactly. Callers use it on the float64 fields vert fills, since vert itself would
// truncate.
func WholeNumber(f float64) bool {
	return f == math.Trunc(f) && math.Abs(f) <= 1<<53
}

// Internal is a CodeInternal error: a bug in appengage, not in the caller's input.
func Internal(msg string) error {
	return &core.Error{Code: core.CodeInternal, Message: msg}
}
