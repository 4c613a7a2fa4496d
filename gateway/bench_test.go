package gateway_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/gateway"
)

// BenchmarkCreateSession is the gateway's own work for one Create Session with reused ids
// (decode, validate, build the upstream call, encode the answer), with an upstream that
// answers at once: the part of the per-request cost that is Go, not transport.
func BenchmarkCreateSession(b *testing.B) {
	answer := map[string]any{"status": "Available", "visitorId": "v1", "sessionId": "s1", "pageId": "4743822558",
		"engagementDetails": map[string]any{"campaignId": "3346848610", "engagementId": "3562981110", "contextId": "1",
			"windowId": "3346847910", "language": "en-US", "engagementRevision": 44.0, "validForSeconds": 900.0, "skillId": 23.0, "skillName": "TestSkill"}}
	h, err := gateway.New(gateway.Config{
		Upstream: "https://msdkgw.test.invalid", Accounts: []string{account}, VisitorCap: 60,
		Transport: core.TransportFunc(func(context.Context, core.WireRequest) (core.WireResponse, error) {
			return core.WireResponse{Status: 200, Body: answer}, nil
		}),
	})
	if err != nil {
		b.Fatal(err)
	}
	body := `{"appType":"EXTERNAL","appDetails":{"os":"LINUX","osVersion":"6.1","appVersion":"3.2.0","deviceFamily":"DESKTOP"},"consumerSections":["launcher"],"engagementAttributes":[{"type":"ctmrinfo","info":{"ctype":"gold","customerId":"c-991"}}]}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/api/account/"+account+"/app/engagement/visitors/v1?v=1.0&sid=s1", strings.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}
