package core_test

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/appengage/appengage/core"
)

// ParseResponse decodes the Create Session answer tolerantly: ids sent as JSON numbers
// become exact decimal strings, and Raw keeps the body as sent for JS callers.
func ExampleParseResponse() {
	dec := json.NewDecoder(bytes.NewReader([]byte(`{
		"status": "Available", "sessionId": "abc", "visitorId": "xyz", "pageId": 4743822558,
		"engagementDetails": {
			"campaignId": 3346848610, "engagementId": "3562981110", "contextId": "1",
			"windowId": "3346847910", "language": "en-US", "engagementRevision": 44,
			"validForSeconds": 900, "skillId": 23, "skillName": "TestSkill"
		}
	}`)))
	dec.UseNumber()
	var body any
	_ = dec.Decode(&body)

	r, err := core.ParseResponse(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	d := r.EngagementDetails
	fmt.Println(r.Status, r.PageID, d.CampaignID, d.EngagementID, d.SkillID, d.ValidForSeconds)

	_, err = core.ParseResponse(map[string]any{"status": "Available", "sessionId": "abc", "visitorId": "xyz", "pageId": "1"})
	fmt.Println(err)
	// Output:
	// Available 4743822558 3346848610 3562981110 23 900
	// appengage: server: malformed response: engagementDetails: is required when status is Available
}
