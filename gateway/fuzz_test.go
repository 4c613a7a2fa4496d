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

// FuzzHandler sends arbitrary methods, paths, bodies and steering headers to the gateway and
// checks that it never fails internally and that whatever it forwards goes to the configured
// upstream, for the allowed account, on the msdkgw path only: it is no open proxy.
func FuzzHandler(f *testing.F) {
	f.Add("POST", "/api/account/12345678/app/engagement/visitors/?v=1.0", `{"appType":"EXTERNAL"}`, "")
	f.Add("POST", "/api/account/12345678/app/engagement/visitors/abc?v=1.0&sid=def", seedBody, "evil.example")
	f.Add("PUT", "/api/account/12345678/app/engagement/visitors/abc?v=1.0&sid=def", `{"pageId":"1","impAttributes":[{"type":"impClose","campaign":1,"engId":2,"revision":3}]}`, "")
	f.Add("GET", "/api/account/12345678/service/msdkgw/baseURI.json?version=1.0", "", "")
	f.Add("POST", "/api/account/12345678/app/engagement/visitors/%2F%2Fevil.example?v=1.0", `{}`, "evil.example")
	f.Add("POST", "//evil.example/api/account/12345678/app/engagement/visitors/?v=1.0", `[]`, "")
	f.Add("OPTIONS", "/api/account/999/app/engagement/visitors/?v=1", `{"engagementAttributes":[{"type":"cart","total":"x"}]}`, "")
	const upstream = "https://msdkgw.test.invalid"
	f.Fuzz(func(t *testing.T, method, target, body, steer string) {
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		req, err := http.NewRequest(method, "http://gateway.test"+target, strings.NewReader(body))
		if err != nil {
			return // not an HTTP request a server could receive
		}
		req.Header.Set("X-Forwarded-Host", steer)
		req.Header.Set("Origin", "https://app.example.com")
		var forwarded []core.WireRequest
		h, err := gateway.New(gateway.Config{
			Upstream:   upstream,
			Accounts:   []string{account},
			Origins:    []string{"https://app.example.com"},
			VisitorCap: 5,
			Transport: core.TransportFunc(func(_ context.Context, w core.WireRequest) (core.WireResponse, error) {
				forwarded = append(forwarded, w)
				if w.Method == "PUT" {
					return core.WireResponse{Status: 200, Body: map[string]any{}}, nil
				}
				return core.WireResponse{Status: 200, Body: map[string]any{"status": "NotAvailable", "visitorId": "v1", "sessionId": "s1", "pageId": "1"}}, nil
			}),
		})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == http.StatusInternalServerError {
			t.Fatalf("%s %q: internal error: %s", method, target, rec.Body.String())
		}
		prefix := upstream + "/api/account/" + account + "/app/engagement/visitors/"
		for _, w := range forwarded {
			if !strings.HasPrefix(w.URL, prefix) {
				t.Fatalf("%s %q forwarded to %q", method, target, w.URL)
			}
			if rest := w.URL[len(prefix):]; strings.ContainsAny(strings.SplitN(rest, "?", 2)[0], "/\\") {
				t.Fatalf("%s %q forwarded to another path: %q", method, target, w.URL)
			}
		}
	})
}
