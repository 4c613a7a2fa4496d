package convert

import (
	"encoding/json"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"object", `{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, map[string]any{"a": 1.0, "b": []any{true, false, nil}, "c": map[string]any{"d": "e"}}},
		{"spaces", " \t\n{ \"a\" : [ ] , \"b\" : { } }\r\n", map[string]any{"a": []any{}, "b": map[string]any{}}},
		{"numbers", `[0,-0,30.0,30.7,1e3,-2.5E-3,9007199254740993]`, []any{0.0, math.Copysign(0, -1), 30.0, 30.7, 1000.0, -0.0025, 9007199254740992.0}},
		{"escapes", `"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00"`, "a\"b\\c/d\b\f\n\r\té😀"},
		{"lone surrogate", `"\ud800x"`, "\ufffdx"},
		{"duplicate key keeps the last", `{"a":1,"a":2}`, map[string]any{"a": 2.0}},
		{"utf8", `"héllo ☃"`, "héllo ☃"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeJSON(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeJSONRefuses(t *testing.T) {
	for _, in := range []string{
		``, ` `, `{`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `01`, `1.`, `.5`, `1e`, `+1`, `-`,
		`"abc`, `"\x"`, `"\u12"`, "\"a\x01b\"", `tru`, `nul`, `[1] 2`, `NaN`, `Infinity`, `1e400`,
		"\"\xff\"", `{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
	} {
		_, err := DecodeJSON(in)
		assert.Error(t, err, "%q", in)
	}
}

func TestEncodeJSON(t *testing.T) {
	type named map[string]any
	type status string
	got, err := EncodeJSON(map[string]any{
		"b": []any{1.0, 30.5, -0.0025, 1e21, nil, true},
		"a": "quote\" backslash\\ newline\n ctl\x01 é \u2028",
		"n": named{"s": status("Available"), "l": []string{"x"}, "i": int64(9007199254740993)},
	})
	require.NoError(t, err)
	assert.Equal(t, `{"a":"quote\" backslash\\ newline\n ctl\u0001 é \u2028","b":[1,30.5,-0.0025,1e+21,null,true],"n":{"i":9007199254740993,"l":["x"],"s":"Available"}}`, got)

	_, err = EncodeJSON(map[string]any{"x": math.NaN()})
	assert.Error(t, err)
	_, err = EncodeJSON(map[string]any{"x": make(chan int)})
	assert.Error(t, err)
}

// FuzzDecodeJSON checks the codec against encoding/json: whatever DecodeJSON accepts,
// encoding/json accepts with the same value; whatever encoding/json accepts in valid UTF-8
// and within the depth limit, DecodeJSON accepts; and EncodeJSON round-trips.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,"x",null,true,{"b":-1.5e3}]}`, `"\ud83d\ude00"`, `[]`, `0`, `{"":""}`, `"\u0000"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := DecodeJSON(in)
		var want any
		stdErr := json.Unmarshal([]byte(in), &want)
		if err == nil {
			require.NoError(t, stdErr, "DecodeJSON accepted what encoding/json refuses: %q", in)
			require.Equal(t, want, got)
			text, err := EncodeJSON(got)
			require.NoError(t, err)
			again, err := DecodeJSON(text)
			require.NoError(t, err)
			require.Equal(t, got, again)
			return
		}
		if stdErr == nil && utf8.ValidString(in) && depth(want) < MaxDepth {
			t.Fatalf("DecodeJSON refused what encoding/json accepts: %q: %v", in, err)
		}
	})
}

func depth(v any) int {
	d := 0
	switch t := v.(type) {
	case map[string]any:
		for _, e := range t {
			d = max(d, depth(e))
		}
		return d + 1
	case []any:
		for _, e := range t {
			d = max(d, depth(e))
		}
		return d + 1
	}
	return 0
}
