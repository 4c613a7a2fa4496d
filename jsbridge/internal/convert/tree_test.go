//go:build js && wasm

package convert

import (
	"math"
	"strings"
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const seedExample = `{
    "appType": "EXTERNAL",
    "vid": "123",
    "sid": "456",
    "appDetails": {"os": "MAC_OSX", "osVersion": "1.2", "appVersion": "1.0", "deviceFamily": "MOBILE", "ipAddress": "192.168.5.2"},
    "consumerSections": ["Support", "English", "Other"],
    "engagementAttributes": [{
        "type": "personal",
        "personal": {
            "contacts": [{"email": "test.com", "phone": "12345678"}, {"email": "test2.co.il", "phone": "98765430"}],
            "age": {"age": 30.0, "year": 1985, "month": 7, "day": 22},
            "firstname": "test", "lastname": "test2", "gender": "FEMALE", "company": "liveperson"
        }
    }]
}`

func TestSeedExampleRoundTrips(t *testing.T) {
	src := jsEval(t, seedExample)
	tree, err := FromJS(src, "")
	require.NoError(t, err)
	back, err := ToJS(tree)
	require.NoError(t, err)
	same := js.Global().Get("JSON").Call("stringify", back).String()
	assert.JSONEq(t, js.Global().Get("JSON").Call("stringify", src).String(), same)

	viaText, err := DecodeJSON(js.Global().Get("JSON").Call("stringify", src).String())
	require.NoError(t, err)
	assert.Equal(t, tree, viaText, "the walker and the JSON-text path give the same tree")
}

func TestFromJSReportsNonJSONValuesByField(t *testing.T) {
	tests := []struct {
		src    string
		fields []string
	}{
		{`{a: undefined, b: 1}`, nil}, // an undefined property is an absent one
		{`{a: [1, undefined]}`, []string{"a[1]"}},
		{`{a: [1, , 3]}`, []string{"a[1]"}},
		{`{a: NaN, b: -Infinity}`, []string{"a", "b"}},
		{`{f: () => 1}`, []string{"f"}},
		{`{s: Symbol("x")}`, []string{"s"}},
		{`{n: 10n}`, []string{"n"}},
		{`{d: new Date(0), m: new Map(), u: new Uint8Array(1)}`, []string{"d", "m", "u"}},
		{`(() => { const o = {x: {}}; o.x.back = o; return o })()`, []string{"x.back"}},
		{`{get boom() { throw new Error("getter") }}`, []string{"boom"}},
		{`new Proxy({}, {ownKeys() { throw new Error("trap") }})`, []string{""}},
		{`new Proxy([1], {get() { throw new Error("trap") }})`, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := FromJS(jsEval(t, tt.src), "")
			if tt.fields == nil {
				assert.NoError(t, err)
				return
			}
			assert.Equal(t, tt.fields, fields(problems(t, err)))
		})
	}
}

func TestFromJSBoundsDepth(t *testing.T) {
	_, err := FromJS(jsEval(t, `(() => { let o = {}; const root = o; for (let i = 0; i < 100; i++) o = o.a = {}; return root })()`), "")
	ps := problems(t, err)
	require.Len(t, ps, 1)
	assert.Contains(t, ps[0].Message, "nested too deeply")
}

func TestToJSRefusesWhatJSONCannotHold(t *testing.T) {
	_, err := ToJS(map[string]any{"c": make(chan int)})
	assert.Error(t, err)
	v, err := ToJS(map[string]any{"big": int64(1) << 40, "f": math.Pi, "nil": nil, "list": []string{"a"}})
	require.NoError(t, err)
	assert.Equal(t, float64(int64(1)<<40), v.Get("big").Float())
	assert.True(t, v.Get("nil").IsNull())
	assert.Equal(t, "a", v.Get("list").Index(0).String())
}

// One depth limit for both readers, and the too-deep value named by its field.
func TestDepthLimitNamesTheField(t *testing.T) {
	for _, depth := range []int{MaxDepth + 1, 70, 1000} {
		text := ""
		for i := 0; i < depth; i++ {
			text += `{"a":`
		}
		text += "1"
		for i := 0; i < depth; i++ {
			text += "}"
		}
		_, err := DecodeJSON(text)
		var de *DepthError
		require.ErrorAs(t, err, &de, "depth %d", depth)
		assert.NotEmpty(t, de.Path())
		assert.Equal(t, MaxDepth, strings.Count(de.Path(), "a"), "the path ends at the first value too deep")

		_, err = FromJS(js.Global().Get("JSON").Call("parse", text), "")
		ps := problems(t, err)
		require.Len(t, ps, 1)
		assert.Equal(t, de.Path(), ps[0].Field, "both readers stop at the same value")
	}
	_, err := DecodeJSON(`{"a":[{"b":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}]}`)
	var de *DepthError
	require.ErrorAs(t, err, &de)
	assert.True(t, strings.HasPrefix(de.Path(), "a[0].b[0][0]"), de.Path())

	// An empty key on the way is a segment like any other, not a panic.
	_, err = DecodeJSON(`{"a":{"":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}}`)
	require.ErrorAs(t, err, &de)
	assert.True(t, strings.HasPrefix(de.Path(), "a.[0]"), de.Path())
}

// The node limit (20,000 values in a tree) holds for many small values and for one array
// whose length alone passes it, which is refused by its length, unread and unallocated.
func TestFromJSRefusesMoreThanTheNodeLimit(t *testing.T) {
	for _, tt := range []struct {
		name, src, field string
	}{
		{"a sparse array of a billion holes", `{a: new Array(1e9)}`, "a"},
		{"one item too many", `{a: new Array(19999).fill(1)}`, "a"},
		{"two arrays that pass it together", `{a: new Array(15000).fill(1), b: new Array(15000).fill(1)}`, "b"},
		{"many small objects", `{a: Array.from({length: 10001}, () => ({x: 1}))}`, "a[9999]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromJS(jsEval(t, tt.src), "")
			ps := problems(t, err)
			require.Len(t, ps, 1, "reported once")
			assert.Equal(t, tt.field, ps[0].Field)
			assert.Equal(t, "too many values (more than 20000)", ps[0].Message)
		})
	}
	tree, err := FromJS(jsEval(t, `{a: new Array(19998).fill(1)}`), "")
	require.NoError(t, err, "the root, a and 19,998 items are 20,000 values: the limit itself")
	assert.Len(t, tree.(map[string]any)["a"], 19998)
}
