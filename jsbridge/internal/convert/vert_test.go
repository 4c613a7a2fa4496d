//go:build js && wasm

package convert

import (
	"syscall/js"
	"testing"

	"github.com/appengage/appengage/core"
	"github.com/norunners/vert"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsEval builds test values in JS. Tests only: the module itself never evaluates code.
func jsEval(t *testing.T, src string) js.Value {
	t.Helper()
	return js.Global().Get("Function").New("return (" + src + ")").Invoke()
}

// configShape and sessionShape are the kind of fixed shapes the bridge gives DecodeStruct
// (its options and session record).
type configShape struct {
	AccountID string `js:"accountId"`
	Domain    string `js:"domain"`
	Retry     *struct {
		DelaysMs []float64 `js:"delaysMs"`
	} `js:"retry"`
	AttemptTimeoutMs *float64 `js:"attemptTimeoutMs"`
}

type sessionShape struct {
	VisitorID string `js:"vid"`
	SessionID string `js:"sid"`
	PageID    string `js:"pageId"`
}

func problems(t *testing.T, err error) []core.Problem {
	t.Helper()
	var ce *core.Error
	require.ErrorAs(t, err, &ce)
	require.Equal(t, core.CodeValidation, ce.Code, ce.Error())
	return ce.Problems
}

func fields(ps []core.Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Field)
	}
	return out
}

// Each trap of vert under Go 1.26 is shown on vert itself, then shown not to reach callers
// of this package.

func TestVertTrapNamedTypes(t *testing.T) {
	assert.Panics(t, func() { vert.ValueOf(struct{ S core.Status }{core.StatusAvailable}) }, "vert panics on named types")

	_, err := EncodeStruct(struct {
		S core.Status `js:"s"`
	}{core.StatusAvailable})
	assert.Error(t, err, "encodeStruct refuses the shape instead of panicking")

	v, err := ToJS(map[string]any{"status": core.StatusAvailable, "attrs": []core.Attribute{{"type": "lead"}}})
	require.NoError(t, err)
	assert.Equal(t, "Available", v.Get("status").String())
	assert.Equal(t, "lead", v.Get("attrs").Index(0).Get("type").String())
}

func TestVertTrapJSONTagOptions(t *testing.T) {
	type tagged struct {
		A string `json:"a,omitempty"`
	}
	obj := vert.ValueOf(tagged{A: "x"}).JSValue()
	assert.Equal(t, "x", obj.Get("a,omitempty").String(), "vert keeps the tag options in the key")

	_, err := EncodeStruct(tagged{A: "x"})
	assert.Error(t, err, "only plain js tags are accepted")
	type withOptions struct {
		A string `js:"a,omitempty"`
	}
	assert.Error(t, DecodeStruct(jsEval(t, `{a: "x"}`), &withOptions{}, ""))
}

func TestVertTrapTruncatesIntegers(t *testing.T) {
	var n struct {
		N int `js:"n"`
	}
	require.NoError(t, vert.ValueOf(jsEval(t, `{n: 30.7}`)).AssignTo(&n))
	assert.Equal(t, 30, n.N, "vert truncates 30.7 into an int")

	assert.Error(t, DecodeStruct(jsEval(t, `{n: 30.7}`), &n, ""), "int fields are refused: numbers are float64 here")

	var cfg configShape
	require.NoError(t, DecodeStruct(jsEval(t, `{accountId: "a", retry: {delaysMs: [30.7]}}`), &cfg, ""))
	assert.Equal(t, []float64{30.7}, cfg.Retry.DelaysMs, "the value arrives unchanged")
	assert.False(t, WholeNumber(cfg.Retry.DelaysMs[0]), "and the caller can refuse the fraction")
}

func TestVertTrapDropsNullItems(t *testing.T) {
	var d struct {
		L []float64 `js:"l"`
	}
	require.NoError(t, vert.ValueOf(jsEval(t, `{l: [1, null, 2]}`)).AssignTo(&d))
	assert.Equal(t, []float64{1, 2}, d.L, "vert drops the null silently")

	ps := problems(t, DecodeStruct(jsEval(t, `{retry: {delaysMs: [1, null, 2]}}`), &configShape{}, ""))
	assert.Equal(t, []string{"retry.delaysMs[1]"}, fields(ps))

	tree, err := FromJS(jsEval(t, `[1, null, 2]`), "")
	require.NoError(t, err)
	assert.Equal(t, []any{1.0, nil, 2.0}, tree, "free-form trees keep nulls")
}

func TestVertTrapNestedObjectsInMaps(t *testing.T) {
	var m map[string]any
	err := vert.ValueOf(jsEval(t, `{a: {b: 1}}`)).AssignTo(&m)
	assert.Error(t, err, "vert cannot fill a nested object inside map[string]any")

	tree, err := FromJS(jsEval(t, `{a: {b: 1, c: [{d: "e"}]}}`), "")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": map[string]any{"b": 1.0, "c": []any{map[string]any{"d": "e"}}}}, tree)
}

func TestDecodeStructReportsEveryProblemByField(t *testing.T) {
	ps := problems(t, DecodeStruct(jsEval(t,
		`{accountId: 5, domain: null, bogus: 1, retry: {delaysMs: "5", other: []}, attemptTimeoutMs: NaN}`), &configShape{}, ""))
	assert.ElementsMatch(t, []string{"accountId", "domain", "bogus", "retry.delaysMs", "retry.other", "attemptTimeoutMs"}, fields(ps))

	ps = problems(t, DecodeStruct(jsEval(t, `{retry: new Date()}`), &configShape{}, ""))
	assert.Equal(t, []string{"retry"}, fields(ps))

	ps = problems(t, DecodeStruct(jsEval(t, `{get accountId() { throw new Error("no") }}`), &configShape{}, "options"))
	assert.Equal(t, []string{"options"}, fields(ps))

	ps = problems(t, DecodeStruct(jsEval(t, `{attemptTimeoutMs: 1n, accountId: 2n}`), &configShape{}, ""))
	assert.ElementsMatch(t, []string{"attemptTimeoutMs", "accountId"}, fields(ps), "a bigint is a wrong type, not a panic")
	assert.Contains(t, ps[0].Message, "bigint")
}

func TestDecodeStructRoundTrip(t *testing.T) {
	in := sessionShape{VisitorID: "v1", SessionID: "s1", PageID: "p1"}
	obj, err := EncodeStruct(in)
	require.NoError(t, err)
	var out sessionShape
	require.NoError(t, DecodeStruct(obj, &out, "session"))
	assert.Equal(t, in, out)
}

// DecodeStruct reads each property once and fills every kind of field a fixed shape has.
func TestDecodeStructFillsEveryKindReadingEachPropertyOnce(t *testing.T) {
	type shape struct {
		Name    string    `js:"name"`
		On      *bool     `js:"on"`
		Off     bool      `js:"off"`
		Limit   *float64  `js:"limit"`
		Unset   *float64  `js:"unset"`
		Retry   *retry    `js:"retry"`
		Nothing *retry    `js:"nothing"`
		Steps   []float64 `js:"steps"`
		Items   []retry   `js:"items"`
	}
	obj := jsEval(t, `(() => {
		const o = {on: true, off: false, limit: 0, nothing: null, retry: {delaysMs: [1, 2.5]}, steps: [], items: [{delaysMs: [3]}, {}]};
		o.reads = 0;
		Object.defineProperty(o, "name", {enumerable: true, get() { o.reads++; return "n"; }});
		return o;
	})()`)
	jsObject.Call("defineProperty", obj, "reads", map[string]any{"enumerable": false, "writable": true, "value": 0})
	var got shape
	require.NoError(t, DecodeStruct(obj, &got, ""))
	assert.Equal(t, 1, obj.Get("reads").Int(), "the getter ran once")
	on, limit := true, 0.0
	assert.Equal(t, shape{
		Name: "n", On: &on, Off: false, Limit: &limit,
		Retry: &retry{DelaysMs: []float64{1, 2.5}}, Steps: []float64{},
		Items: []retry{{DelaysMs: []float64{3}}, {}},
	}, got)
}

type retry struct {
	DelaysMs []float64 `js:"delaysMs"`
}

func TestDecodeStructLeavesDstUnchangedOnError(t *testing.T) {
	cfg := configShape{AccountID: "kept", Domain: "kept.example"}
	ps := problems(t, DecodeStruct(jsEval(t, `{accountId: "new", domain: "new.example", retry: {delaysMs: [1, "2"]}}`), &cfg, ""))
	assert.Equal(t, []string{"retry.delaysMs[1]"}, fields(ps))
	assert.Equal(t, configShape{AccountID: "kept", Domain: "kept.example"}, cfg, "nothing of the bad value was written")

	require.NoError(t, DecodeStruct(js.Null(), &cfg, ""))
	require.NoError(t, DecodeStruct(js.Undefined(), &cfg, ""))
	assert.Equal(t, configShape{AccountID: "kept", Domain: "kept.example"}, cfg, "null and undefined leave it as it was")
}

func TestDecodeStructRefusesAHugeArrayUnread(t *testing.T) {
	ps := problems(t, DecodeStruct(jsEval(t, `{accountId: "a", retry: {delaysMs: new Array(1e9)}}`), &configShape{}, ""))
	require.Len(t, ps, 1)
	assert.Equal(t, "retry.delaysMs", ps[0].Field)
	assert.Equal(t, "must have at most 20000 items, not 1000000000", ps[0].Message)

	var cfg configShape
	require.NoError(t, DecodeStruct(jsEval(t, `{retry: {delaysMs: new Array(20000).fill(1)}}`), &cfg, ""))
	assert.Len(t, cfg.Retry.DelaysMs, 20000, "the limit itself is accepted")
}
