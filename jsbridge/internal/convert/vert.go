//go:build js && wasm

package convert

// This file is the only user of github.com/norunners/vert (tests aside). vert converts between JS objects
// and Go structs tagged with `js:"name"`, which is what the bridge needs for its small fixed
// shapes (options, the session record, the error object). Under Go 1.26 it has traps, each
// kept out here and covered by a test in vert_test.go:
//
//   - vert.ValueOf panics on named types (core.Status...): the structs given to it hold
//     plain string, float64, bool, slices and nested structs only (checked by plainShape);
//   - it reads `json` tags without their options (`json:"a,omitempty"` becomes the key
//     "a,omitempty"): only `js` tags are used, and a tag with a comma is refused;
//   - it converts 30.7 into an int by truncation: numbers are float64 here and callers check
//     that integers are integers (WholeNumber);
//   - it drops null items of arrays and null or undefined properties: checkShape walks the JS
//     value first and reports every wrong type, null array item and unknown property by
//     its field path, so vert only ever sees values that fit;
//   - it reads properties with js.Value.Get, through which a throwing getter would unwind the
//     Go stack: the loader hands over plain copies it made in JS (plainCopy), and checkShape
//     reads with SafeGet;
//   - it cannot fill nested objects inside map[string]any: free-form trees (requests,
//     responses) go through FromJS/ToJS instead, never through vert.
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
// once as a validation error naming the field under root. undefined or null v leaves dst
// unchanged.
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
	if err := func() (err error) {
		defer func() {
			if r := recover(); r != nil { // a getter or proxy trap threw
				err = &core.Error{Code: core.CodeValidation, Message: "invalid " + root + ": " + PanicText(r),
					Problems: []core.Problem{{Field: root, Message: "could not be read: " + PanicText(r)}}}
			}
		}()
		checkShape(v, rv.Elem().Type(), root, &problems)
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
	defer func() {
		if r := recover(); r != nil {
			err = Internal("vert panicked: " + PanicText(r))
		}
	}()
	if err := (vert.Value{Value: v}).AssignTo(dst); err != nil {
		return Internal("vert: " + err.Error())
	}
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

// checkShape appends a Problem for every part of v that does not fit t.
func checkShape(v js.Value, t reflect.Type, path string, problems *[]core.Problem) {
	add := func(msg string) { *problems = append(*problems, core.Problem{Field: path, Message: msg}) }
	if t.Kind() == reflect.Pointer {
		if v.IsNull() || v.IsUndefined() {
			return
		}
		t = t.Elem()
	}
	vt, known := TypeOf(v)
	if !known {
		vt = -1 // a bigint: fits no field
	}
	switch t.Kind() {
	case reflect.String:
		if vt != js.TypeString {
			add("must be a string, not " + Describe(v))
		}
	case reflect.Bool:
		if vt != js.TypeBoolean {
			add("must be a boolean, not " + Describe(v))
		}
	case reflect.Float64:
		if vt != js.TypeNumber {
			add("must be a number, not " + Describe(v))
		} else if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			add("must be a finite number")
		}
	case reflect.Slice:
		if vt != js.TypeObject || !jsArray.Call("isArray", v).Bool() {
			add("must be an array, not " + Describe(v))
			return
		}
		for i, n := 0, SafeGet(v, "length").Int(); i < n; i++ {
			e := SafeGet(v, i)
			p := path + "[" + strconv.Itoa(i) + "]"
			if e.IsNull() || e.IsUndefined() {
				*problems = append(*problems, core.Problem{Field: p, Message: "must not be " + Describe(e)})
				continue
			}
			checkShape(e, t.Elem(), p, problems)
		}
	case reflect.Struct:
		if vt != js.TypeObject || objectTag.Call("call", v).String() != plainTag {
			add("must be a plain object, not " + Describe(v))
			return
		}
		known := make(map[string]reflect.Type, t.NumField())
		for i := 0; i < t.NumField(); i++ {
			known[t.Field(i).Tag.Get("js")] = t.Field(i).Type
		}
		keys := jsObject.Call("keys", v)
		for i, n := 0, keys.Length(); i < n; i++ {
			k := keys.Index(i).String()
			ft, ok := known[k]
			child := SafeGet(v, k)
			switch {
			case !ok:
				*problems = append(*problems, core.Problem{Field: joinPath(path, k), Message: "is not a known field"})
			case child.IsUndefined():
			case child.IsNull() && ft.Kind() != reflect.Pointer:
				*problems = append(*problems, core.Problem{Field: joinPath(path, k), Message: "must not be null"})
			default:
				checkShape(child, ft, joinPath(path, k), problems)
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
