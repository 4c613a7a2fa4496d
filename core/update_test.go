package core_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

// The illustrative Update Session body of the spec (§5).
const docUpdate = `{
  "pageId": "1029384756",
  "impAttributes": [
    { "type": "impDisplay", "campaign": 1111111111, "engId": 2222222222, "revision": 12,
      "eContext": [ { "type": "engagementContext", "id": "1" } ] }
  ],
  "engagementAttributes": [
    { "type": "lead", "lead": { "topic": "upgrade", "value": 49.5, "leadId": "L-17" } }
  ]
}`

func TestParseUpdateRequestDocumented(t *testing.T) {
	tree := decodePlain(t, docUpdate)
	u, err := core.ParseUpdateRequest(tree)
	require.NoError(t, err)
	require.NoError(t, u.Validate())
	assert.Equal(t, "1029384756", u.PageID)
	require.Len(t, u.ImpAttributes, 1)
	assert.Equal(t, "impDisplay", u.ImpAttributes[0].Type())
	require.Len(t, u.EngagementAttributes, 1)
	assert.Equal(t, tree, jsonRoundTrip(t, u.Body()), "Body gives back the documented body")
}

func TestParseUpdateRequestRules(t *testing.T) {
	cases := []struct {
		name string
		json string
		want []core.Problem
	}{
		{"pageId only", `{"pageId": "1"}`, nil},
		{"pageId number", `{"pageId": 4743822558}`, nil},
		{"pageId missing is filled by the client", `{"impAttributes": []}`, nil},
		{"pageId fraction", `{"pageId": 1.5}`, []core.Problem{p("pageId", "must be a string or a whole number")}},
		{"pageId object", `{"pageId": {}}`, []core.Problem{p("pageId", "must be a string, got object")}},
		{"impression in engagementAttributes", `{"pageId": "1", "engagementAttributes": [{"type": "impAccept", "campaign": 1, "engId": 2, "revision": 3}]}`, []core.Problem{
			p("engagementAttributes[0].type", "impression events belong in impAttributes, not engagementAttributes"),
		}},
		{"SDE in impAttributes", `{"pageId": "1", "impAttributes": [{"type": "lead", "lead": {}}]}`, []core.Problem{
			p("impAttributes[0].type", "engagement attributes (SDEs) belong in engagementAttributes, not impAttributes"),
		}},
		{"impAttributes not array", `{"impAttributes": {"type": "impClose"}}`, []core.Problem{p("impAttributes", "must be an array of objects, got object")}},
		{"unknown field", `{"pageId": "1", "entryPoints": []}`, []core.Problem{p("entryPoints", "unknown field")}},
		{"every problem in order", `{"pageId": true, "impAttributes": [{"type": "impClose", "campaign": 1, "engId": 2, "revision": 1.5}], "engagementAttributes": [{"type": "cart", "total": 1}]}`, []core.Problem{
			p("engagementAttributes[0].numItems", "is required"),
			p("impAttributes[0].revision", "must be a non-negative whole number"),
			p("pageId", "must be a string, got boolean"),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, mode := range []struct {
				v    core.Validation
				want []core.Problem
			}{{strict, tc.want}, {core.Validation{}, lenient(tc.want)}} {
				u, err := mode.v.ParseUpdateRequest(decodePlain(t, tc.json))
				if mode.want == nil {
					require.NoError(t, err)
					if u.PageID == "" {
						u.PageID = "last"
					}
					assert.NoError(t, mode.v.UpdateRequest(u))
					continue
				}
				assert.Equal(t, mode.want, validationProblems(t, err), "strict %v", mode.v.Strict)
			}
		})
	}
	_, err := core.ParseUpdateRequest([]any{})
	assert.Equal(t, []core.Problem{p("", "the request must be an object, got array")}, validationProblems(t, err))
}

func TestUpdateRequestValidateAndBody(t *testing.T) {
	assert.Equal(t, []core.Problem{p("pageId", "is required")}, validationProblems(t, core.UpdateRequest{}.Validate()))

	u := core.UpdateRequest{
		PageID:               "p1",
		EngagementAttributes: []core.Attribute{{"type": "impDisplay", "campaign": 1, "engId": 2, "revision": 3}},
		ImpAttributes:        []core.Attribute{{"type": "impClose", "campaign": "1", "engId": 2, "revision": 3}, {"type": "cart"}},
	}
	assert.Equal(t, []core.Problem{
		p("engagementAttributes[0].type", "impression events belong in impAttributes, not engagementAttributes"),
		p("impAttributes[1].type", "engagement attributes (SDEs) belong in engagementAttributes, not impAttributes"),
	}, validationProblems(t, u.Validate()))

	assert.Equal(t, map[string]any{"pageId": "p1"}, core.UpdateRequest{PageID: "p1"}.Body())
	assert.Equal(t, map[string]any{
		"pageId":               "p1",
		"engagementAttributes": []any{map[string]any{"type": "impDisplay", "campaign": 1.0, "engId": 2.0, "revision": 3.0}},
		"impAttributes":        []any{map[string]any{"type": "impClose", "campaign": "1", "engId": 2.0, "revision": 3.0}, map[string]any{"type": "cart"}},
	}, u.Body())
}

// actionableItems is forwarded as given, however it is shaped, up to core.MaxDepth levels
// from the top of the request (which stops cyclic Go maps); nothing within it is dropped.
func TestImpressionAnyValueDepth(t *testing.T) {
	nest := func(depth int) any {
		var v any = "leaf"
		for i := 0; i < depth; i++ {
			v = []any{v}
		}
		return v
	}
	imp := func(items any) map[string]any {
		return map[string]any{"pageId": "p", "impAttributes": []any{map[string]any{"type": "impExpanded", "campaign": 1.0, "engId": 2.0, "revision": 3.0, "actionableItems": items}}}
	}
	// The request, impAttributes and the event are 3 levels; MaxDepth-3 arrays fill the rest.
	u, err := core.ParseUpdateRequest(imp(nest(core.MaxDepth - 3)))
	require.NoError(t, err)
	assert.Equal(t, nest(core.MaxDepth-3), u.ImpAttributes[0]["actionableItems"])

	_, err = core.ParseUpdateRequest(imp(nest(core.MaxDepth - 2)))
	problems := validationProblems(t, err)
	require.Len(t, problems, 1)
	assert.Equal(t, "is nested too deeply (more than 64 levels of objects and arrays)", problems[0].Message)
	assert.Equal(t, "impAttributes[0].actionableItems"+strings.Repeat("[0]", core.MaxDepth-3), problems[0].Field)

	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	_, err = core.ParseUpdateRequest(imp(cyclic))
	assert.Contains(t, validationProblems(t, err)[0].Message, "is nested too deeply")
}
