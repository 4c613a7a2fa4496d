package core_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/appengage/appengage/core"
)

// ParseRequest reads the object a JS caller passes to getEngagement and reports every broken
// rule at once, each with its field path, without repeating the values the caller gave.
func ExampleParseRequest() {
	var tree any
	_ = json.Unmarshal([]byte(`{
		"appType": "EXTERNAL",
		"appDetails": {"os": "LINUX", "deviceFamily": "PHONE"},
		"engagementAttributes": [
			{"type": "personal", "personal": {"firstName": "Ada", "age": {"age": 30.7}}},
			{"type": "impDisplay", "campaign": 1, "engId": 2, "revision": 3}
		]
	}`), &tree)

	_, err := core.ParseRequest(tree)
	var e *core.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code)
		for _, p := range e.Problems {
			fmt.Println(p)
		}
	}
	// Output:
	// validation
	// appDetails.deviceFamily: must be one of DESKTOP, TABLET, MOBILE
	// engagementAttributes[0].personal.age.age: must be an integer
	// engagementAttributes[0].personal.firstName: unknown field; did you mean firstname?
	// engagementAttributes[1].type: impression events belong in impAttributes, not engagementAttributes
}

// A valid request becomes a typed Request; Body is the Create Session JSON body (vid and
// sid travel in the URL).
func ExampleParseRequest_valid() {
	var tree any
	_ = json.Unmarshal([]byte(`{
		"vid": "123", "sid": "456",
		"engagementAttributes": [{"type": "mrktInfo", "info": {"channel": "1", "campaignId": "US-Campaign"}}]
	}`), &tree)

	r, err := core.ParseRequest(tree)
	if err != nil {
		fmt.Println(err)
		return
	}
	r.AppType = core.AppTypeExternal // what the client does when appType is missing
	fmt.Println(r.VisitorID, r.SessionID, r.Validate())
	body, _ := json.Marshal(r.Body())
	fmt.Println(string(body))
	// Output:
	// 123 456 <nil>
	// {"appType":"EXTERNAL","engagementAttributes":[{"info":{"campaignId":"US-Campaign","channel":"1"},"type":"mrktInfo"}]}
}
