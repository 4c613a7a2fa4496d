package core

import (
	"math"
	"strconv"
)

// This file reads the generic value trees that adapters hand to core: what a JSON decoder or
// a JS value conversion produces (map[string]any, []any, string, float64, bool, nil), plus
// the values Go callers tend to build by hand (Attribute, []string, int, int64, ...), and
// json.Number-like values, which core sees only through their methods so that it does not
// depend on encoding/json.

// maxSafeInteger is 2^53, the largest magnitude a float64 (and a JS number) holds exactly.
const maxSafeInteger = 1 << 53

// numberLike is a number kept as its decimal text, such as encoding/json's Number.
type numberLike interface {
	Float64() (float64, error)
	Int64() (int64, error)
	String() string
}

// treeNumber is a numeric tree value: an exact integer when isInt, else a float.
type treeNumber struct {
	f     float64
	i     int64
	isInt bool
	text  string // the decimal text of a numberLike value, "" otherwise
}

// asNumber reports whether x is a number and returns it.
func asNumber(x any) (treeNumber, bool) {
	switch t := x.(type) {
	case float64:
		return treeNumber{f: t}, true
	case int:
		return intNumber(int64(t)), true
	case int64:
		return intNumber(t), true
	case float32:
		return treeNumber{f: float64(t)}, true
	case int32:
		return intNumber(int64(t)), true
	case int16:
		return intNumber(int64(t)), true
	case int8:
		return intNumber(int64(t)), true
	case uint:
		return uintNumber(uint64(t)), true
	case uint64:
		return uintNumber(t), true
	case uint32:
		return intNumber(int64(t)), true
	case uint16:
		return intNumber(int64(t)), true
	case uint8:
		return intNumber(int64(t)), true
	case numberLike:
		if i, err := t.Int64(); err == nil {
			n := intNumber(i)
			n.text = t.String()
			return n, true
		}
		f, err := t.Float64()
		if err != nil && !math.IsInf(f, 0) {
			return treeNumber{f: math.NaN(), text: t.String()}, true
		}
		return treeNumber{f: f, text: t.String()}, true
	}
	return treeNumber{}, false
}

func intNumber(i int64) treeNumber { return treeNumber{f: float64(i), i: i, isInt: true} }

func uintNumber(u uint64) treeNumber {
	if u > math.MaxInt64 {
		return treeNumber{f: float64(u)}
	}
	return intNumber(int64(u))
}

// finite reports whether n is neither NaN nor infinite.
func (n treeNumber) finite() bool { return n.isInt || !(math.IsNaN(n.f) || math.IsInf(n.f, 0)) }

// whole reports whether n is an integer within ±2^53 and returns it.
func (n treeNumber) whole() (int64, bool) {
	if n.isInt {
		return n.i, -maxSafeInteger <= n.i && n.i <= maxSafeInteger
	}
	if !n.finite() || n.f != math.Trunc(n.f) || n.f < -maxSafeInteger || n.f > maxSafeInteger {
		return 0, false
	}
	return int64(n.f), true
}

// isWhole reports whether n has no fractional part, whatever its size.
func (n treeNumber) isWhole() bool {
	return n.isInt || (n.finite() && n.f == math.Trunc(n.f))
}

// String renders n for an error message: integers in full, other numbers in the shortest
// form that reads back the same, whatever form the caller sent them in.
func (n treeNumber) String() string {
	if n.isInt {
		return strconv.FormatInt(n.i, 10)
	}
	return strconv.FormatFloat(n.f, 'g', -1, 64)
}

// float returns n as a float64, the one number type of a canonical tree.
func (n treeNumber) float() float64 {
	if n.isInt {
		return float64(n.i)
	}
	return n.f
}

// decimalID renders a whole number as decimal digits, exactly and without an exponent:
// 3346848610 stays "3346848610", never 3.34684861e+09. Numbers with a fraction are refused.
func (n treeNumber) decimalID() (string, bool) {
	if n.isInt {
		return strconv.FormatInt(n.i, 10), true
	}
	if n.text != "" && isSignedDigits(n.text) {
		return n.text, true // an integer too large for int64, kept exactly as sent
	}
	if !n.isWhole() || math.Abs(n.f) >= 1e21 {
		return "", false
	}
	return strconv.FormatFloat(n.f, 'f', -1, 64), true
}

func isSignedDigits(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	return isDigits(s)
}

// asMap returns x as a JSON object.
func asMap(x any) (map[string]any, bool) {
	switch t := x.(type) {
	case map[string]any:
		return t, true
	case Attribute:
		return t, true
	}
	return nil, false
}

// treeArray is a read-only view of the slice types a tree may hold for a JSON array.
type treeArray struct {
	anys  []any
	strs  []string
	maps  []map[string]any
	attrs []Attribute
	kind  uint8 // 1 anys, 2 strs, 3 maps, 4 attrs
}

// asArray returns x as a JSON array.
func asArray(x any) (treeArray, bool) {
	switch t := x.(type) {
	case []any:
		return treeArray{anys: t, kind: 1}, true
	case []string:
		return treeArray{strs: t, kind: 2}, true
	case []map[string]any:
		return treeArray{maps: t, kind: 3}, true
	case []Attribute:
		return treeArray{attrs: t, kind: 4}, true
	}
	return treeArray{}, false
}

func (a treeArray) len() int {
	switch a.kind {
	case 1:
		return len(a.anys)
	case 2:
		return len(a.strs)
	case 3:
		return len(a.maps)
	case 4:
		return len(a.attrs)
	}
	return 0
}

func (a treeArray) at(i int) any {
	switch a.kind {
	case 1:
		return a.anys[i]
	case 2:
		return a.strs[i]
	case 3:
		return a.maps[i]
	case 4:
		return a.attrs[i]
	}
	return nil
}

// typeName names the JSON type of x for messages such as "must be a string, got number".
func typeName(x any) string {
	switch x.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	}
	if _, ok := asNumber(x); ok {
		return "number"
	}
	if _, ok := asMap(x); ok {
		return "object"
	}
	if _, ok := asArray(x); ok {
		return "array"
	}
	return "unsupported value"
}

// canonicalDepth returns a deep copy of x, found depth levels below the top of its tree, made
// only of map[string]any, []any, string, float64, bool and nil: the types every adapter
// (JSON encoder, JS value conversion) understands. The caller's maps and slices are never
// shared with the copy. x must have passed validation, which bounds its depth by MaxDepth;
// for a tree that did not (a typed request sent without Validate) the copy stops there, so a
// cyclic map cannot overflow the stack.
func canonicalDepth(x any, depth int) any {
	if depth > MaxDepth { // unreachable for validated trees
		return nil
	}
	switch t := x.(type) {
	case nil, string, bool, float64:
		return t
	case map[string]any:
		return canonicalMap(t, depth)
	case Attribute:
		return canonicalMap(t, depth)
	}
	if n, ok := asNumber(x); ok {
		return n.float()
	}
	if a, ok := asArray(x); ok {
		out := make([]any, a.len())
		for i := range out {
			out[i] = canonicalDepth(a.at(i), depth+1)
		}
		return out
	}
	return nil
}

func canonicalMap(m map[string]any, depth int) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = canonicalDepth(v, depth+1)
	}
	return out
}

// unknownMembers returns canonical copies of the members of m that s does not know: what
// a validator that is not strict passed through, carried in the Extra field of the typed
// request. It is nil when there are none.
func unknownMembers(m map[string]any, s *schema, depth int) map[string]any {
	var out map[string]any
	for k, x := range m {
		if s.lookup(k) != nil {
			continue
		}
		if out == nil {
			out = make(map[string]any)
		}
		out[k] = canonicalDepth(x, depth+1)
	}
	return out
}

// attributeTrees renders attributes as a JSON array of canonical objects.
func attributeTrees(list []Attribute) []any {
	out := make([]any, len(list))
	for i, a := range list {
		if a == nil {
			continue
		}
		out[i] = canonicalMap(a, 0)
	}
	return out
}
