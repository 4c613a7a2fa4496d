package convert

// A small JSON codec for the core's generic value trees, so that a request body or a
// response crosses the Go/JS boundary as one string instead of one call per value (each
// syscall/js call costs microseconds), without linking encoding/json (hundreds of KB of
// wasm). It is strict RFC 8259: what it accepts and produces is checked against
// encoding/json by FuzzDecodeJSON.

import (
	"errors"

	"github.com/appengage/appengage/core"
	"math"
	"reflect"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the one nesting limit of every value reader here (JSON text and JS objects):
// the core's, so that no reader refuses what another accepts.
const MaxDepth = core.MaxDepth

// DecodeJSON parses one JSON text into a generic tree: objects as map[string]any, arrays
// as []any, numbers as float64, and strings, booleans and null as string, bool and nil.
// A duplicate object key keeps its last value, as JSON.parse does.
func DecodeJSON(s string) (any, error) {
	d := jsonDecoder{s: s}
	d.space()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.space()
	if d.i != len(d.s) {
		return nil, d.fail("unexpected data after the JSON value")
	}
	return v, nil
}

type jsonDecoder struct {
	s string
	i int
}

func (d *jsonDecoder) fail(msg string) error {
	return errors.New("invalid JSON at offset " + strconv.Itoa(d.i) + ": " + msg)
}

func (d *jsonDecoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *jsonDecoder) value(depth int) (any, error) {
	if d.i >= len(d.s) {
		return nil, d.fail("unexpected end")
	}
	switch c := d.s[d.i]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.word("true")
	case c == 'f':
		return false, d.word("false")
	case c == 'n':
		return nil, d.word("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	}
	return nil, d.fail("unexpected character")
}

func (d *jsonDecoder) word(w string) error {
	if len(d.s)-d.i < len(w) || d.s[d.i:d.i+len(w)] != w {
		return d.fail("expected " + w)
	}
	d.i += len(w)
	return nil
}

// DepthError is DecodeJSON's error for a text nested deeper than MaxDepth; Path names the
// value that is too deep (e.g. "a.b[0].c"), so that the caller can report the field.
type DepthError struct {
	segments []string // innermost first: "c", "[0]", "b", "a"
}

// Path returns the field path of the value nested too deeply ("" for the top level).
func (e *DepthError) Path() string {
	var b []byte
	for i := len(e.segments) - 1; i >= 0; i-- {
		s := e.segments[i]
		if len(b) > 0 && (s == "" || s[0] != '[') {
			b = append(b, '.')
		}
		b = append(b, s...)
	}
	return string(b)
}

// Error names the path and the limit.
func (e *DepthError) Error() string {
	if p := e.Path(); p != "" {
		return p + " " + core.TooDeepMessage
	}
	return "the value " + core.TooDeepMessage
}

// within adds the key or index of the enclosing value to a DepthError on its way out.
func within(err error, segment string) error {
	if de, ok := err.(*DepthError); ok {
		de.segments = append(de.segments, segment)
	}
	return err
}

func (d *jsonDecoder) object(depth int) (any, error) {
	if depth >= MaxDepth {
		return nil, &DepthError{}
	}
	d.i++ // {
	m := map[string]any{}
	d.space()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return m, nil
	}
	for {
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return nil, d.fail("expected a string key")
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return nil, d.fail("expected ':'")
		}
		d.i++
		d.space()
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, within(err, k)
		}
		m[k] = v
		d.space()
		if d.i >= len(d.s) {
			return nil, d.fail("unexpected end in object")
		}
		switch d.s[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return m, nil
		default:
			return nil, d.fail("expected ',' or '}'")
		}
	}
}

func (d *jsonDecoder) array(depth int) (any, error) {
	if depth >= MaxDepth {
		return nil, &DepthError{}
	}
	d.i++ // [
	a := []any{}
	d.space()
	if d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		return a, nil
	}
	for {
		d.space()
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, within(err, "["+strconv.Itoa(len(a))+"]")
		}
		a = append(a, v)
		d.space()
		if d.i >= len(d.s) {
			return nil, d.fail("unexpected end in array")
		}
		switch d.s[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return a, nil
		default:
			return nil, d.fail("expected ',' or ']'")
		}
	}
}

func (d *jsonDecoder) number() (any, error) {
	start := d.i
	if d.s[d.i] == '-' {
		d.i++
	}
	digits := func() int {
		n := 0
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.i < len(d.s) && d.s[d.i] == '0' {
		d.i++
	} else if digits() == 0 {
		return nil, d.fail("expected a digit")
	}
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return nil, d.fail("expected a digit after '.'")
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return nil, d.fail("expected a digit in the exponent")
		}
	}
	f, err := strconv.ParseFloat(d.s[start:d.i], 64)
	if err != nil { // out of range: JSON.parse would give ±Infinity, which no tree may hold
		return nil, d.fail("number out of range")
	}
	return f, nil
}

func (d *jsonDecoder) str() (string, error) {
	d.i++ // "
	start := d.i
	// Fast path: no escapes, valid UTF-8.
	for d.i < len(d.s) {
		c := d.s[d.i]
		if c == '"' {
			s := d.s[start:d.i]
			d.i++
			if !utf8.ValidString(s) {
				return "", d.fail("invalid UTF-8 in string")
			}
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		d.i++
	}
	b := []byte(d.s[start:d.i])
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			if !utf8.Valid(b) {
				return "", d.fail("invalid UTF-8 in string")
			}
			return string(b), nil
		case c < 0x20:
			return "", d.fail("control character in string")
		case c != '\\':
			b = append(b, c)
			d.i++
			continue
		}
		d.i++ // backslash
		if d.i >= len(d.s) {
			break
		}
		e := d.s[d.i]
		d.i++
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", d.fail("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if d.i+1 < len(d.s) && d.s[d.i] == '\\' && d.s[d.i+1] == 'u' {
					save := d.i
					d.i += 2
					var ok2 bool
					if r2, ok2 = d.hex4(); !ok2 {
						return "", d.fail("bad \\u escape")
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
					} else {
						d.i = save // a lone surrogate followed by another escape
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", d.fail("bad escape")
		}
	}
	return "", d.fail("unterminated string")
}

func (d *jsonDecoder) hex4() (rune, bool) {
	if len(d.s)-d.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(d.s[d.i : d.i+4]) {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	d.i += 4
	return r, true
}

// EncodeJSON renders a generic tree (map[string]any with keys sorted, []any, string,
// float64 and the other Go numbers, bool, nil, and []string / map[string]string / named
// maps and slices as produced by the core) as JSON text.
func EncodeJSON(v any) (string, error) {
	b, err := appendJSON(make([]byte, 0, 256), v, 0)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

var errJSONDepth = errors.New("value nested too deeply for JSON")

func appendJSON(b []byte, v any, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return nil, errJSONDepth
	}
	switch t := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, t), nil
	case bool:
		return strconv.AppendBool(b, t), nil
	case float64:
		return appendJSONNumber(b, t)
	case int:
		return strconv.AppendInt(b, int64(t), 10), nil
	case int64:
		return strconv.AppendInt(b, t, 10), nil
	case map[string]any:
		return appendJSONObject(b, t, depth)
	case []any:
		b = append(b, '[')
		for i, e := range t {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []string:
		b = append(b, '[')
		for i, e := range t {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, e)
		}
		return append(b, ']'), nil
	}
	return appendJSONOther(b, v, depth)
}

func appendJSONObject(b []byte, m map[string]any, depth int) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendJSON(b, m[k], depth+1); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func appendJSONNumber(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, errors.New("NaN and Infinity have no JSON form")
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.AppendFloat(b, f, 'f', -1, 64), nil
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64), nil
}

const hexDigits = "0123456789abcdef"

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 { // invalid UTF-8 becomes U+FFFD, as in JS
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' { // valid JSON, but escaped for old JS parsers
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONOther handles named types of the plain kinds (core.Attribute, core.Status...)
// through reflection; anything else (channels, functions, structs) is an error.
func appendJSONOther(b []byte, v any, depth int) ([]byte, error) {
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.String:
		return appendJSONString(b, r.String()), nil
	case reflect.Bool:
		return strconv.AppendBool(b, r.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, r.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.AppendUint(b, r.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		return appendJSONNumber(b, r.Float())
	case reflect.Pointer, reflect.Interface:
		if r.IsNil() {
			return append(b, "null"...), nil
		}
		return appendJSON(b, r.Elem().Interface(), depth)
	case reflect.Slice, reflect.Array:
		if r.Kind() == reflect.Slice && r.IsNil() {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i := 0; i < r.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, r.Index(i).Interface(), depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case reflect.Map:
		if r.Type().Key().Kind() != reflect.String {
			break
		}
		if r.IsNil() {
			return append(b, "null"...), nil
		}
		m := make(map[string]any, r.Len())
		for it := r.MapRange(); it.Next(); {
			m[it.Key().String()] = it.Value().Interface()
		}
		return appendJSONObject(b, m, depth)
	}
	return nil, errors.New("cannot encode a Go " + r.Kind().String() + " as JSON")
}
