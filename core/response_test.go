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

func TestParseResponseIDs(t *testing.T) {
	cases := []struct {
		name     string
		json     string
		decode   func(testing.TB, string) any
		campaign string
		skill    string
	}{
		{"number ids as float64", `{"campaignId": 3346848610, "skillId": 23}`, decodePlain, "3346848610", "23"},
		{"number ids as json.Number", `{"campaignId": 3346848610, "skillId": 23}`, decodeNumbers, "3346848610", "23"},
		{"exponent form", `{"campaignId": 3.34684861e9}`, decodePlain, "3346848610", ""},
		{"exponent form json.Number", `{"campaignId": 3.34684861e9}`, decodeNumbers, "3346848610", ""},
		{"beyond 2^53 exact with json.Number", `{"campaignId": 123456789012345678901234567890}`, decodeNumbers, "123456789012345678901234567890", ""},
		{"int64 max exact", `{"campaignId": 9223372036854775807}`, decodeNumbers, "9223372036854775807", ""},
		{"string kept", `{"campaignId": "0042", "skillId": "7"}`, decodePlain, "0042", "7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			details := tc.decode(t, tc.json).(map[string]any)
			details["engagementId"] = "1"
			details["contextId"] = "1"
			r, err := core.ParseResponse(map[string]any{"status": "Available", "sessionId": 1, "visitorId": "v", "pageId": 4743822558.0, "engagementDetails": details})
			require.NoError(t, err)
			assert.Equal(t, tc.campaign, r.EngagementDetails.CampaignID)
			assert.Equal(t, tc.skill, r.EngagementDetails.SkillID)
			assert.Equal(t, "1", r.SessionID)
			assert.Equal(t, "4743822558", r.PageID)
		})
	}
}

func TestParseResponseMalformed(t *testing.T) {
	details := `"engagementDetails": {"campaignId": "1", "engagementId": "2", "contextId": "1"}`
	cases := []struct {
		name string
		body any
		want string // the Message
	}{
		{"not JSON", "<html>Bad gateway</html>", "malformed response: body is not a JSON object, got string"},
		{"empty body", nil, "malformed response: body is not a JSON object, got null"},
		{"array", []any{}, "malformed response: body is not a JSON object, got array"},
		{"empty object", map[string]any{}, "malformed response: pageId: is required; sessionId: is required; status: is required; visitorId: is required"},
		{"status lowercase", `{"status": "available", "sessionId": "s", "visitorId": "v", "pageId": "p"}`, "malformed response: status: must be Available or NotAvailable"},
		{"status number", `{"status": 1, "sessionId": "s", "visitorId": "v", "pageId": "p"}`, "malformed response: status: must be Available or NotAvailable"},
		{"ids wrong", `{"status": "NotAvailable", "sessionId": true, "visitorId": 1.5, "pageId": ""}`, "malformed response: pageId: must not be empty; sessionId: must be a string or a number, got boolean; visitorId: must be a string or a whole number"},
		{"visitorId a dot segment", `{"status": "NotAvailable", "sessionId": "s", "visitorId": "..", "pageId": "p"}`, "malformed response: visitorId: must not be made of dots alone"},
		{"Available without details", `{"status": "Available", "sessionId": "s", "visitorId": "v", "pageId": "p"}`, "malformed response: engagementDetails: is required when status is Available"},
		{"Available with details array", `{"status": "Available", "sessionId": "s", "visitorId": "v", "pageId": "p", "engagementDetails": []}`, "malformed response: engagementDetails: must be an object, got array"},
		{"details missing ids", `{"status": "Available", "sessionId": "s", "visitorId": "v", "pageId": "p", "engagementDetails": {"language": "en-US"}}`, "malformed response: engagementDetails.campaignId: is required; engagementDetails.contextId: is required; engagementDetails.engagementId: is required"},
		{"details numbers wrong", `{"status": "Available", "sessionId": "s", "visitorId": "v", "pageId": "p", "engagementDetails": {"campaignId": "1", "engagementId": "2", "contextId": "1", "engagementRevision": "x", "validForSeconds": -5}}`, "malformed response: engagementDetails.engagementRevision: must be a whole number; engagementDetails.validForSeconds: must not be negative"},
		{"ok", `{"status": "Available", "sessionId": "s", "visitorId": "v", "pageId": "p", ` + details + `}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if s, ok := body.(string); ok && len(s) > 0 && s[0] == '{' {
				body = decodePlain(t, s)
			}
			_, err := core.ParseResponse(body)
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			var ce *core.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, core.CodeServer, ce.Code)
			assert.Equal(t, tc.want, ce.Message)
		})
	}
}

func TestParseResponseNotAvailableIgnoresDetails(t *testing.T) {
	body := decodePlain(t, `{"status": "NotAvailable", "sessionId": "s", "visitorId": "v", "pageId": "p", "engagementDetails": "junk", "extra": {"kept": true}}`)
	r, err := core.ParseResponse(body)
	require.NoError(t, err)
	assert.Nil(t, r.EngagementDetails)
	assert.Equal(t, body, r.Tree(), "Tree is the body as sent, unknown fields included")
}

func TestResponseTreeBuilt(t *testing.T) {
	r := core.Response{
		Status: core.StatusAvailable, SessionID: "abc", VisitorID: "xyz", PageID: "4743822558",
		EngagementDetails: &core.EngagementDetails{
			CampaignID: "3346848610", EngagementID: "3562981110", ContextID: "1", WindowID: "3346847910",
			Language: "en-US", EngagementRevision: 44, ValidForSeconds: 900, SkillID: "23", SkillName: "TestSkill",
		},
	}
	assert.Equal(t, decodePlain(t, docAvailable), any(r.Tree()), "built like LivePerson's example")

	back, err := core.ParseResponse(r.Tree())
	require.NoError(t, err)
	back.Raw = nil
	assert.Equal(t, r, back)

	r.EngagementDetails.SkillID = "billing-7"
	r.EngagementDetails.ConnectorID = "99"
	d := r.Tree()["engagementDetails"].(map[string]any)
	assert.Equal(t, "billing-7", d["skillId"], "a skill id that is not a number stays a string")
	assert.Equal(t, "99", d["connectorId"])

	assert.Equal(t, decodePlain(t, docNotAvailable), any(core.Response{Status: core.StatusNotAvailable, SessionID: "abc", VisitorID: "xyz", PageID: "4743822558"}.Tree()))
}

func TestParseErrorBody(t *testing.T) {
	cases := []struct {
		name string
		body any
		want core.ErrorBody
		ok   bool
	}{
		{"loading account", `{"time": 1700000000000, "message": "Loading account: 123, vid: abc", "internalCode": 20}`, core.ErrorBody{Time: 1700000000000, Message: "Loading account: 123, vid: abc", InternalCode: 20}, true},
		{"no message", `{"time": 1700000000000, "internalCode": 33}`, core.ErrorBody{Time: 1700000000000, InternalCode: 33}, true},
		{"string numbers", `{"time": "1700000000000", "internalCode": "33"}`, core.ErrorBody{Time: 1700000000000, InternalCode: 33}, true},
		{"message only", `{"message": "Illegal Version"}`, core.ErrorBody{Message: "Illegal Version"}, true},
		{"wrong types ignored", `{"time": "yesterday", "message": 5, "internalCode": 2.5}`, core.ErrorBody{}, false},
		{"other object", `{"status": "Available"}`, core.ErrorBody{}, false},
		{"text", "Service Unavailable", core.ErrorBody{}, false},
		{"nil", nil, core.ErrorBody{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, decode := range []func(testing.TB, string) any{decodePlain, decodeNumbers} {
				body := tc.body
				if s, ok := body.(string); ok && s[0] == '{' {
					body = decode(t, s)
				}
				got, ok := core.ParseErrorBody(body)
				assert.Equal(t, tc.ok, ok)
				assert.Equal(t, tc.want, got)
			}
		})
	}
}

func TestErrorBodyTree(t *testing.T) {
	e := core.ErrorBody{Time: 1700000000000, Message: "Illegal Version", InternalCode: 33}
	assert.Equal(t, decodePlain(t, `{"time": 1700000000000, "message": "Illegal Version", "internalCode": 33}`), any(e.Tree()))
	back, ok := core.ParseErrorBody(e.Tree())
	assert.True(t, ok)
	assert.Equal(t, e, back)
	assert.Equal(t, map[string]any{"time": 0.0, "internalCode": 20.0}, core.ErrorBody{InternalCode: 20}.Tree())
}
