package core_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

// specCase is one row of testdata/validation/*.json: a request and the verdict the spec
// gives it, written from the spec alone (not from core's schemas), as a second
// implementation would.
type specCase struct {
	Name   string   `json:"name"`
	API    string   `json:"api"` // getEngagement, createSession or updateSession
	Body   any      `json:"body"`
	Valid  bool     `json:"valid"`
	Errors []string `json:"errors"` // the field paths that must be reported, exactly
}

// TestSpecTables runs every case through the public API with the default rules: the
// getEngagement object through ParseRequest, the Create Session body through ParseRequest
// and Validate (appType required on the wire), the Update Session body through
// ParseUpdateRequest and Validate (pageId required). A valid case must pass; an invalid one
// must be refused with problems on exactly the listed fields.
func TestSpecTables(t *testing.T) {
	files, err := filepath.Glob("../testdata/validation/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	total := 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		require.NoError(t, err)
		var table struct {
			Cases []specCase `json:"cases"`
		}
		require.NoError(t, json.Unmarshal(raw, &table), file)
		require.NotEmpty(t, table.Cases, file)
		for _, tc := range table.Cases {
			total++
			require.True(t, tc.Valid != (len(tc.Errors) > 0), "%s: %s: valid or errors, not both", file, tc.Name)
			t.Run(filepath.Base(file)+"/"+tc.Name, func(t *testing.T) {
				// The body as a JSON decoder gives it, with float64 and with json.Number.
				raw, err := json.Marshal(tc.Body)
				require.NoError(t, err)
				for _, decode := range []func(testing.TB, string) any{decodePlain, decodeNumbers} {
					got := specVerdict(t, tc.API, decode(t, string(raw)))
					want := append([]string(nil), tc.Errors...)
					sort.Strings(want)
					assert.Equal(t, want, got)
				}
			})
		}
	}
	assert.Greater(t, total, 500, "the tables cover every field")
}

// specVerdict returns the sorted field paths of the problems the public API reports for body
// under api, nil when it accepts it.
func specVerdict(t *testing.T, api string, body any) []string {
	t.Helper()
	var err error
	switch api {
	case "getEngagement":
		_, err = core.ParseRequest(body)
	case "createSession":
		var r core.Request
		if r, err = core.ParseRequest(body); err == nil {
			err = r.Validate()
		}
	case "updateSession":
		var u core.UpdateRequest
		if u, err = core.ParseUpdateRequest(body); err == nil {
			err = u.Validate()
		}
	default:
		t.Fatalf("unknown api %q", api)
	}
	if err == nil {
		return nil
	}
	var fields []string
	for _, pr := range validationProblems(t, err) {
		fields = append(fields, pr.Field)
	}
	sort.Strings(fields)
	return fields
}
