//go:build js && wasm

package convert

import (
	"errors"
	"testing"

	"github.com/appengage/appengage/core"
	"github.com/stretchr/testify/assert"
)

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
