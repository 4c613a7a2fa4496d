package core

import (
	"sort"
	"strconv"
	"strings"
)

// This file holds the small declarative schema language the request and SDE rules are
// written in, and the validator that checks a generic tree against it. A schema lists the
// fields of one JSON object, sorted by name, each with a kind (string, number, integer,
// bool, enum, date, object, array, ...), whether it is required and its nested schema.
// The validator walks a tree once, in document order (map keys sorted), and records every
// broken rule with its field path. It never echoes a string value of the tree, because SDE
// strings are personal data (emails, phone numbers) and error messages end up in logs.

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
	// requiredUnless names a sibling whose absence makes this field required (Age.year,
	// needed to derive the age when age itself is not given).
	requiredUnless string
	enum           []string // kindEnum: the allowed values, in the order messages list them
	object         *schema  // kindObject: the nested object's schema
	elem           *field   // kindArray: the element's description (its name is unused)
}

// schema describes a JSON object: its fields sorted by name (byte order; TestSchemasSorted
// checks every schema). Unknown members are refused. Schemas are written as literals so that
// the compiler lays them out as static data instead of building them when the program starts.
type schema struct {
	fields []field
	// alternates lists pairs of names for the same datum (mrktInfo's campaignId and the
	// spelling campaignID of the docs' table); both are accepted, not both at once.
	alternates [][2]string
	// unknownHint, when set, is added to "unknown field" messages for names that are fields
	// of hintFrom (ctmrinfo fields given flat next to type instead of under info).
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

// Field constructors, so that schemas read as declarations.

func strField(name string) field { return field{name: name, kind: kindString} }
func numField(name string) field { return field{name: name, kind: kindNumber} }
func intField(name string) field {
	return field{name: name, kind: kindInteger}
}
func rangeField(name string, lo, hi int64) field {
	return field{name: name, kind: kindInteger, bounded: true, min: lo, max: hi}
}
func countField(name string) field { return rangeField(name, 0, maxSafeInteger) }
func boolField(name string) field {
	return field{name: name, kind: kindBool}
}
func enumField(name string, values ...string) field {
	return field{name: name, kind: kindEnum, enum: values}
}
func dateField(name string) field { return field{name: name, kind: kindDate} }
func objectField(name string, s *schema) field {
	return field{name: name, kind: kindObject, object: s}
}
func arrayField(name string, elem field) field {
	return field{name: name, kind: kindArray, elem: &elem}
}
func languageField(name string) field { return field{name: name, kind: kindLanguage} }
func idField(name string) field       { return field{name: name, kind: kindID} }
func anyField(name string) field      { return field{name: name, kind: kindAny} }
func ipField(name string) field       { return field{name: name, kind: kindIP} }
func visitIDField(name string) field  { return field{name: name, kind: kindVisitID} }
func textField(name string) field     { return field{name: name, kind: kindText} }
func sdesField(name string) field     { return field{name: name, kind: kindSDEs} }
func impressionsField(name string) field {
	return field{name: name, kind: kindImpressions}
}

// requiredUnless marks f as required when the sibling other is absent.
func requiredUnless(f field, other string) field { f.requiredUnless = other; return f }

// required marks f as required.
func required(f field) field { f.required = true; return f }

// withDigits lets an integer field also be given as a string of decimal digits.
func withDigits(f field) field { f.digits = true; return f }

// dateSchema is LivePerson's Date object; day and month are range-checked, not checked
// against the calendar.
var dateSchema = &schema{fields: []field{
	rangeField("day", 1, 31),
	rangeField("month", 1, 12),
	rangeField("year", 1, 9999),
}}

// validator walks trees and collects problems. path is the field path of the value being
// checked, built in place so that a valid tree costs no allocations for paths.
type validator struct {
	path     []byte
	problems []Problem
	buf      [96]byte
}

func (v *validator) init(prefix string) {
	v.path = append(v.buf[:0], prefix...)
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

// typeProblem records that the value at the path is not what the field wants.
func (v *validator) typeProblem(want string, x any) {
	v.problem("must be " + want + ", got " + typeName(x))
}

// object checks m against s: every known member by its kind, every missing required
// member, every unknown member, in key order.
func (v *validator) object(m map[string]any, s *schema) {
	// Fast path: walk the schema's fields in order. If the map turns out to have members
	// the schema does not know, start over on the slow path, which interleaves them.
	start, known := len(v.problems), 0
	for i := range s.fields {
		f := &s.fields[i]
		x, ok := m[f.name]
		if ok {
			known++
		}
		v.member(m, f, x, ok)
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
			v.member(m, f, x, ok)
			v.alternates(m, s, name)
			continue
		}
		n := v.pushKey(name)
		v.problem(unknownMessage(name, s))
		v.pop(n)
	}
}

func unknownMessage(name string, s *schema) string {
	if s.hintFrom != nil && s.hintFrom.lookup(name) != nil {
		return "unknown field; " + s.unknownHint
	}
	for i := range s.fields {
		if strings.EqualFold(s.fields[i].name, name) {
			return "unknown field; did you mean " + s.fields[i].name + "?"
		}
	}
	return "unknown field"
}

// member checks one member of the object m; null counts as absent.
func (v *validator) member(m map[string]any, f *field, x any, present bool) {
	if f.kind == kindType {
		return // checked by the caller before the schema was chosen
	}
	if !present || (x == nil && f.kind != kindAny) {
		switch {
		case f.required:
			v.check(true, f.name, msgRequired)
		case f.requiredUnless != "" && m[f.requiredUnless] == nil:
			v.check(true, f.name, "is required when "+f.requiredUnless+" is not given")
		}
		return
	}
	n := v.pushKey(f.name)
	v.value(f, x)
	v.pop(n)
}

// value checks x against f at the current path.
func (v *validator) value(f *field, x any) {
	switch f.kind {
	case kindString:
		if _, ok := x.(string); !ok {
			v.typeProblem("a string", x)
		}
	case kindNumber:
		n, ok := asNumber(x)
		if !ok {
			v.typeProblem("a number", x)
		} else if !n.finite() {
			v.problem("must be a finite number")
		}
	case kindInteger:
		v.integer(f, x)
	case kindBool:
		if _, ok := x.(bool); !ok {
			v.typeProblem("true or false", x)
		}
	case kindEnum:
		s, ok := x.(string)
		if !ok {
			v.typeProblem("a string", x)
		} else if !oneOf(s, f.enum) {
			v.problem(enumMessage(f.enum))
		}
	case kindDate:
		if m, ok := asMap(x); ok {
			v.object(m, dateSchema)
		} else {
			v.typeProblem("a date object {day, month, year}", x)
		}
	case kindObject:
		if m, ok := asMap(x); ok {
			v.object(m, f.object)
		} else {
			v.typeProblem("an object", x)
		}
	case kindArray:
		a, ok := asArray(x)
		if !ok {
			v.typeProblem("an array", x)
			return
		}
		for i, l := 0, a.len(); i < l; i++ {
			n := v.pushIndex(i)
			v.value(f.elem, a.at(i))
			v.pop(n)
		}
	case kindLanguage:
		s, ok := x.(string)
		if !ok {
			v.typeProblem("a string", x)
		} else if !validLanguage(s) {
			v.problem("must be a language tag like en-US or fr_CA (ISO 639-1 lowercase, - or _, ISO 3166-1 uppercase)")
		}
	case kindID:
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
			v.problem("must be a non-negative whole number, got " + n.String())
		}
	case kindAny:
		v.jsonValue(x, 0)
	case kindIP:
		if s, ok := x.(string); !ok {
			v.typeProblem("a string", x)
		} else if !validIP(s) {
			v.problem(msgIP)
		}
	case kindVisitID:
		if s, ok := x.(string); ok {
			if s != "" && !WellFormedID(s) { // "" is absent: the first call has no ids
				v.problem(msgVisitID)
			}
		} else if n, ok := asNumber(x); !ok {
			v.typeProblem("a string", x)
		} else if s, ok := n.decimalID(); !ok || !WellFormedID(s) {
			v.problem(msgVisitID)
		}
	case kindText:
		if _, ok := x.(string); ok {
			return
		}
		if n, ok := asNumber(x); !ok {
			v.typeProblem("a string", x)
		} else if _, ok := n.decimalID(); !ok {
			v.problem("must be a string or a whole number, got " + n.String())
		}
	case kindSDEs:
		v.attributes(x, (*validator).sde)
	case kindImpressions:
		v.attributes(x, (*validator).impression)
	}
}

// Messages shared by the schema-driven checks of trees and the checks of typed values.
const (
	msgIP       = "must be an IPv4 or IPv6 address"
	msgVisitID  = "must be 1 to 128 characters of A-Z, a-z, 0-9 and _ . : -, not only dots"
	msgRequired = "is required"
)

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
			v.problem("must be an integer, got " + n.String())
			return
		}
		if i, ok = n.whole(); !ok {
			v.problem("must be an integer within ±2^53, got " + n.String())
			return
		}
	}
	if f.bounded && (i < f.min || i > f.max) {
		v.problem("must be an integer" + rangeText(f) + ", got " + strconv.FormatInt(i, 10))
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

// jsonValue checks that x is a JSON value (finite numbers, string keys, bounded depth).
func (v *validator) jsonValue(x any, depth int) {
	if depth > maxTreeDepth {
		v.problem("is nested too deeply")
		return
	}
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
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n := v.pushKey(k)
			v.jsonValue(m[k], depth+1)
			v.pop(n)
		}
		return
	}
	if a, ok := asArray(x); ok {
		for i, l := 0, a.len(); i < l; i++ {
			n := v.pushIndex(i)
			v.jsonValue(a.at(i), depth+1)
			v.pop(n)
		}
		return
	}
	v.problem("must be a JSON value, got " + typeName(x))
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
