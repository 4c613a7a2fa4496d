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

// seedTree decodes LivePerson's documented getEngagement example (testdata/seed-request.json).
func seedTree(t testing.TB) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("../testdata/seed-request.json")
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

// jsonRoundTrip encodes v as JSON and decodes it again, as a transport would.
func jsonRoundTrip(t testing.TB, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

func TestSeedRequestParsesValidatesAndRoundTrips(t *testing.T) {
	tree := seedTree(t)
	r, err := core.ParseRequest(tree)
	require.NoError(t, err)
	require.NoError(t, r.Validate())

	assert.Equal(t, core.AppTypeExternal, r.AppType)
	assert.Equal(t, "123", r.VisitorID)
	assert.Equal(t, "456", r.SessionID)
	assert.Equal(t, &core.AppDetails{AppVersion: "1.0", DeviceFamily: core.DeviceMobile, IPAddress: "192.168.5.2", OS: core.OSMacOSX, OSVersion: "1.2"}, r.AppDetails)
	assert.Equal(t, []string{"Support", "English", "Other"}, r.ConsumerSections)
	require.Len(t, r.EngagementAttributes, 1)
	assert.Equal(t, "personal", r.EngagementAttributes[0].Type())

	// Tree gives back LivePerson's object exactly, 30.0 included, after a JSON round trip.
	assert.Equal(t, any(tree), jsonRoundTrip(t, r.Tree()))

	// Body is the same without vid and sid.
	body := jsonRoundTrip(t, r.Body()).(map[string]any)
	delete(tree, "vid")
	delete(tree, "sid")
	assert.Equal(t, tree, body)
}

// validationProblems asserts err is a validation *Error and returns its problems.
func validationProblems(t testing.TB, err error) []core.Problem {
	t.Helper()
	require.Error(t, err)
	var ce *core.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, core.CodeValidation, ce.Code)
	return ce.Problems
}

const (
	msgVisitID = "must be 1 to 128 characters of A-Z, a-z, 0-9 and _ . : -, not only dots"
	msgIP      = "must be an IPv4 or IPv6 address"
	msgOS      = "must be one of WINDOWS, MAC_OSX, LINUX, IOS, ANDROID"
	msgDevice  = "must be one of DESKTOP, TABLET, MOBILE"
	msgAppType = "must be one of MSDK, EXTERNAL"
)

func TestParseRequestRules(t *testing.T) {
	long := strings.Repeat("v", 129)
	cases := []struct {
		name string
		json string
		want []core.Problem // nil: valid
	}{
		{"empty object", `{}`, nil},
		{"appType MSDK", `{"appType": "MSDK"}`, nil},
		{"appType EXTERNAL", `{"appType": "EXTERNAL"}`, nil},
		{"appType lowercase", `{"appType": "external"}`, []core.Problem{p("appType", msgAppType)}},
		{"appType empty", `{"appType": ""}`, []core.Problem{p("appType", msgAppType)}},
		{"appType number", `{"appType": 1}`, []core.Problem{p("appType", "must be a string, got number")}},
		{"appDetails documented", `{"appDetails": {"os": "MAC_OSX", "osVersion": "1.2", "appVersion": "1.0", "deviceFamily": "MOBILE", "ipAddress": "192.168.5.2"}}`, nil},
		{"appDetails every os", `{"appDetails": {"os": "WINDOWS"}}`, nil},
		{"appDetails LINUX", `{"appDetails": {"os": "LINUX", "deviceFamily": "DESKTOP"}}`, nil},
		{"appDetails IOS", `{"appDetails": {"os": "IOS", "deviceFamily": "TABLET"}}`, nil},
		{"appDetails ANDROID", `{"appDetails": {"os": "ANDROID"}}`, nil},
		{"appDetails IPv6", `{"appDetails": {"ipAddress": "2001:db8::7"}}`, nil},
		{"appDetails IPv6 loopback", `{"appDetails": {"ipAddress": "::1"}}`, nil},
		{"appDetails IPv4-mapped IPv6", `{"appDetails": {"ipAddress": "::ffff:192.0.2.1"}}`, nil},
		{"appDetails empty", `{"appDetails": {}}`, nil},
		{"appDetails null", `{"appDetails": null}`, nil},
		{"appDetails enums", `{"appDetails": {"os": "MACOS", "deviceFamily": "PHONE"}}`, []core.Problem{p("appDetails.deviceFamily", msgDevice), p("appDetails.os", msgOS)}},
		{"appDetails os lowercase", `{"appDetails": {"os": "linux"}}`, []core.Problem{p("appDetails.os", msgOS)}},
		{"appDetails IPv4 out of range", `{"appDetails": {"ipAddress": "300.1.1.1"}}`, []core.Problem{p("appDetails.ipAddress", msgIP)}},
		{"appDetails IPv6 zone", `{"appDetails": {"ipAddress": "fe80::1%eth0"}}`, []core.Problem{p("appDetails.ipAddress", msgIP)}},
		{"appDetails IP with port", `{"appDetails": {"ipAddress": "192.168.5.2:80"}}`, []core.Problem{p("appDetails.ipAddress", msgIP)}},
		{"appDetails host name", `{"appDetails": {"ipAddress": "localhost"}}`, []core.Problem{p("appDetails.ipAddress", msgIP)}},
		{"appDetails IP number", `{"appDetails": {"ipAddress": 3232236802}}`, []core.Problem{p("appDetails.ipAddress", "must be a string, got number")}},
		{"appDetails strings", `{"appDetails": {"appVersion": 1.0, "osVersion": 2.4}}`, []core.Problem{p("appDetails.appVersion", "must be a string, got number"), p("appDetails.osVersion", "must be a string, got number")}},
		{"appDetails osName", `{"appDetails": {"osName": "LINUX"}}`, []core.Problem{p("appDetails.osName", "unknown field")}},
		{"appDetails not object", `{"appDetails": "LINUX"}`, []core.Problem{p("appDetails", "must be an object, got string")}},
		{"consumerSections", `{"consumerSections": ["Support", "English", ""]}`, nil},
		{"consumerSections empty", `{"consumerSections": []}`, nil},
		{"consumerSections comma list", `{"consumerSections": "Support,English"}`, []core.Problem{p("consumerSections", "must be an array, got string")}},
		{"consumerSections element", `{"consumerSections": ["a", 1, {}]}`, []core.Problem{p("consumerSections[1]", "must be a string, got number"), p("consumerSections[2]", "must be a string, got object")}},
		{"engagementAttributes empty", `{"engagementAttributes": []}`, nil},
		{"engagementAttributes object", `{"engagementAttributes": {"type": "cart"}}`, []core.Problem{p("engagementAttributes", "must be an array of objects, got object")}},
		{"engagementAttributes element", `{"engagementAttributes": ["cart", null]}`, []core.Problem{p("engagementAttributes[0]", "must be an object, got string"), p("engagementAttributes[1]", "must be an object, got null")}},
		{"engagementAttributes impression", `{"engagementAttributes": [{"type": "searchInfo", "keywords": []}, {"type": "impDisplay", "campaign": 1, "engId": 1, "revision": 1}]}`, []core.Problem{p("engagementAttributes[1].type", "impression events belong in impAttributes, not engagementAttributes")}},
		{"vid and sid", `{"vid": "Vb3kQz91", "sid": "Sx7_p2LmA-1.2:3"}`, nil},
		{"vid and sid numbers", `{"vid": 123, "sid": 456}`, nil},
		{"vid and sid empty", `{"vid": "", "sid": ""}`, nil},
		{"vid malformed", `{"vid": "a/b", "sid": "x y"}`, []core.Problem{p("sid", msgVisitID), p("vid", msgVisitID)}},
		{"vid too long", `{"vid": "` + long + `"}`, []core.Problem{p("vid", msgVisitID)}},
		{"vid dot segments", `{"vid": "..", "sid": "."}`, []core.Problem{p("sid", msgVisitID), p("vid", msgVisitID)}},
		{"vid dots inside", `{"vid": "a..b", "sid": ".x."}`, nil},
		{"vid fraction", `{"vid": 1.5}`, []core.Problem{p("vid", msgVisitID)}},
		{"vid bool", `{"vid": true}`, []core.Problem{p("vid", "must be a string, got boolean")}},
		{"unknown top-level field", `{"appVersion": "1.0", "appType": "EXTERNAL"}`, []core.Problem{p("appVersion", "unknown field")}},
		{"unknown field typo", `{"AppType": "EXTERNAL"}`, []core.Problem{p("AppType", "unknown field; did you mean appType?")}},
		{"all problems at once in key order", `{
			"vid": "bad id", "sid": 1.5, "appType": "WEB", "zeta": 1,
			"appDetails": {"os": "BeOS", "ipAddress": "1.2.3"},
			"consumerSections": [1],
			"engagementAttributes": [{"type": "personal", "personal": {"age": {"age": 30.7}, "contacts": [{}, {"phoneType": "BEEPER"}]}}, {"type": "cart"}]
		}`, []core.Problem{
			p("appDetails.ipAddress", msgIP),
			p("appDetails.os", msgOS),
			p("appType", msgAppType),
			p("consumerSections[0]", "must be a string, got number"),
			p("engagementAttributes[0].personal.age.age", "must be an integer"),
			p("engagementAttributes[0].personal.contacts[1].phoneType", phoneTypes),
			p("engagementAttributes[1].numItems", "is required"),
			p("engagementAttributes[1].total", "is required"),
			p("sid", msgVisitID),
			p("vid", msgVisitID),
			p("zeta", "unknown field"),
		}},
	}
	// want is the strict result; the default one is the same without the unknown fields
	// that are passed through (lenient).
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, decode := range []func(testing.TB, string) any{decodePlain, decodeNumbers} {
				for _, mode := range []struct {
					v    core.Validation
					want []core.Problem
				}{{strict, tc.want}, {core.Validation{}, lenient(tc.want)}} {
					r, err := mode.v.ParseRequest(decode(t, tc.json))
					if mode.want == nil {
						require.NoError(t, err, "strict %v", mode.v.Strict)
						if r.AppType == "" {
							r.AppType = core.AppTypeExternal
						}
						assert.NoError(t, mode.v.Request(r))
						continue
					}
					assert.Equal(t, mode.want, validationProblems(t, err), "strict %v", mode.v.Strict)
					assert.Equal(t, core.Request{}, r)
				}
			}
		})
	}
}

func TestParseRequestNotAnObject(t *testing.T) {
	for _, v := range []any{nil, "x", 1.0, []any{}, true} {
		_, err := core.ParseRequest(v)
		problems := validationProblems(t, err)
		require.Len(t, problems, 1)
		assert.Equal(t, "", problems[0].Field)
		assert.Contains(t, problems[0].Message, "the request must be an object, got ")
	}
}

func TestParseRequestValues(t *testing.T) {
	r, err := core.ParseRequest(map[string]any{
		"vid":                  float64(123),
		"sid":                  int64(4743822558),
		"consumerSections":     []string{"a"},
		"engagementAttributes": []core.Attribute{{"type": "cart", "total": 3, "numItems": int64(1)}},
	})
	require.NoError(t, err)
	assert.Equal(t, core.Request{
		VisitorID:            "123",
		SessionID:            "4743822558",
		ConsumerSections:     []string{"a"},
		EngagementAttributes: []core.Attribute{{"type": "cart", "total": 3.0, "numItems": 1.0}},
	}, r, "ids become decimal strings and attribute numbers float64")

	// A missing appType is left for the client to fill; Validate insists on it.
	assert.Equal(t, []core.Problem{p("appType", "is required")}, validationProblems(t, r.Validate()))

	// The attributes are copies: changing the caller's tree later changes nothing.
	src := map[string]any{"type": "lead", "lead": map[string]any{"topic": "a"}}
	r, err = core.ParseRequest(map[string]any{"engagementAttributes": []any{src}})
	require.NoError(t, err)
	src["lead"].(map[string]any)["topic"] = "b"
	assert.Equal(t, "a", r.EngagementAttributes[0]["lead"].(map[string]any)["topic"])
}

func TestRequestValidate(t *testing.T) {
	ok := core.Request{AppType: core.AppTypeExternal}
	cases := []struct {
		name string
		r    core.Request
		want []core.Problem
	}{
		{"minimal", ok, nil},
		{"MSDK", core.Request{AppType: core.AppTypeMSDK}, nil},
		{"full", core.Request{
			AppType:              core.AppTypeExternal,
			AppDetails:           &core.AppDetails{AppVersion: "1", DeviceFamily: core.DeviceDesktop, IPAddress: "203.0.113.7", OS: core.OSLinux, OSVersion: "6.1"},
			ConsumerSections:     []string{"billing"},
			EngagementAttributes: []core.Attribute{{"type": "ctmrinfo", "info": map[string]any{"ctype": "gold", "customerId": "c-991"}}},
			VisitorID:            "Vb3kQz91",
			SessionID:            "Sx7_p2LmA",
		}, nil},
		{"appType missing", core.Request{}, []core.Problem{p("appType", "is required")}},
		{"appType case", core.Request{AppType: "External"}, []core.Problem{p("appType", msgAppType)}},
		{"appDetails", core.Request{AppType: core.AppTypeMSDK, AppDetails: &core.AppDetails{DeviceFamily: "PHONE", IPAddress: "1.2.3.4.5", OS: "BeOS"}}, []core.Problem{
			p("appDetails.deviceFamily", msgDevice), p("appDetails.ipAddress", msgIP), p("appDetails.os", msgOS),
		}},
		{"attributes", core.Request{AppType: core.AppTypeMSDK, EngagementAttributes: []core.Attribute{nil, {"type": "impClose"}, {"type": "searchInfo", "keywords": []string{"x"}}}}, []core.Problem{
			p("engagementAttributes[0]", "must be an object, got null"),
			p("engagementAttributes[1].type", "impression events belong in impAttributes, not engagementAttributes"),
		}},
		{"ids", core.Request{AppType: core.AppTypeMSDK, VisitorID: "a b", SessionID: "ä"}, []core.Problem{p("sid", msgVisitID), p("vid", msgVisitID)}},
		{"dot segment ids", core.Request{AppType: core.AppTypeMSDK, VisitorID: "..", SessionID: "."}, []core.Problem{p("sid", msgVisitID), p("vid", msgVisitID)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.r.Validate()
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.Equal(t, tc.want, validationProblems(t, err))
		})
	}
}

func TestRequestBodyAndTree(t *testing.T) {
	assert.Equal(t, map[string]any{}, core.Request{}.Body())
	r := core.Request{
		AppType:              core.AppTypeExternal,
		AppDetails:           &core.AppDetails{OS: core.OSLinux},
		ConsumerSections:     []string{"billing", "en"},
		EngagementAttributes: []core.Attribute{{"type": "searchInfo", "keywords": []string{"visa"}}, {"type": "cart", "total": 2, "numItems": int64(1)}},
		VisitorID:            "v1",
		SessionID:            "s1",
	}
	body := map[string]any{
		"appType":          "EXTERNAL",
		"appDetails":       map[string]any{"os": "LINUX"},
		"consumerSections": []any{"billing", "en"},
		"engagementAttributes": []any{
			map[string]any{"type": "searchInfo", "keywords": []any{"visa"}},
			map[string]any{"type": "cart", "total": 2.0, "numItems": 1.0},
		},
	}
	assert.Equal(t, body, r.Body(), "Body holds only JSON tree types")
	tree := r.Tree()
	assert.Equal(t, "v1", tree["vid"])
	assert.Equal(t, "s1", tree["sid"])
	delete(tree, "vid")
	delete(tree, "sid")
	assert.Equal(t, body, tree)

	back, err := core.ParseRequest(r.Tree())
	require.NoError(t, err)
	assert.Equal(t, "v1", back.VisitorID)
	assert.Equal(t, r.Body(), back.Body())
}
