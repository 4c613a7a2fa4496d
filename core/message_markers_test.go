package core

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Markers put into requests: a message that contains one of them echoes a caller's value.
const (
	markerText = "SECRET-97531"
	markerFrac = 97531.25          // a fraction where a whole number belongs
	markerInt  = 864209753         // a whole number outside every range
	markerHuge = 9.75318642e20     // beyond ±2^53
	markerNeg  = -97531            // a negative id
	markerDig  = "97531x"          // almost a digit string
	markerBig  = "975318642097531" // a digit string of 15 digits, out of every range
)

var markerParts = []string{"SECRET", "97531", "86420", "9.75", "e+20", "e20"}

// badValues returns values of the wrong type or outside the rule of f's kind, each carrying
// a marker.
func badValues(f *field) []any {
	switch f.kind {
	case kindString:
		return []any{markerFrac, true, map[string]any{"k": markerText}, []any{markerText}}
	case kindNumber:
		return []any{markerText, math.Inf(1), []any{markerFrac}}
	case kindInteger:
		out := []any{markerFrac, markerHuge, markerText, markerDig}
		if f.bounded {
			out = append(out, float64(markerInt), float64(markerNeg))
		}
		if f.digits {
			out = append(out, markerBig)
		}
		return out
	case kindBool:
		return []any{markerText, markerFrac}
	case kindEnum, kindLanguage, kindIP:
		return []any{markerText, markerFrac}
	case kindDate, kindObject:
		return []any{markerText, markerFrac, []any{markerText}}
	case kindArray:
		return []any{markerText, markerFrac, map[string]any{markerText: markerText}}
	case kindID:
		return []any{markerFrac, float64(markerNeg), markerHuge, markerDig, markerText, true}
	case kindVisitID:
		return []any{markerText + "/x", markerFrac, markerHuge, "..", true}
	case kindText:
		return []any{markerFrac, markerHuge, true}
	case kindSDEs, kindImpressions:
		return []any{markerText, []any{markerText, markerFrac}, []any{map[string]any{"type": markerText}}, []any{map[string]any{"type": markerFrac}}}
	}
	return nil
}

// badTrees returns objects for s in which one value breaks a rule, for every field of s and
// every field of the objects inside it; base members (an SDE's type) are in each.
func badTrees(s *schema, base map[string]any) []map[string]any {
	var out []map[string]any
	with := func(name string, v any) map[string]any {
		m := map[string]any{name: v}
		for k, x := range base {
			m[k] = x
		}
		return m
	}
	for i := range s.fields {
		f := &s.fields[i]
		for _, v := range badValues(f) {
			out = append(out, with(f.name, v))
		}
		switch f.kind {
		case kindObject, kindDate:
			inner := f.object
			if f.kind == kindDate {
				inner = dateSchema
			}
			for _, t := range badTrees(inner, nil) {
				out = append(out, with(f.name, t))
			}
		case kindArray:
			for _, v := range badValues(f.elem) {
				out = append(out, with(f.name, []any{v}))
			}
			if f.elem.kind == kindObject {
				for _, t := range badTrees(f.elem.object, nil) {
					out = append(out, with(f.name, []any{t}))
				}
			}
		case kindSDEs:
			for typ, sub := range sdeSchemas {
				for _, t := range badTrees(sub, map[string]any{"type": typ}) {
					out = append(out, with(f.name, []any{t}))
				}
			}
		case kindImpressions:
			for typ, sub := range impressionSchemas {
				for _, t := range badTrees(sub, map[string]any{"type": typ}) {
					out = append(out, with(f.name, []any{t}))
				}
			}
		}
	}
	// An unknown member and a near-miss, both with a marker value (refused when strict).
	out = append(out, with("unknownMember", markerText), with("unknownMember", markerFrac))
	if len(s.fields) > 0 && len(s.fields[0].name) > 2 {
		out = append(out, with(strings.ToUpper(s.fields[0].name), markerText))
	}
	return out
}

// TestMessagesNeverEchoValues (issue 9 finding 11): every rule of every schema is broken with
// a marker value (strings, fractions, out-of-range and huge numbers, ids, types) and no
// problem of ParseRequest or ParseUpdateRequest, strict or not, repeats it.
func TestMessagesNeverEchoValues(t *testing.T) {
	checked := 0
	check := func(name string, tree map[string]any, parse func(Validation, any) error) {
		for _, o := range []Validation{{}, {Strict: true}} {
			err := parse(o, tree)
			if err == nil {
				continue // e.g. a pass-through member in the default mode
			}
			checked++
			e, ok := err.(*Error)
			require.True(t, ok, "%s: %v", name, err)
			for _, part := range markerParts {
				assert.NotContains(t, e.Error(), part, "%s echoes a value: %s", name, e.Error())
			}
		}
	}
	parseRequest := func(o Validation, v any) error { _, err := o.ParseRequest(v); return err }
	parseUpdate := func(o Validation, v any) error { _, err := o.ParseUpdateRequest(v); return err }
	for _, tree := range badTrees(requestSchema, nil) {
		check("request", tree, parseRequest)
	}
	for _, tree := range badTrees(updateSchema, nil) {
		check("update", tree, parseUpdate)
	}
	// The typed path: Validate of requests built in Go.
	for _, err := range []error{
		Request{AppType: markerText, VisitorID: markerText + "/", SessionID: "..", AppDetails: &AppDetails{OS: markerText, DeviceFamily: markerText, IPAddress: markerText}}.Validate(),
		Request{AppType: AppTypeMSDK, EngagementAttributes: []Attribute{{"type": markerText}, {"type": "personal", "personal": map[string]any{"age": map[string]any{"year": markerFrac}}}}}.Validate(),
		UpdateRequest{ImpAttributes: []Attribute{{"type": "impClose", "campaign": markerFrac}}}.Validate(),
	} {
		require.Error(t, err)
		checked++
		for _, part := range markerParts {
			assert.NotContains(t, err.Error(), part)
		}
	}
	assert.Greater(t, checked, 1000, "every message path was reached")
}
