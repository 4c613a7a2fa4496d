package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/gateway"
	"github.com/appengage/appengage/nethttp"
	"github.com/appengage/appengage/sim"
)

const account = "12345678"

// seedBody is the body of LivePerson's documented getEngagement example (vid 123 and sid
// 456 travel in the URL).
const seedBody = `{
    "appType": "EXTERNAL",
    "appDetails": {"os": "MAC_OSX", "osVersion": "1.2", "appVersion": "1.0", "deviceFamily": "MOBILE", "ipAddress": "192.168.5.2"},
    "consumerSections": ["Support", "English", "Other"],
    "engagementAttributes": [{
        "type": "personal",
        "personal": {
            "contacts": [{"email": "test.com", "phone": "12345678"}, {"email": "test2.co.il", "phone": "98765430"}],
            "age": {"age": 30.0, "year": 1985, "month": 7, "day": 22},
            "firstname": "test", "lastname": "test2", "gender": "FEMALE", "company": "liveperson"
        }
    }]
}`

// env is a gateway in front of an in-process simulator, both on 127.0.0.1.
type env struct {
	sim     *sim.Server
	simURL  string
	gateway *httptest.Server
	sent    atomic.Int64 // exchanges the gateway made upstream (CSDS included)
}

func newEnv(t *testing.T, edit func(*gateway.Config)) *env {
	t.Helper()
	s, err := sim.New(sim.Options{})
	require.NoError(t, err)
	upstream := httptest.NewServer(s)
	t.Cleanup(upstream.Close)
	e := &env{sim: s, simURL: upstream.URL}
	inner := gateway.NewNativeTransport()
	cfg := gateway.Config{
		Upstream:   upstream.URL,
		Accounts:   []string{account},
		Origins:    []string{"https://app.example.com"},
		VisitorCap: 0,
		Transport: core.TransportFunc(func(ctx context.Context, req core.WireRequest) (core.WireResponse, error) {
			e.sent.Add(1)
			return inner.Do(ctx, req)
		}),
	}
	if edit != nil {
		edit(&cfg)
	}
	h, err := gateway.New(cfg)
	require.NoError(t, err)
	e.gateway = httptest.NewServer(h)
	t.Cleanup(e.gateway.Close)
	return e
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func (e *env) do(t *testing.T, method, path, body string, header map[string]string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.gateway.URL+path, rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, header: resp.Header}
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &a.body), "body %q", raw)
	}
	return a
}

func visitors(vid, sid string) string {
	p := "/api/account/" + account + "/app/engagement/visitors/" + vid + "?v=1.0"
	if sid != "" {
		p += "&sid=" + sid
	}
	return p
}

func TestSeedExamplePassesThrough(t *testing.T) {
	e := newEnv(t, nil)
	a := e.do(t, "POST", visitors("123", "456"), seedBody, nil)
	require.Equal(t, 200, a.status, "%v", a.body)
	assert.Equal(t, "Available", a.body["status"])
	assert.NotEmpty(t, a.body["visitorId"])
	assert.NotEmpty(t, a.body["pageId"])
	details, ok := a.body["engagementDetails"].(map[string]any)
	require.True(t, ok)
	assert.Equal(t, "3346848610", details["campaignId"])
	assert.Equal(t, float64(900), details["validForSeconds"])

	st := e.sim.Stats(account)
	assert.Equal(t, 1, st.CreateCalls)
	assert.Equal(t, 1, st.SDETypes["personal"])

	// The same visit again: ids reused, no new visitor.
	vid, sid := a.body["visitorId"].(string), a.body["sessionId"].(string)
	b := e.do(t, "POST", visitors(vid, sid), `{"appType":"EXTERNAL"}`, nil)
	require.Equal(t, 200, b.status)
	assert.Equal(t, vid, b.body["visitorId"])
	assert.Equal(t, sid, b.body["sessionId"])
	assert.Equal(t, 1, e.sim.Stats(account).Visitors)
}

func TestUpdateSession(t *testing.T) {
	e := newEnv(t, nil)
	a := e.do(t, "POST", visitors("", ""), `{"appType":"EXTERNAL"}`, nil)
	require.Equal(t, 200, a.status)
	vid, sid, page := a.body["visitorId"].(string), a.body["sessionId"].(string), a.body["pageId"].(string)
	upd := `{"pageId":"` + page + `","impAttributes":[{"type":"impDisplay","campaign":3346848610,"engId":3562981110,"revision":44,"eContext":[{"type":"engagementContext","id":"1"}]}],` +
		`"engagementAttributes":[{"type":"lead","lead":{"topic":"upgrade","value":49.5,"leadId":"L-17"}}]}`
	for name, call := range map[string]func() answer{
		"PUT": func() answer { return e.do(t, "PUT", visitors(vid, sid), upd, nil) },
		"POST + override": func() answer {
			return e.do(t, "POST", visitors(vid, sid), upd, map[string]string{"X-HTTP-Method-Override": "PUT"})
		},
	} {
		t.Run(name, func(t *testing.T) {
			b := call()
			require.Equal(t, 200, b.status, "%v", b.body)
			assert.Empty(t, b.body)
		})
	}
	st := e.sim.Stats(account)
	assert.Equal(t, 2, st.UpdateCalls)
	assert.Equal(t, 2, st.Impressions["impDisplay"])
}

func TestBadInputIsAnsweredAtTheEdge(t *testing.T) {
	big := `{"appType":"EXTERNAL","consumerSections":["` + strings.Repeat("x", 70<<10) + `"]}`
	cases := []struct {
		name, method, path, body string
		status, code             int
		message                  string
	}{
		{"bad enum", "POST", visitors("", ""), `{"appType":"EXTERNAL","appDetails":{"os":"BEOS"}}`, 400, 5, "appDetails.os"},
		{"impression as SDE", "POST", visitors("", ""), `{"engagementAttributes":[{"type":"impDisplay"}]}`, 400, 5, "engagementAttributes[0]"},
		{"not JSON", "POST", visitors("", ""), `{"appType":`, 400, 5, "not valid JSON"},
		{"no body", "POST", visitors("", ""), ``, 400, 5, "required"},
		{"vid in body", "POST", visitors("", ""), `{"vid":"abc"}`, 400, 5, "vid"},
		{"malformed vid", "POST", visitors("bad%20vid", ""), `{}`, 401, 37, "visitor"},
		{"malformed sid", "POST", visitors("abc", "bad%21%21"), `{}`, 401, 39, "session"},
		{"update without sid", "PUT", visitors("abc", ""), `{"pageId":"1"}`, 401, 39, "session"},
		{"update without pageId", "PUT", visitors("abc", "def"), `{}`, 400, 5, "pageId"},
		{"version", "POST", "/api/account/" + account + "/app/engagement/visitors/?v=2.0", `{}`, 400, 33, "Illegal Version"},
		{"oversized body", "POST", visitors("", ""), big, 413, 5, "larger than"},
		{"refused account", "POST", "/api/account/999/app/engagement/visitors/?v=1.0", `{}`, 403, 0, "not served"},
		{"malformed account", "POST", "/api/account/a-b/app/engagement/visitors/?v=1.0", `{}`, 400, 5, "accountId"},
		{"unknown path", "GET", "/api/other", ``, 404, 0, "no such endpoint"},
		{"wrong method", "DELETE", visitors("abc", "def"), ``, 405, 0, "POST"},
	}
	e := newEnv(t, nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := e.do(t, tc.method, tc.path, tc.body, nil)
			assert.Equal(t, tc.status, a.status, "%v", a.body)
			assert.Equal(t, float64(tc.code), a.body["internalCode"])
			assert.Contains(t, a.body["message"], tc.message)
			assert.NotZero(t, a.body["time"])
		})
	}
	assert.Zero(t, e.sent.Load(), "bad input must never be forwarded")
}

func TestCORS(t *testing.T) {
	e := newEnv(t, nil)
	pre := map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"}
	a := e.do(t, "OPTIONS", visitors("abc", "def"), "", pre)
	assert.Equal(t, 204, a.status)
	assert.Equal(t, "https://app.example.com", a.header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, a.header.Get("Access-Control-Allow-Methods"), "POST")
	assert.Contains(t, a.header.Get("Access-Control-Allow-Headers"), "X-HTTP-Method-Override")

	b := e.do(t, "POST", visitors("", ""), `{}`, map[string]string{"Origin": "https://app.example.com"})
	assert.Equal(t, 200, b.status)
	assert.Equal(t, "https://app.example.com", b.header.Get("Access-Control-Allow-Origin"))

	pre["Origin"] = "https://evil.example"
	c := e.do(t, "OPTIONS", visitors("abc", "def"), "", pre)
	assert.Equal(t, 403, c.status)
	assert.Empty(t, c.header.Get("Access-Control-Allow-Origin"))
	d := e.do(t, "POST", visitors("", ""), `{}`, map[string]string{"Origin": "https://evil.example"})
	assert.Equal(t, 403, d.status)
	assert.Equal(t, 1, e.sim.Stats(account).CreateCalls, "the refused origin's request was not forwarded")
}

func TestVisitorCap(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var clock atomic.Int64
	clock.Store(now.UnixNano())
	e := newEnv(t, func(c *gateway.Config) {
		c.VisitorCap = 2
		c.ClientIPHeader = "CF-Connecting-IP"
		c.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	})
	ip := map[string]string{"CF-Connecting-IP": "203.0.113.9"}
	for i := 0; i < 2; i++ {
		a := e.do(t, "POST", visitors("", ""), `{}`, ip)
		require.Equal(t, 200, a.status)
	}
	a := e.do(t, "POST", visitors("", ""), `{}`, ip)
	assert.Equal(t, 429, a.status)
	assert.Equal(t, "60", a.header.Get("Retry-After"))
	// Inventing a vid does not get round the cap once it is reached.
	b := e.do(t, "POST", visitors("madeup1", ""), `{}`, ip)
	assert.Equal(t, 429, b.status)
	// Another client is not affected.
	c := e.do(t, "POST", visitors("", ""), `{}`, map[string]string{"CF-Connecting-IP": "203.0.113.10"})
	assert.Equal(t, 200, c.status)
	assert.Equal(t, 3, e.sim.Stats(account).Visitors)

	clock.Add(int64(61 * time.Second))
	d := e.do(t, "POST", visitors("", ""), `{}`, ip)
	assert.Equal(t, 200, d.status, "a new window admits the client again")
}

func TestInventedVisitorIdsAreCharged(t *testing.T) {
	e := newEnv(t, func(c *gateway.Config) { c.VisitorCap = 2 })
	for i, vid := range []string{"invented1", "invented2"} {
		a := e.do(t, "POST", visitors(vid, ""), `{}`, nil)
		require.Equal(t, 200, a.status, "call %d", i)
	}
	a := e.do(t, "POST", visitors("invented3", ""), `{}`, nil)
	assert.Equal(t, 429, a.status, "two visitors created through unknown vids used up the cap")
	assert.Equal(t, 2, e.sim.Stats(account).Visitors)
}

func TestUpstreamFailuresArePassedThroughAfterOneAttempt(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.sim.SetScenario(account, sim.Scenario{FailCalls: 10, FailStatus: 503})
	require.NoError(t, err)
	b := e.do(t, "POST", visitors("", ""), `{}`, nil)
	assert.Equal(t, 503, b.status, "the upstream's status is relayed")
	assert.Equal(t, float64(18), b.body["internalCode"])
	assert.Contains(t, b.body["message"], "scripted by the simulator", "the upstream's own error body")
	assert.Equal(t, 1, e.sim.Stats(account).CreateCalls, "one upstream attempt: the client retries")

	_, err = e.sim.SetScenario(account, sim.Scenario{LoadingCalls: 10})
	require.NoError(t, err)
	c := e.do(t, "POST", visitors("", ""), `{}`, nil)
	assert.Equal(t, 500, c.status)
	assert.Equal(t, float64(20), c.body["internalCode"])
	assert.Regexp(t, `^Loading account: 12345678, vid: \S+$`, c.body["message"], "the vid the client's retry must use")
	assert.Equal(t, 2, e.sim.Stats(account).CreateCalls)
}

func TestNonJSONUpstreamBodiesAreReplaced(t *testing.T) {
	bodies := map[string]string{
		"html":                          "<html><body>502 Bad Gateway from lb-17.internal.example.net</body></html>",
		"stack trace":                   "java.lang.NullPointerException\n\tat com.liveperson.msdkgw.Engagement.get(Engagement.java:88)",
		"json array":                    `["internal"]`,
		"json object without the shape": `{"trace":"at com.liveperson.internal"}`,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte(body))
			}))
			defer up.Close()
			e := newEnv(t, func(c *gateway.Config) { c.Upstream = up.URL })
			a := e.do(t, "POST", visitors("", ""), `{}`, nil)
			assert.Equal(t, 503, a.status)
			assert.Equal(t, float64(18), a.body["internalCode"])
			assert.Equal(t, "upstream answered HTTP 503 without an error body", a.body["message"])
			assert.NotZero(t, a.body["time"])
		})
	}
}

func TestUpstreamCannotBeSteered(t *testing.T) {
	var decoyHits atomic.Int64
	decoy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		decoyHits.Add(1)
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"status":"Available","visitorId":"evil","sessionId":"evil","pageId":"1"}`))
	}))
	defer decoy.Close()
	decoyHost := strings.TrimPrefix(decoy.URL, "http://")
	e := newEnv(t, nil)
	steer := []struct {
		name, path string
		header     map[string]string
	}{
		{"Host header", visitors("", ""), map[string]string{"Host": decoyHost}},
		{"forwarding headers", visitors("", ""), map[string]string{"X-Forwarded-Host": decoyHost, "Forwarded": "host=" + decoyHost}},
		{"query", visitors("", "") + "&domain=" + decoy.URL + "&baseURI=" + decoyHost, nil},
		{"encoded path", "/api/account/" + account + "/app/engagement/visitors/%2F%2F" + decoyHost + "?v=1.0", nil},
	}
	for _, s := range steer {
		t.Run(s.name, func(t *testing.T) {
			a := e.do(t, "POST", s.path, `{}`, s.header)
			assert.NotEqual(t, "evil", a.body["visitorId"])
		})
	}
	assert.Zero(t, decoyHits.Load())
	assert.Equal(t, 3, e.sim.Stats(account).CreateCalls)
}

func TestCSDSResolutionIsCachedAndServed(t *testing.T) {
	var simURL string
	e := newEnv(t, func(c *gateway.Config) { c.Upstream = "" })
	simURL = e.simURL
	// Point the gateway at the simulator's CSDS (set after the simulator started).
	cfg := gateway.Config{CSDS: simURL, Accounts: []string{account}, Transport: core.TransportFunc(func(ctx context.Context, req core.WireRequest) (core.WireResponse, error) {
		e.sent.Add(1)
		return nethttp.New().Do(ctx, req)
	})}
	h, err := gateway.New(cfg)
	require.NoError(t, err)
	gw := httptest.NewServer(h)
	defer gw.Close()
	e.gateway = gw
	for i := 0; i < 3; i++ {
		a := e.do(t, "POST", visitors("", ""), `{}`, nil)
		require.Equal(t, 200, a.status, "%v", a.body)
	}
	st := e.sim.Stats(account)
	assert.Equal(t, 1, st.CSDSCalls, "one CSDS lookup serves later requests")
	assert.Equal(t, 3, st.CreateCalls)

	// The gateway's own Domain API names the gateway.
	host := strings.TrimPrefix(gw.URL, "http://")
	a := e.do(t, "GET", "/api/account/"+account+"/service/msdkgw/baseURI.json?version=1.0", "", nil)
	assert.Equal(t, map[string]any{"service": "msdkgw", "account": account, "baseURI": host}, a.body)
	b := e.do(t, "GET", "/api/account/"+account+"/service/baseURI.json?version=1.0", "", nil)
	assert.Len(t, b.body["baseURIs"], 1)
	c := e.do(t, "GET", "/api/account/999/service/msdkgw/baseURI.json?version=1.0", "", nil)
	assert.Equal(t, 403, c.status)
}

func TestConfigFromEnv(t *testing.T) {
	vars := map[string]string{
		gateway.EnvAccounts:    " 123, abc_9 ",
		gateway.EnvOrigins:     "https://a.example,http://127.0.0.1:8080",
		gateway.EnvVisitorCap:  "0",
		gateway.EnvRetryDelays: "none",
		gateway.EnvStrict:      "true",
		gateway.EnvMaxBody:     "1024",
	}
	cfg, err := gateway.ConfigFromEnv(func(k string) string { return vars[k] }, gateway.DefaultClientIPHeader)
	require.NoError(t, err)
	assert.Equal(t, []string{"123", "abc_9"}, cfg.Accounts)
	assert.Len(t, cfg.Origins, 2)
	assert.Zero(t, cfg.VisitorCap)
	assert.True(t, cfg.Strict)
	assert.Equal(t, int64(1024), cfg.MaxBodyBytes)
	assert.Equal(t, gateway.DefaultClientIPHeader, cfg.ClientIPHeader)

	def, err := gateway.ConfigFromEnv(func(string) string { return "" }, "")
	require.NoError(t, err)
	assert.Equal(t, gateway.DefaultVisitorCap, def.VisitorCap)
	assert.False(t, def.Strict)
	assert.Equal(t, 25*time.Second, def.Deadline)

	bad := map[string]string{gateway.EnvVisitorCap: "-1", gateway.EnvRetryDelays: "5s,10s,15s", gateway.EnvDeadline: "x",
		gateway.EnvStrict: "maybe", gateway.EnvMaxBody: "9223372036854775807", gateway.EnvAttemptTimeout: "2h", gateway.EnvDomainTTL: "-1s"}
	_, err = gateway.ConfigFromEnv(func(k string) string { return bad[k] }, "")
	require.Error(t, err)
	for name := range bad {
		assert.Contains(t, err.Error(), name)
	}
	huge := map[string]string{gateway.EnvVisitorCap: "99999999999999999999"}
	_, err = gateway.ConfigFromEnv(func(k string) string { return huge[k] }, "")
	assert.ErrorContains(t, err, gateway.EnvVisitorCap)

	_, err = gateway.New(gateway.Config{Accounts: []string{"not valid!"}, Upstream: "ftp://x", Origins: []string{"example.com"}})
	require.Error(t, err)
	for _, s := range []string{"Transport", gateway.EnvAccounts, gateway.EnvUpstream, gateway.EnvOrigins} {
		assert.Contains(t, err.Error(), s)
	}
}

func TestLargeIDsStayExact(t *testing.T) {
	// json.Number keeps a 19-digit SDE value exact on its way through the gateway.
	var got any
	s, err := sim.New(sim.Options{OnRequest: func(r sim.Received) { got = r.Body }})
	require.NoError(t, err)
	up := httptest.NewServer(s)
	defer up.Close()
	h, err := gateway.New(gateway.Config{Upstream: up.URL, Accounts: []string{"*"}, Transport: nethttp.New()})
	require.NoError(t, err)
	gw := httptest.NewServer(h)
	defer gw.Close()
	body := `{"appType":"EXTERNAL","engagementAttributes":[{"type":"cart","total":1.5,"numItems":1,"products":[{"product":{"name":"x","sku":"9007199254740993123"}}]}]}`
	resp, err := http.Post(gw.URL+visitors("", ""), "application/json", bytes.NewReader([]byte(body)))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	raw, _ := json.Marshal(got)
	assert.Contains(t, string(raw), `"total":1.5`)
	assert.Contains(t, string(raw), `"sku":"9007199254740993123"`)
}

func TestHealthCountsRequests(t *testing.T) {
	e := newEnv(t, nil)
	a := e.do(t, "GET", gateway.HealthPath, "", nil)
	require.Equal(t, 200, a.status)
	b := e.do(t, "GET", gateway.HealthPath, "", nil)
	assert.Equal(t, "ok", b.body["status"])
	assert.Equal(t, a.body["served"].(float64)+1, b.body["served"])
	assert.Greater(t, b.body["goMemoryBytes"], float64(0))
}

func TestUpstreamRedirectsAreNotFollowed(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	defer redirecting.Close()
	h, err := gateway.New(gateway.Config{Upstream: redirecting.URL, Accounts: []string{account}, Transport: gateway.NewNativeTransport()})
	require.NoError(t, err)
	gw := httptest.NewServer(h)
	defer gw.Close()
	resp, err := http.Post(gw.URL+visitors("", ""), "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	assert.Zero(t, elsewhere.Load())
}

func TestUpstreamRateLimitIsRelayedWithRetryAfter(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.sim.SetScenario(account, sim.Scenario{RateLimitCalls: 10, RetryAfterSeconds: 1})
	require.NoError(t, err)
	a := e.do(t, "POST", visitors("", ""), `{}`, nil)
	assert.Equal(t, 429, a.status, "%v", a.body)
	assert.Equal(t, "1", a.header.Get("Retry-After"))
}

func TestUpstreamUnreachableOrSlow(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	down := newEnv(t, func(c *gateway.Config) { c.Upstream = closedURL })
	a := down.do(t, "POST", visitors("", ""), `{}`, nil)
	assert.Equal(t, http.StatusBadGateway, a.status, "%v", a.body)
	assert.Equal(t, "upstream unreachable", a.body["message"])
	assert.Equal(t, int64(1), down.sent.Load(), "one attempt: the client retries")

	slow := newEnv(t, func(c *gateway.Config) { c.AttemptTimeout = 50 * time.Millisecond })
	_, err := slow.sim.SetScenario(account, sim.Scenario{DelayMs: 2000})
	require.NoError(t, err)
	b := slow.do(t, "POST", visitors("", ""), `{}`, nil)
	assert.Equal(t, http.StatusGatewayTimeout, b.status, "%v", b.body)
}

// TestVisitorCapHoldsUnderConcurrency: 60 concurrent Create Sessions with invented vids from
// one client must not create more visitors than the cap (the slot is reserved before the
// request is forwarded).
func TestVisitorCapHoldsUnderConcurrency(t *testing.T) {
	const cap, n = 5, 60
	for _, invented := range []bool{true, false} {
		t.Run(map[bool]string{true: "invented vids", false: "no vid"}[invented], func(t *testing.T) {
			e := newEnv(t, func(c *gateway.Config) { c.VisitorCap = cap })
			_, err := e.sim.SetScenario(account, sim.Scenario{DelayMs: 50}) // requests overlap upstream
			require.NoError(t, err)
			var wg sync.WaitGroup
			statuses := make([]int, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					vid := ""
					if invented {
						vid = fmt.Sprintf("invented%d", i)
					}
					statuses[i] = e.do(t, "POST", visitors(vid, ""), `{}`, nil).status
				}()
			}
			wg.Wait()
			ok := 0
			for _, s := range statuses {
				if s == 200 {
					ok++
				} else {
					assert.Equal(t, 429, s)
				}
			}
			assert.LessOrEqual(t, e.sim.Stats(account).Visitors, cap, "visitors created past the cap")
			assert.LessOrEqual(t, ok, cap)
			assert.Greater(t, ok, 0)
		})
	}
}

// TestReturningVisitorsDoNotUseTheCap: a request whose vid the upstream knows gives its
// reserved slot back.
func TestReturningVisitorsDoNotUseTheCap(t *testing.T) {
	e := newEnv(t, func(c *gateway.Config) { c.VisitorCap = 2 })
	a := e.do(t, "POST", visitors("", ""), `{}`, nil)
	require.Equal(t, 200, a.status)
	vid, sid := a.body["visitorId"].(string), a.body["sessionId"].(string)
	for i := 0; i < 10; i++ {
		b := e.do(t, "POST", visitors(vid, sid), `{}`, nil)
		require.Equal(t, 200, b.status, "call %d: %v", i, b.body)
	}
	c := e.do(t, "POST", visitors("", ""), `{}`, nil)
	assert.Equal(t, 200, c.status, "the second new visitor still fits")
	d := e.do(t, "POST", visitors("", ""), `{}`, nil)
	assert.Equal(t, 429, d.status)
}

// TestSlowBodyIsTimedOut: a body trickled in (1 byte every 5 s) is cut off at the body
// deadline with 408, and nothing is forwarded.
func TestSlowBodyIsTimedOut(t *testing.T) {
	e := newEnv(t, func(c *gateway.Config) { c.BodyTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.gateway.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", visitors("", ""))
	require.NoError(t, err)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Second):
				_, _ = conn.Write([]byte(" "))
			}
		}
	}()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(30*time.Second))) // a guard, not the assertion
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	assert.Equal(t, float64(5), body["internalCode"])
	assert.Zero(t, e.sent.Load())
}

// TestLogsCarryNoIdsOrURLs captures the gateway's log through every path that logs and
// looks for the ids and the upstream URL.
func TestLogsCarryNoIdsOrURLs(t *testing.T) {
	const vid, sid = "VisitorSecret123", "SessionSecret456"
	var mu sync.Mutex
	var lines []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	slow := newEnv(t, func(c *gateway.Config) { c.Logf = logf; c.AttemptTimeout = 50 * time.Millisecond })
	_, err := slow.sim.SetScenario(account, sim.Scenario{DelayMs: 1000})
	require.NoError(t, err)
	slow.do(t, "POST", visitors(vid, sid), `{}`, nil)
	down := newEnv(t, func(c *gateway.Config) { c.Logf = logf; c.Upstream = closedURL })
	down.do(t, "POST", visitors(vid, sid), `{}`, nil)
	down.do(t, "PUT", visitors(vid, sid), `{"pageId":"1"}`, nil)
	failing := newEnv(t, func(c *gateway.Config) { c.Logf = logf })
	_, err = failing.sim.SetScenario(account, sim.Scenario{FailCalls: 5, FailStatus: 503})
	require.NoError(t, err)
	failing.do(t, "POST", visitors(vid, sid), `{}`, nil)
	failing.do(t, "POST", visitors(vid, sid), `{}`, map[string]string{"Origin": "https://evil.example"})
	capped := newEnv(t, func(c *gateway.Config) { c.Logf = logf; c.VisitorCap = 1 })
	capped.do(t, "POST", visitors("", ""), `{}`, nil)
	capped.do(t, "POST", visitors(vid, sid), `{}`, nil)
	csds := newEnv(t, func(c *gateway.Config) { c.Logf = logf; c.Upstream = ""; c.CSDS = closedURL })
	csds.do(t, "POST", visitors(vid, sid), `{}`, nil)

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, lines)
	hostOf := func(u string) string { return strings.TrimPrefix(u, "http://") }
	for _, l := range lines {
		for _, secret := range []string{vid, sid, "/visitors", hostOf(slow.simURL), hostOf(closedURL), "http://"} {
			assert.NotContains(t, l, secret, "log line %q", l)
		}
	}
}

// TestDotSegmentVisitorIdsAreRefused: "." and ".." as vid (encoded, so that no client or
// proxy resolved them first) never reach the upstream, where they would move the path.
func TestDotSegmentVisitorIdsAreRefused(t *testing.T) {
	e := newEnv(t, nil)
	for _, vid := range []string{"%2E", "%2E%2E", ".%2E", "%2e%2e"} {
		for _, method := range []string{"POST", "PUT"} {
			body := `{}`
			if method == "PUT" {
				body = `{"pageId":"1"}`
			}
			a := e.do(t, method, "/api/account/"+account+"/app/engagement/visitors/"+vid+"?v=1.0&sid=s1", body, nil)
			assert.Equal(t, 401, a.status, "%s %s: %v", method, vid, a.body)
			assert.Equal(t, float64(37), a.body["internalCode"])
		}
	}
	a := e.do(t, "POST", visitors("v1", ".."), `{}`, nil)
	assert.Equal(t, 401, a.status)
	assert.Zero(t, e.sent.Load())
}

// TestStrictSetting: unknown request fields are passed through to the upstream by default
// and refused when the gateway is strict (APPENGAGE_STRICT).
func TestStrictSetting(t *testing.T) {
	var got any
	s, err := sim.New(sim.Options{OnRequest: func(r sim.Received) { got = r.Body }})
	require.NoError(t, err)
	up := httptest.NewServer(s)
	defer up.Close()
	body := `{"appType":"EXTERNAL","appDetails":{"appName":"Trader"}}`
	for _, strict := range []bool{false, true} {
		h, err := gateway.New(gateway.Config{Upstream: up.URL, Accounts: []string{"*"}, Transport: nethttp.New(), Strict: strict})
		require.NoError(t, err)
		gw := httptest.NewServer(h)
		resp, err := http.Post(gw.URL+visitors("", ""), "application/json", strings.NewReader(body))
		require.NoError(t, err)
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		gw.Close()
		if strict {
			assert.Equal(t, 400, resp.StatusCode)
			assert.Contains(t, string(raw), "appDetails.appName")
			continue
		}
		require.Equal(t, 200, resp.StatusCode, string(raw))
		sent, _ := json.Marshal(got)
		assert.Contains(t, string(sent), `"appName":"Trader"`)
	}
}

// TestConcurrentReturningVisitorsAreNotCapped: many concurrent calls of a visitor the
// upstream confirmed take no slot, so they are not refused even past the cap.
func TestConcurrentReturningVisitorsAreNotCapped(t *testing.T) {
	e := newEnv(t, func(c *gateway.Config) { c.VisitorCap = 2 })
	a := e.do(t, "POST", visitors("", ""), `{}`, nil)
	require.Equal(t, 200, a.status)
	vid, sid := a.body["visitorId"].(string), a.body["sessionId"].(string)
	var wg sync.WaitGroup
	statuses := make([]int, 30)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.do(t, "POST", visitors(vid, sid), `{}`, nil).status
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		assert.Equal(t, 200, s, "call %d", i)
	}
	assert.Equal(t, 1, e.sim.Stats(account).Visitors)
}
