package core_test

import (
	"context"
	"fmt"
	"time"

	"github.com/appengage/appengage/core"
)

// cannedLivePerson stands in for nethttp.New(): it answers CSDS and Create Session the way
// LivePerson documents them, and Update Session with an empty entity.
var cannedLivePerson = core.TransportFunc(func(ctx context.Context, req core.WireRequest) (core.WireResponse, error) {
	switch req.Method {
	case "GET": // CSDS
		return core.WireResponse{Status: 200, Body: map[string]any{
			"service": "msdkgw", "account": "12345678", "baseURI": "va.v.liveperson.net"}}, nil
	case "PUT":
		return core.WireResponse{Status: 200, Body: map[string]any{}}, nil
	}
	return core.WireResponse{Status: 200, Body: map[string]any{
		"status": "Available", "sessionId": "abc", "visitorId": "xyz", "pageId": "4743822558",
		"engagementDetails": map[string]any{
			"campaignId": "3346848610", "engagementId": "3562981110", "contextId": "1",
			"windowId": "3346847910", "language": "en-US", "engagementRevision": 44.0,
			"validForSeconds": 900.0, "skillId": 23.0, "skillName": "TestSkill",
		},
	}}, nil
})

func ExampleNewClient() {
	// Natively the transport is nethttp.New(); Domain "" finds the msdkgw host through CSDS.
	c, err := core.NewClient(core.Config{AccountID: "12345678", Transport: cannedLivePerson})
	fmt.Println(c != nil, err)

	// A bad configuration names every field at fault.
	_, err = core.NewClient(core.Config{AccountID: "12-34", Domain: "http://va.v.liveperson.net"})
	fmt.Println(err)
	// Output:
	// true <nil>
	// appengage: validation: invalid client configuration; accountId: must be 1 to 20 characters of A-Z, a-z, 0-9 and _; domain: plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost): use https; transport: is required (nethttp.New() in Go, the fetch transport in JS)
}

func ExampleClient_GetEngagement() {
	c, err := core.NewClient(core.Config{AccountID: "12345678", Transport: cannedLivePerson})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// The JS getEngagement object, as ParseRequest reads it (vid/sid may be left out: the
	// client reuses the stored ones).
	req, err := core.ParseRequest(map[string]any{
		"appType":          "EXTERNAL",
		"consumerSections": []any{"Support", "English"},
		"engagementAttributes": []any{map[string]any{
			"type": "personal", "personal": map[string]any{"firstname": "test", "gender": "FEMALE"},
		}},
	})
	if err != nil {
		panic(err)
	}
	resp, err := c.GetEngagement(ctx, req)
	if err != nil {
		fmt.Println("failed:", core.ErrorCode(err), err)
		return
	}
	fmt.Println(resp.Status, resp.EngagementDetails.EngagementID, resp.EngagementDetails.ValidForSeconds)

	s, _ := c.Session(ctx)
	fmt.Printf("reused next time: vid=%s sid=%s page=%s\n", s.VisitorID, s.SessionID, s.PageID)

	// Report that the button was shown, on the same session and page.
	display, _ := core.Impression("impDisplay", *resp.EngagementDetails)
	err = c.UpdateSession(ctx, core.UpdateRequest{ImpAttributes: []core.Attribute{display}})
	fmt.Println("impression sent:", err == nil)
	// Output:
	// Available 3562981110 900
	// reused next time: vid=xyz sid=abc page=4743822558
	// impression sent: true
}

func ExampleClient_Watch() {
	c, _ := core.NewClient(core.Config{AccountID: "12345678", Domain: "va.v.liveperson.net", Transport: cannedLivePerson})
	changes := make(chan core.Response, 1)
	stop := c.Watch(context.Background(), core.Request{}, core.WatchOptions{Interval: time.Minute},
		func(r core.Response, err error) {
			if err == nil {
				changes <- r
			}
		})
	defer stop()
	fmt.Println((<-changes).Status)
	// Output:
	// Available
}
