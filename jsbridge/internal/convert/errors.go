//go:build js && wasm

package convert

import (
	"errors"
	"syscall/js"

	"github.com/appengage/appengage/core"
)

// errorJS is the shape of the fields set on every JS Error appengage produces.
type errorJS struct {
	Code         string      `js:"code"`
	Status       *float64    `js:"status"`
	InternalCode *float64    `js:"internalCode"`
	Field        *string     `js:"field"`
	Problems     []problemJS `js:"problems"`
}

type problemJS struct {
	Field   string `js:"field"`
	Message string `js:"message"`
}

// ErrorValue converts err into a JS Error with code (the core's Code), status (when the
// server answered), internalCode (when its body had one), field (the first validation
// problem) and problems (every validation problem). Errors that are not *core.Error get
// code "internal".
func ErrorValue(err error) js.Value {
	var ce *core.Error
	if !errors.As(err, &ce) {
		ce = &core.Error{Code: core.CodeInternal, Message: err.Error(), Err: err}
	}
	fields := errorJS{Code: string(ce.Code)}
	if ce.Status != 0 {
		s := float64(ce.Status)
		fields.Status = &s
	}
	if ce.InternalCode != 0 {
		ic := float64(ce.InternalCode)
		fields.InternalCode = &ic
	}
	if f := ce.Field(); f != "" {
		fields.Field = &f
	}
	for _, p := range ce.Problems {
		fields.Problems = append(fields.Problems, problemJS{Field: p.Field, Message: p.Message})
	}
	e := jsError.New(ce.Error())
	e.Set("name", "AppEngageError")
	obj, encErr := EncodeStruct(fields)
	if encErr != nil {
		e.Set("code", string(core.CodeInternal))
		return e
	}
	jsObject.Call("assign", e, obj)
	// Absent optional fields come back from vert as null; JS callers expect undefined.
	for _, k := range []string{"status", "internalCode", "field", "problems"} {
		if e.Get(k).IsNull() {
			e.Delete(k)
		}
	}
	return e
}
