package core

import (
	"sort"
	"strconv"
	"strings"
)

// This file holds the small declarative schema language the request and SDE rules are
// written in, and the validator that checks a generic tree against it: the one validation
// path of core. ParseRequest and ParseUpdateRequest run it on the caller's tree; the typed
// Validate methods build the wire tree of their request and run it on that. A schema lists
// the fields of one JSON object, sorted by name, each with a kind (string, number, integer,
// bool, enum, date, object, array, ...), whether it is required and its nested schema.
// The validator walks a tree once, in document order (map keys sorted), and records every
// broken rule with its field path. Messages name the field and the rule and never echo a
// value of the tree: SDE values are personal data (names, emails, ages) and error messages
// end up in logs, JS errors and HTTP bodies.

// kind is the type of value a field holds.
type kind uint8

const (
	kindString      kind = iota + 1 // any string
	kindNumber                      // a finite number (a "double" in LivePerson's tables)
	kindInteger                     // a whole number within ±2^53, optionally in [min, max]
	kindBool                        // true or false
	kindEnum                        // one string of enum, case-sensitive
	kindDate                        // a Date object {day, month, year}
	kindObject                      // an object described by object
	kindArray                       // an array whose elements are elem
	kindLanguage                    // a language tag ll-CC or ll_CC
	kindID                          // a non-negative integer id, as a number or a digit string
	kindAny                         // any JSON value, forwarded as given
	kindType                        // the "type" discriminator of an SDE, checked before the rest
	kindIP                          // an IPv4 or IPv6 literal without a zone
	kindVisitID                     // a vid or sid: a WellFormedID string, or a whole number
	kindText                        // a string, or a whole number (pageId)
	kindSDEs                        // an array of engagement attributes (SDEs)
	kindImpressions                 // an array of impression events
)

// MaxDepth is the deepest nesting of objects and arrays that any reader of appengage accepts
// in a JSON or JS value (a request, a response, a stored record): the top-level object is
// level 1, each object or array inside it one level more, so {"a": [{}]} has 3 levels. core's validator refuses deeper trees with
// "is nested too deeply" at the field where the limit is crossed, and the adapters (the JS
// value and JSON readers, the gateway, the simulator) use the same limit, so a request is
// refused in the same place whichever way it arrives. A cyclic map built in Go ends there
// too instead of overflowing the stack. LivePerson's documented objects nest at most 6
// levels; the rest is room for pass-through values such as impExpanded.actionableItems.
const MaxDepth = 64

// field describes one member of a JSON object.
type field struct {
	name     string
	kind     kind
	required bool
	// For kindInteger: bounded restricts the value to [min, max]; digits also accepts the
	// value as a string of decimal digits (mrktInfo.channel, sent as "1" in the docs).
	bounded  bool
	min, max int64
	digits   bool
	enum     []string // kindEnum: the allowed values, in the order messages list them
	object   *schema  // kindObject: the nested object's schema
	elem     *field   // kindArray: the element's description (its name is unused)
}

// schema describes a JSON object: its fields sorted by name (byte order; TestSchemasSorted
// checks every schema). Members it does not know are passed through when they are plain JSON
// values and not near-misses of a known name; a strict validator refuses them all (see
// Validation). Schemas and their fields are written as plain composite literals, nested
// schemas by the address of a schema variable, so that the compiler lays them out as static
// data instead of building them when the program starts, whatever the inliner does (a call
// to a field constructor is static only when inlined, and a pointer variable's value is
// copied at start-up).
type schema struct {
	fields []field
	// alternates lists pairs of names for the same datum (mrktInfo's campaignId and the
	// spelling campaignID of the docs' table); both are accepted, not both at once.
	alternates [][2]string
	// unknownHint, when set, is added to a strict validator's "unknown field" messages for
	// names that are fields of hintFrom (ctmrinfo fields given flat next to type instead of
	// under info).
	unknownHint string
	hintFrom    *schema
}

func (s *schema) lookup(name string) *field {
	i := sort.Search(len(s.fields), func(i int) bool { return s.fields[i].name >= name })
	if i < len(s.fields) && s.fields[i].name == name {
		return &s.fields[i]
	}
	return nil
}

// withRequired returns a copy of s in which the named fields are required: the wire form of
// a request whose SDK form leaves them for the client to fill (appType, pageId).
func withRequired(s *schema, names ...string) *schema {
	c := *s
	c.fields = append([]field(nil), s.fields...)
	for _, name := range names {
		for i := range c.fields {
			if c.fields[i].name == name {
				c.fields[i].required = true
			}
		}
	}
	return &c
}

// dateSchema is LivePerson's Date object; day and month are range-checked, not checked
// against the calendar.
var dateSchema = &schema{fields: []field{
	{name: "day", kind: kindInteger, bounded: true, min: 1, max: 31},
	{name: "month", kind: kindInteger, bounded: true, min: 1, max: 12},
	{name: "year", kind: kindInteger, bounded: true, min: 1, max: 9999},
}}

// validator walks trees and collects problems. path is the field path of the value being
// checked, built in place so that a valid tree costs no allocations for paths; depth is the
// nesting level of the value being checked (the top-level object is 1).
type validator struct {
	path     []byte
	problems []Problem
	buf      [96]byte
	strict   bool
	depth    int
}

func (v *validator) init(prefix string, strict bool) {
	v.path = append(v.buf[:0], prefix...)
	v.strict = strict
}

// problem records msg for the current path.
func (v *validator) problem(msg string) {
	v.problems = append(v.problems, Problem{Field: string(v.path), Message: msg})
}

// pushKey appends .key to the path and returns the length to restore.
func (v *validator) pushKey(key string) int {
	n := len(v.path)
	if n > 0 {
		v.path = append(v.path, '.')
	}
	if plainKey(key) {
		v.path = append(v.path, key...)
	} else {
		if n > 0 {
			v.path = v.path[:n] // a quoted key is written as ["key"], without the dot
		}
		if len(key) > 64 {
			key = key[:64] + "..."
		}
		v.path = append(v.path, '[')
		v.path = strconv.AppendQuote(v.path, key)
		v.path = append(v.path, ']')
	}
	return n
}

// pushIndex appends [i] to the path and returns the length to restore.
func (v *validator) pushIndex(i int) int {
	n := len(v.path)
	v.path = append(v.path, '[')
	v.path = strconv.AppendInt(v.path, int64(i), 10)
	v.path = append(v.path, ']')
	return n
}

func (v *validator) pop(n int) { v.path = v.path[:n] }

// enter descends into an object or array at the current path. It reports false, with a
// problem, when that would go deeper than MaxDepth; the caller then skips the value.
func (v *validator) enter() bool {
	if v.depth >= MaxDepth {
		v.problem(TooDeepMessage)
		return false
	}
	v.depth++
	return true
}

// leave ends what enter began.
func (v *validator) leave() { v.depth-- }

// plainKey reports whether key can be written in a path after a dot.
func plainKey(key string) bool {
	if key == "" || len(key) > 64 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; !isAlnum(c) && c != '_' && c != '$' && c != '-' {
			return false
		}
	}
	return true
}

// typeProblem records that the value at the path is not what the field wants, naming the
// JSON type that was given (never the value).
func (v *validator) typeProblem(want string, x any) {
	v.problem("must be " + want + ", got " + typeName(x))
}

// object checks m against s: every known member by its kind, every missing required
// member, every unknown member, in key order.
func (v *validator) object(m map[string]any, s *schema) {
	if !v.enter() {
		return
	}
	defer v.leave()
	// Fast path: walk the schema's fields in order. If the map turns out to have members
	// the schema does not know, start over on the slow path, which interleaves them.
	start, known := len(v.problems), 0
	for i := range s.fields {
		f := &s.fields[i]
		x, ok := m[f.name]
		if ok {
			known++
		}
		v.member(f, x, ok)
		v.alternates(m, s, f.name)
	}
	if known != len(m) {
		v.problems = v.problems[:start]
		v.objectWithUnknown(m, s)
	}
}

// alternates records a problem at name when name is the first (in key order) of a pair of
// alternate spellings and both are given.
func (v *validator) alternates(m map[string]any, s *schema, name string) {
	for _, pair := range s.alternates {
		first, second := pair[0], pair[1]
		if second < first {
			first, second = second, first
		}
		if name != first {
			continue
		}
		if a, b := m[first], m[second]; a != nil && b != nil {
			n := v.pushKey(first)
			v.problem("give " + first + " or " + second + ", not both")
			v.pop(n)
		}
	}
}

// objectWithUnknown is the slow path of object for a map with unknown members: it merges
// the schema's names and the map's keys in sorted order.
func (v *validator) objectWithUnknown(m map[string]any, s *schema) {
	names := make([]string, 0, len(m)+len(s.fields))
	for k := range m {
		names = append(names, k)
	}
	for i := range s.fields {
		if _, ok := m[s.fields[i].name]; !ok {
			names = append(names, s.fields[i].name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		x, ok := m[name]
		if f := s.lookup(name); f != nil {
			v.member(f, x, ok)
			v.alternates(m, s, name)
			continue
		}
		n := v.pushKey(name)
		v.unknown(name, x, s)
		v.pop(n)
	}
}

// unknown checks a member that s does not know, at the current path. A near-miss of a known
// name is refused in every mode, because LivePerson would drop it and the datum would be
// lost; any other name is refused by a strict validator and otherwise passed through as long
// as its value is a plain JSON value.
//
// A documented field of the payload given flat next to an SDE's type (ctmrinfo's customerId
// beside type instead of under info) is not a near-miss, whatever it resembles: it is
// passed through, as the docs' own table of ctmrinfo lists it flat, and refused with a hint
// to move it by a strict validator.
func (v *validator) unknown(name string, x any, s *schema) {
	flat := s.hintFrom != nil && s.hintFrom.lookup(name) != nil
	if !flat {
		if near := nearMiss(name, s); near != "" {
			v.problem("unknown field; did you mean " + near + "?")
			return
		}
	}
	switch {
	case v.strict && flat:
		v.problem("unknown field; " + s.unknownHint)
	case v.strict:
		v.problem("unknown field")
	default:
		v.jsonValue(x)
	}
}

// member checks one member of an object; null counts as absent.
func (v *validator) member(f *field, x any, present bool) {
	if f.kind == kindType {
		return // checked by the caller before the schema was chosen
	}
	if !present || (x == nil && f.kind != kindAny) {
		if f.required {
			v.check(true, f.name, msgRequired)
		}
		return
	}
	n := v.pushKey(f.name)
	v.value(f, x)
	v.pop(n)
}

// value checks x against f at the current path, by f's kind.
func (v *validator) value(f *field, x any) {
	switch f.kind {
	case kindString:
		v.str(x)
	case kindNumber:
		v.number(x)
	case kindInteger:
		v.integer(f, x)
	case kindBool:
		v.boolean(x)
	case kindEnum:
		v.enum(f.enum, x)
	case kindDate:
		v.nested(dateSchema, "a date object {day, month, year}", x)
	case kindObject:
		v.nested(f.object, "an object", x)
	case kindArray:
		v.array(f.elem, x)
	case kindLanguage:
		v.language(x)
	case kindID:
		v.id(x)
	case kindAny:
		v.jsonValue(x)
	case kindIP:
		v.ip(x)
	case kindVisitID:
		v.visitID(x)
	case kindText:
		v.text(x)
	case kindSDEs:
		v.attributes(x, (*validator).sde)
	case kindImpressions:
		v.attributes(x, (*validator).impression)
	}
}

// Messages shared by several checks.
const (
	msgIP       = "must be an IPv4 or IPv6 address"
	msgVisitID  = "must be 1 to 128 characters of A-Z, a-z, 0-9 and _ . : -, not only dots"
	msgRequired = "is required"
)

// TooDeepMessage is the problem message, on the field where MaxDepth is crossed, of every
// reader of appengage (the core's checks and the adapters' JSON and JS value readers).
const TooDeepMessage = "is nested too deeply (more than 64 levels of objects and arrays)"

// enumMessage is the message for a string outside values.
func enumMessage(values []string) string {
	return "must be one of " + strings.Join(values, ", ")
}

// err returns the collected problems as a validation *Error, or nil when there are none.
func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &Error{Code: CodeValidation, Problems: v.problems}
}

// check records msg at path key (below the current path) when bad is true.
func (v *validator) check(bad bool, key, msg string) {
	if bad {
		n := v.pushKey(key)
		v.problem(msg)
		v.pop(n)
	}
}

// The checks of the kinds, one method each.

// str checks a string.
func (v *validator) str(x any) {
	if _, ok := x.(string); !ok {
		v.typeProblem("a string", x)
	}
}

// number checks a finite number (a "double" in LivePerson's tables).
func (v *validator) number(x any) {
	n, ok := asNumber(x)
	if !ok {
		v.typeProblem("a number", x)
	} else if !n.finite() {
		v.problem("must be a finite number")
	}
}

// boolean checks true or false.
func (v *validator) boolean(x any) {
	if _, ok := x.(bool); !ok {
		v.typeProblem("true or false", x)
	}
}

// enum checks one string of values, case-sensitive.
func (v *validator) enum(values []string, x any) {
	s, ok := x.(string)
	if !ok {
		v.typeProblem("a string", x)
	} else if !oneOf(s, values) {
		v.problem(enumMessage(values))
	}
}

// nested checks an object against s; want names the expected form for a message.
func (v *validator) nested(s *schema, want string, x any) {
	if m, ok := asMap(x); ok {
		v.object(m, s)
	} else {
		v.typeProblem(want, x)
	}
}

// array checks an array whose elements are described by elem.
func (v *validator) array(elem *field, x any) {
	a, ok := asArray(x)
	if !ok {
		v.typeProblem("an array", x)
		return
	}
	if !v.enter() {
		return
	}
	for i, l := 0, a.len(); i < l; i++ {
		n := v.pushIndex(i)
		v.value(elem, a.at(i))
		v.pop(n)
	}
	v.leave()
}

// language checks a language tag ll-CC or ll_CC.
func (v *validator) language(x any) {
	s, ok := x.(string)
	if !ok {
		v.typeProblem("a string", x)
	} else if !validLanguage(s) {
		v.problem("must be a language tag like en-US or fr_CA (ISO 639-1 lowercase, - or _, ISO 3166-1 uppercase)")
	}
}

// id checks a non-negative whole number given as a number or a string of digits (the
// Create Session response gives campaign and engagement ids as strings).
func (v *validator) id(x any) {
	if s, ok := x.(string); ok {
		if !isDigits(s) || len(s) > 19 {
			v.problem("must be a whole number or a string of digits")
		}
		return
	}
	n, ok := asNumber(x)
	if !ok {
		v.typeProblem("a number", x)
		return
	}
	if i, ok := n.whole(); !ok || i < 0 {
		v.problem("must be a non-negative whole number")
	}
}

// ip checks an IPv4 or IPv6 literal without a zone.
func (v *validator) ip(x any) {
	if s, ok := x.(string); !ok {
		v.typeProblem("a string", x)
	} else if !validIP(s) {
		v.problem(msgIP)
	}
}

// visitID checks a vid or sid: a WellFormedID string ("" is absent: the first call has no
// ids), or a whole number, which becomes its decimal string.
func (v *validator) visitID(x any) {
	if s, ok := x.(string); ok {
		if s != "" && !WellFormedID(s) {
			v.problem(msgVisitID)
		}
	} else if n, ok := asNumber(x); !ok {
		v.typeProblem("a string", x)
	} else if s, ok := n.decimalID(); !ok || !WellFormedID(s) {
		v.problem(msgVisitID)
	}
}

// text checks a string or a whole number (pageId).
func (v *validator) text(x any) {
	if _, ok := x.(string); ok {
		return
	}
	if n, ok := asNumber(x); !ok {
		v.typeProblem("a string", x)
	} else if _, ok := n.decimalID(); !ok {
		v.problem("must be a string or a whole number")
	}
}

// integer checks a whole number within ±2^53 and, if bounded, within [min, max].
func (v *validator) integer(f *field, x any) {
	var i int64
	if s, ok := x.(string); ok && f.digits {
		if !isDigits(s) || len(s) > 15 {
			v.problem("must be an integer" + rangeText(f) + " (a number or a string of digits)")
			return
		}
		i, _ = strconv.ParseInt(s, 10, 64)
	} else {
		n, ok := asNumber(x)
		if !ok {
			v.typeProblem("an integer", x)
			return
		}
		if !n.isWhole() {
			v.problem("must be an integer")
			return
		}
		if i, ok = n.whole(); !ok {
			v.problem("must be an integer within ±2^53")
			return
		}
	}
	if f.bounded && (i < f.min || i > f.max) {
		v.problem("must be an integer" + rangeText(f))
	}
}

func rangeText(f *field) string {
	switch {
	case !f.bounded:
		return ""
	case f.max == maxSafeInteger:
		return " of at least " + strconv.FormatInt(f.min, 10)
	}
	return " from " + strconv.FormatInt(f.min, 10) + " to " + strconv.FormatInt(f.max, 10)
}

// jsonValue checks that x is a plain JSON value: finite numbers, string keys, supported Go
// types, at most MaxDepth levels deep. Its content is not otherwise checked: it is forwarded
// as given.
func (v *validator) jsonValue(x any) {
	switch x.(type) {
	case nil, string, bool:
		return
	}
	if n, ok := asNumber(x); ok {
		if !n.finite() {
			v.problem("must be a finite number")
		}
		return
	}
	if m, ok := asMap(x); ok {
		if !v.enter() {
			return
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n := v.pushKey(k)
			v.jsonValue(m[k])
			v.pop(n)
		}
		v.leave()
		return
	}
	if a, ok := asArray(x); ok {
		if !v.enter() {
			return
		}
		for i, l := 0, a.len(); i < l; i++ {
			n := v.pushIndex(i)
			v.jsonValue(a.at(i))
			v.pop(n)
		}
		v.leave()
		return
	}
	v.problem("must be a JSON value, got " + typeName(x))
}

// nearMiss returns the known field name of s that name probably means, or "": one that
// differs only in case, or, ignoring case, starts with the same letter and differs by at most
// one edit (insertion, deletion, substitution or swap of neighbours) for names of 3 to 7
// characters and two for longer names. Names of one or two characters match only by case:
// one edit would make any short name a near-miss of another. The first letter must match
// because typing slips rarely hit it, while another word does: Version (which the seed
// mentions for appDetails) is two edits from osVersion but is not a slip of it.
func nearMiss(name string, s *schema) string {
	best, bestDist := "", 3
	for i := range s.fields {
		known := s.fields[i].name
		if strings.EqualFold(name, known) {
			return known
		}
		limit := nearMissEdits(len(known))
		if limit == 0 || name == "" || abs(len(name)-len(known)) > limit || lower(name[0]) != lower(known[0]) {
			continue
		}
		if d := editDistance(strings.ToLower(name), strings.ToLower(known), limit); d <= limit && d < bestDist {
			best, bestDist = known, d
		}
	}
	return best
}

// nearMissEdits is how many edits make a name of length n a near-miss.
func nearMissEdits(n int) int {
	switch {
	case n <= 2:
		return 0
	case n <= 7:
		return 1
	}
	return 2
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// editDistance is the optimal string alignment distance between a and b (insertions,
// deletions, substitutions and swaps of neighbouring bytes), or limit+1 when it exceeds
// limit. Names are short (a near-miss is at most two edits from a known name of at most 20
// characters), so the quadratic table is small.
func editDistance(a, b string, limit int) int {
	if len(a) > 64 || len(b) > 64 {
		return limit + 1
	}
	var rows [3][65]int
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			rowMin = min(rowMin, d)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func oneOf(s string, values []string) bool {
	for _, e := range values {
		if s == e {
			return true
		}
	}
	return false
}

// validLanguage reports whether s is ll-CC or ll_CC: two lowercase letters, - or _, two
// uppercase letters.
func validLanguage(s string) bool {
	return len(s) == 5 &&
		'a' <= s[0] && s[0] <= 'z' && 'a' <= s[1] && s[1] <= 'z' &&
		(s[2] == '-' || s[2] == '_') &&
		'A' <= s[3] && s[3] <= 'Z' && 'A' <= s[4] && s[4] <= 'Z'
}

// validIP reports whether s is an IPv4 or IPv6 literal without a zone.
func validIP(s string) bool {
	a, ok := parseIP(s)
	return ok && a.zone == ""
}
