package core_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

// decodeNumbers decodes JSON keeping numbers as json.Number, as the nethttp adapter does.
func decodeNumbers(t testing.TB, s string) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

// decodePlain decodes JSON with numbers as float64, as a JS value conversion gives them.
func decodePlain(t testing.TB, s string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v))
	return v
}

const docAvailable = `{
    "status": "Available",
    "sessionId": "abc",
    "visitorId": "xyz",
    "pageId": "4743822558",
    "engagementDetails": {
        "campaignId": "3346848610",
        "engagementId": "3562981110",
        "contextId": "1",
        "windowId": "3346847910",
        "language": "en-US",
        "engagementRevision": 44,
        "validForSeconds": 900,
        "skillId": 23,
        "skillName": "TestSkill"
    }
}`

const docNotAvailable = `{
    "status" : "NotAvailable",
    "sessionId": "abc",
    "visitorId": "xyz",
    "pageId" : "4743822558"
}`

func TestParseResponseDocumentedExamples(t *testing.T) {
	want := core.Response{
		Status: core.StatusAvailable, SessionID: "abc", VisitorID: "xyz", PageID: "4743822558",
		EngagementDetails: &core.EngagementDetails{
			CampaignID: "3346848610", EngagementID: "3562981110", ContextID: "1", WindowID: "3346847910",
			Language: "en-US", EngagementRevision: 44, ValidForSeconds: 900, SkillID: "23", SkillName: "TestSkill",
		},
	}
	for name, decode := range map[string]func(testing.TB, string) any{"float64": decodePlain, "json.Number": decodeNumbers} {
		t.Run(name, func(t *testing.T) {
			body := decode(t, docAvailable)
			r, err := core.ParseResponse(body)
			require.NoError(t, err)
			assert.Equal(t, body, any(r.Raw))
			r.Raw = nil
			assert.Equal(t, want, r)

			n, err := core.ParseResponse(decode(t, docNotAvailable))
			require.NoError(t, err)
			n.Raw = nil
			assert.Equal(t, core.Response{Status: core.StatusNotAvailable, SessionID: "abc", VisitorID: "xyz", PageID: "4743822558"}, n)
		})
	}
}
