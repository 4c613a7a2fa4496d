package core_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

// requestSeeds are the corpus of FuzzParseRequest: LivePerson's example, every SDE and
// impression case of the table tests wrapped in a request, and broken shapes.
func requestSeeds(f *testing.F) {
	seed, err := os.ReadFile("../testdata/seed-request.json")
	require.NoError(f, err)
	f.Add(seed)
	for _, tc := range sdeCases {
		f.Add([]byte(`{"appType": "EXTERNAL", "engagementAttributes": [` + tc.json + `]}`))
	}
	for _, tc := range impressionCases {
		f.Add([]byte(`{"engagementAttributes": [` + tc.json + `]}`))
	}
	for _, s := range []string{
		`{}`, `[]`, `null`, `"x"`, `{"vid": 123, "sid": "a:b"}`, `{"vid": ""}`,
		`{"appDetails": {"ipAddress": "::ffff:1.2.3.4"}, "consumerSections": []}`,
		`{"engagementAttributes": [{"type": "searchInfo", "keywords": [], "x": {"y": [1, {"z": null}]}}]}`,
		`{"engagementAttributes": [{"type": "cart", "total": 1e308, "numItems": 9007199254740993}]}`,
		`{"engagementAttributes": [{"type": "personal", "personal": {"age": {"age": -0.0}}}], "appType": "MSDK"}`,
	} {
		f.Add([]byte(s))
	}
}

// FuzzParseRequest: ParseRequest never panics on any JSON value; whatever it accepts
// validates, and its Tree and Body parse back to the same Request.
func FuzzParseRequest(f *testing.F) {
	requestSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var tree any
		if json.Unmarshal(data, &tree) != nil {
			return
		}
		r, err := core.ParseRequest(tree)
		if err != nil {
			problems := validationProblems(t, err)
			require.NotEmpty(t, problems)
			return
		}
		filled := r
		if filled.AppType == "" {
			filled.AppType = core.AppTypeExternal
		}
		require.NoError(t, filled.Validate())

		back, err := core.ParseRequest(jsonRoundTrip(t, r.Tree()))
		require.NoError(t, err)
		assert.Equal(t, r, back, "Tree round trip")

		back, err = core.ParseRequest(r.Body())
		require.NoError(t, err)
		noIDs := r
		noIDs.VisitorID, noIDs.SessionID = "", ""
		assert.Equal(t, noIDs, back, "Body round trip")
	})
}

// FuzzParseUpdateRequest: the same properties for the Update Session body.
func FuzzParseUpdateRequest(f *testing.F) {
	f.Add([]byte(docUpdate))
	for _, tc := range impressionCases {
		f.Add([]byte(`{"pageId": "1", "impAttributes": [` + tc.json + `]}`))
	}
	for _, tc := range sdeCases {
		f.Add([]byte(`{"pageId": 1, "engagementAttributes": [` + tc.json + `]}`))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var tree any
		if json.Unmarshal(data, &tree) != nil {
			return
		}
		u, err := core.ParseUpdateRequest(tree)
		if err != nil {
			require.NotEmpty(t, validationProblems(t, err))
			return
		}
		if u.PageID == "" {
			u.PageID = "last"
		}
		require.NoError(t, u.Validate())
		back, err := core.ParseUpdateRequest(jsonRoundTrip(t, u.Body()))
		require.NoError(t, err)
		assert.Equal(t, u, back)
	})
}

// FuzzValidationModes: strict and default agree except on unknown members. Whatever strict
// accepts, the default accepts the same way, with nothing in Extra; whatever the default
// refuses, strict refuses too; where only strict refuses, every problem is an unknown field.
// Members the default passes through reach Tree (and so the wire) unchanged, and a strict
// Validate refuses the parsed request exactly when it carries any.
func FuzzValidationModes(f *testing.F) {
	requestSeeds(f)
	for _, s := range []string{
		passThroughRequest,
		`{"appDetails": {"Type": "x", "ipAdress": "1.2.3.4"}, "zeta": [1, {"b": null}]}`,
		`{"engagementAttributes": [{"type": "ctmrinfo", "customerId": "x"}, {"type": "lead", "lead": {"topics": 1}}]}`,
		`{"appType": "MSDK", "extra": {"appType": "x"}, "vid": "..", "sid": 5}`,
	} {
		f.Add([]byte(s))
	}
	strict := core.Validation{Strict: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		var tree any
		if json.Unmarshal(data, &tree) != nil {
			return
		}
		lenient, lerr := core.ParseRequest(tree)
		strictR, serr := strict.ParseRequest(tree)
		if serr == nil {
			require.NoError(t, lerr, "default refuses what strict accepts")
			assert.Equal(t, strictR, lenient)
			assert.Nil(t, strictR.Extra)
			if strictR.AppDetails != nil {
				assert.Nil(t, strictR.AppDetails.Extra)
			}
			return
		}
		if lerr != nil {
			return // both refuse
		}
		for _, p := range validationProblems(t, serr) {
			assert.True(t, strings.HasPrefix(p.Message, "unknown field"), "only strict refuses %s: %s", p.Field, p.Message)
		}
		// What the default passed through is in Tree, unchanged.
		m := tree.(map[string]any)
		out := jsonRoundTrip(t, lenient.Tree()).(map[string]any)
		for k, x := range lenient.Extra {
			assert.Equal(t, m[k], out[k], "member %q", k)
			assert.Equal(t, m[k], jsonRoundTrip(t, x))
		}
		if d := lenient.AppDetails; d != nil {
			in := m["appDetails"].(map[string]any)
			for k := range d.Extra {
				assert.Equal(t, in[k], out["appDetails"].(map[string]any)[k], "appDetails member %q", k)
			}
		}
		// Attributes travel whole, unknown members included.
		if a, ok := m["engagementAttributes"].([]any); ok {
			assert.Equal(t, a, out["engagementAttributes"])
		}
		filled := lenient
		if filled.AppType == "" {
			filled.AppType = core.AppTypeExternal
		}
		require.NoError(t, filled.Validate())
		if len(lenient.Extra) > 0 || (lenient.AppDetails != nil && len(lenient.AppDetails.Extra) > 0) {
			require.Error(t, strict.Request(filled))
		}
	})
}
