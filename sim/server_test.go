package sim_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/sim"
)

func TestCSDS(t *testing.T) {
	s, hs := start(t, sim.Options{Scenarios: map[string]sim.Scenario{
		"listacct":  {CSDS: sim.CSDSList},
		"emptyacct": {CSDS: sim.CSDSEmpty},
	}})
	host := strings.TrimPrefix(hs.URL, "http://")
	entry := func(acct, svc string) any {
		return map[string]any{"service": svc, "account": acct, "baseURI": host}
	}
	tests := []struct {
		name   string
		method string
		path   string
		status int
		want   map[string]any
	}{
		{"msdkgw single object", "GET", "/api/account/12345678/service/msdkgw/baseURI.json?version=1.0", 200,
			map[string]any{"service": "msdkgw", "account": "12345678", "baseURI": host}},
		{"smt single object", "GET", "/api/account/12345678/service/smt/baseURI.json?version=1.0", 200,
			map[string]any{"service": "smt", "account": "12345678", "baseURI": host}},
		{"all services", "GET", "/api/account/12345678/service/baseURI.json?version=1.0", 200,
			map[string]any{"baseURIs": []any{entry("12345678", "msdkgw"), entry("12345678", "smt")}}},
		{"list shape scenario", "GET", "/api/account/listacct/service/msdkgw/baseURI.json?version=1.0", 200,
			map[string]any{"baseURIs": []any{entry("listacct", "msdkgw")}}},
		{"empty scenario", "GET", "/api/account/emptyacct/service/msdkgw/baseURI.json?version=1.0", 200,
			map[string]any{"baseURIs": []any{}}},
		{"any well-formed account is known", "GET", "/api/account/Some_Acct_9/service/msdkgw/baseURI.json", 200,
			map[string]any{"service": "msdkgw", "account": "Some_Acct_9", "baseURI": host}},
		{"unknown service", "GET", "/api/account/12345678/service/nope/baseURI.json?version=1.0", 404, nil},
		{"bad account", "GET", "/api/account/bad-acct/service/msdkgw/baseURI.json?version=1.0", 400, nil},
		{"POST refused", "POST", "/api/account/12345678/service/msdkgw/baseURI.json?version=1.0", 405, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, tt.method, hs.URL+tt.path, nil)
			require.Equal(t, tt.status, a.status, a.raw)
			if tt.want != nil {
				assert.Equal(t, tt.want, a.body)
			} else {
				assert.Len(t, a.body, 3, "error body {time, message, internalCode}: %s", a.raw)
			}
		})
	}
	assert.Equal(t, 4, s.Stats("12345678").CSDSCalls, "every lookup for the account, the unknown service too")
}

func TestCSDSBaseURIOption(t *testing.T) {
	_, hs := start(t, sim.Options{BaseURI: "sim.example:9"})
	a := call(t, "GET", hs.URL+"/api/account/1/service/msdkgw/baseURI.json?version=1.0", nil)
	assert.Equal(t, "sim.example:9", a.body["baseURI"])
}

func TestCreateSessionRefusals(t *testing.T) {
	_, hs := start(t, sim.Options{})
	long := strings.Repeat("a", 129)
	tests := []struct {
		name, acct, vid, query string
		body                   any
		status, internalCode   int
		messageHas             string
	}{
		{"version 2", "1", "", "v=2.0", createBody, 400, 33, "Illegal Version"},
		{"version missing", "1", "", "", createBody, 400, 33, "Illegal Version"},
		{"version twice", "1", "", "v=1.0&v=1.0", createBody, 400, 33, "Illegal Version"},
		{"version text", "1", "", "v=one", createBody, 400, 33, "Illegal Version"},
		{"bad account id", "bad-acct", "", "v=1.0", createBody, 400, 5, "accountId"},
		{"account id too long", strings.Repeat("1", 21), "", "v=1.0", createBody, 400, 5, "accountId"},
		{"malformed vid", "1", "a%20b", "v=1.0", createBody, 401, 37, "vid"},
		{"vid too long", "1", long, "v=1.0", createBody, 401, 37, "vid"},
		{"vid with slash", "1", "a%2Fb", "v=1.0", createBody, 401, 37, "vid"},
		{"malformed sid", "1", "", "v=1.0&sid=a!b", createBody, 401, 39, "sid"},
		{"empty body", "1", "", "v=1.0", nil, 400, 5, "body"},
		{"not JSON", "1", "", "v=1.0", "{appType:", 400, 5, "JSON"},
		{"trailing data", "1", "", "v=1.0", `{"appType":"EXTERNAL"} {}`, 400, 5, "JSON"},
		{"array body", "1", "", "v=1.0", `[]`, 400, 5, "object"},
		{"appType missing", "1", "", "v=1.0", map[string]any{}, 400, 5, "appType"},
		{"appType unknown", "1", "", "v=1.0", map[string]any{"appType": "WEB"}, 400, 5, "appType"},
		{"appType lower case", "1", "", "v=1.0", map[string]any{"appType": "external"}, 400, 5, "appType"},
		{"bad os", "1", "", "v=1.0", map[string]any{"appType": "EXTERNAL", "appDetails": map[string]any{"os": "BEOS"}}, 400, 5, "appDetails.os"},
		{"bad ip", "1", "", "v=1.0", map[string]any{"appType": "EXTERNAL", "appDetails": map[string]any{"ipAddress": "999.1.1.1"}}, 400, 5, "appDetails.ipAddress"},
		{"impression as SDE", "1", "", "v=1.0", map[string]any{"appType": "EXTERNAL",
			"engagementAttributes": []any{map[string]any{"type": "impDisplay"}}}, 400, 5, "engagementAttributes[0]"},
		{"nested field path", "1", "", "v=1.0", map[string]any{"appType": "EXTERNAL",
			"engagementAttributes": []any{map[string]any{"type": "personal", "personal": map[string]any{
				"contacts": []any{map[string]any{"phoneType": "HOME"}, map[string]any{"phoneType": "CAR"}}}}}},
			400, 5, "engagementAttributes[0].personal.contacts[1].phoneType"},
		{"near-miss field", "1", "", "v=1.0", map[string]any{"appType": "EXTERNAL", "consumerSection": []any{}}, 400, 5, "consumerSection"},
		{"vid in body", "1", "", "v=1.0", map[string]any{"appType": "EXTERNAL", "vid": "abc"}, 400, 5, "vid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, "POST", visitorsURL(hs.URL, tt.acct, tt.vid, tt.query), tt.body)
			body := requireErrorBody(t, a, tt.status, tt.internalCode)
			assert.Contains(t, body["message"], tt.messageHas)
		})
	}
}

func TestCreateSessionAcceptsVersionSpellings(t *testing.T) {
	_, hs := start(t, sim.Options{})
	for _, v := range []string{"1.0", "1", "1.00"} {
		a := call(t, "POST", visitorsURL(hs.URL, "1", "", "v="+v), createBody)
		assert.Equal(t, 200, a.status, "v=%s: %s", v, a.raw)
	}
}

func TestCreateSessionAnswerShape(t *testing.T) {
	_, hs := start(t, sim.Options{Scenarios: map[string]sim.Scenario{
		"auth": {Engagement: &sim.Engagement{CampaignID: "99", ConnectorID: "4242", SkillID: 7, SkillName: "Billing"}},
		"off":  {Availability: sim.NotAvailable},
	}})
	t.Run("Available like the documented example", func(t *testing.T) {
		b := create(t, hs.URL, "12345678", "", "")
		assert.Equal(t, "Available", b["status"])
		for _, k := range []string{"visitorId", "sessionId", "pageId"} {
			assert.IsType(t, "", b[k], k)
		}
		assert.Equal(t, map[string]any{
			"campaignId": "3346848610", "engagementId": "3562981110", "contextId": "1", "windowId": "3346847910",
			"language": "en-US", "engagementRevision": float64(44), "validForSeconds": float64(900),
			"skillId": float64(23), "skillName": "TestSkill",
		}, b["engagementDetails"])
	})
	t.Run("authenticated engagement carries connectorId", func(t *testing.T) {
		d := create(t, hs.URL, "auth", "", "")["engagementDetails"].(map[string]any)
		assert.Equal(t, "99", d["campaignId"])
		assert.Equal(t, "4242", d["connectorId"])
		assert.Equal(t, float64(7), d["skillId"])
		assert.Equal(t, "Billing", d["skillName"])
	})
	t.Run("NotAvailable has no engagementDetails", func(t *testing.T) {
		b := create(t, hs.URL, "off", "", "")
		assert.Equal(t, "NotAvailable", b["status"])
		assert.NotContains(t, b, "engagementDetails")
		assert.Len(t, b, 4)
	})
}

func TestVisitorSessionLifecycle(t *testing.T) {
	clk := newClock()
	s, hs := start(t, sim.Options{Now: clk.Now})
	const acct = "life"

	first := create(t, hs.URL, acct, "", "")
	vid, sid := first["visitorId"].(string), first["sessionId"].(string)

	again := create(t, hs.URL, acct, vid, sid)
	assert.Equal(t, vid, again["visitorId"], "known vid is reused")
	assert.Equal(t, sid, again["sessionId"], "live sid is reused")
	assert.NotEqual(t, first["pageId"], again["pageId"], "every call gets a new pageId")

	clk.Advance(29 * time.Minute)
	assert.Equal(t, sid, create(t, hs.URL, acct, vid, sid)["sessionId"], "29 idle minutes keep the session")

	clk.Advance(31 * time.Minute)
	idle := create(t, hs.URL, acct, vid, sid)
	assert.Equal(t, vid, idle["visitorId"], "the visitor outlives its session")
	sid2 := idle["sessionId"].(string)
	assert.NotEqual(t, sid, sid2, "31 idle minutes end the session")

	for i := 0; i < 18; i++ { // 18 x 20 min = 6 h of activity
		clk.Advance(20 * time.Minute)
		require.Equal(t, sid2, create(t, hs.URL, acct, vid, sid2)["sessionId"], "call %d", i)
	}
	clk.Advance(20 * time.Minute)
	assert.NotEqual(t, sid2, create(t, hs.URL, acct, vid, sid2)["sessionId"], "a session ends after 6 hours")

	unknownSID := create(t, hs.URL, acct, vid, "unknown-sid")
	assert.Equal(t, vid, unknownSID["visitorId"])
	assert.NotEqual(t, "unknown-sid", unknownSID["sessionId"], "an unknown sid gets a new session")

	unknownVID := create(t, hs.URL, acct, "unknown.vid:1", "")
	assert.NotEqual(t, vid, unknownVID["visitorId"])
	assert.NotEqual(t, "unknown.vid:1", unknownVID["visitorId"], "an unknown vid gets a new server-issued visitor")

	otherVisitorsSession := create(t, hs.URL, acct, unknownVID["visitorId"].(string), sid2)
	assert.NotEqual(t, sid2, otherVisitorsSession["sessionId"], "a sid of another visitor is not reused")

	st := s.Stats(acct)
	assert.Equal(t, 2, st.Visitors)
	assert.Equal(t, 6, st.Sessions) // first, idle, 6h, unknown sid, unknown vid, other visitor's sid
	assert.Equal(t, 26, st.CreateCalls)
}

func TestUpdateSession(t *testing.T) {
	clk := newClock()
	s, hs := start(t, sim.Options{Now: clk.Now})
	const acct = "upd"
	b := create(t, hs.URL, acct, "", "")
	vid, sid, page := b["visitorId"].(string), b["sessionId"].(string), b["pageId"].(string)
	other := create(t, hs.URL, acct, "", "")
	q := "v=1.0&sid=" + sid
	imp := func(kind string) map[string]any {
		m := map[string]any{"type": kind, "campaign": 3346848610, "engId": 3562981110, "revision": 44}
		if kind == "impDisplay" || kind == "impAccept" {
			m["eContext"] = []any{map[string]any{"type": "engagementContext", "id": "1"}}
		}
		return m
	}
	lead := map[string]any{"type": "lead", "lead": map[string]any{"topic": "upgrade", "value": 49.5}}

	tests := []struct {
		name         string
		method       string
		override     string
		vid, query   string
		body         any
		status, code int
		messageHas   string
	}{
		{"PUT with SDE and impressions", "PUT", "", vid, q, map[string]any{"pageId": page,
			"engagementAttributes": []any{lead}, "impAttributes": []any{imp("impDisplay"), imp("impAccept")}}, 200, 0, ""},
		{"POST with method override", "POST", "PUT", vid, q, map[string]any{"pageId": page,
			"impAttributes": []any{imp("impClose"), imp("impTimeout"), imp("impExpanded")}}, 200, 0, ""},
		{"override in lower case", "POST", "put", vid, q, map[string]any{"pageId": page, "engagementAttributes": []any{lead}}, 200, 0, ""},
		{"pageId missing", "PUT", "", vid, q, map[string]any{"engagementAttributes": []any{lead}}, 400, 5, "pageId"},
		{"pageId of another session", "PUT", "", vid, q, map[string]any{"pageId": other["pageId"]}, 400, 5, "pageId"},
		{"impression among SDEs", "PUT", "", vid, q, map[string]any{"pageId": page, "engagementAttributes": []any{imp("impDisplay")}}, 400, 5, "engagementAttributes[0]"},
		{"SDE among impressions", "PUT", "", vid, q, map[string]any{"pageId": page, "impAttributes": []any{lead}}, 400, 5, "impAttributes[0]"},
		{"vid missing", "PUT", "", "", q, map[string]any{"pageId": page}, 401, 37, "vid"},
		{"sid missing", "PUT", "", vid, "v=1.0", map[string]any{"pageId": page}, 401, 39, "sid"},
		{"vid malformed", "PUT", "", "a%20b", q, map[string]any{"pageId": page}, 401, 37, "vid"},
		{"vid unknown", "PUT", "", "nobody", q, map[string]any{"pageId": page}, 401, 37, "vid"},
		{"sid unknown", "PUT", "", vid, "v=1.0&sid=nosession", map[string]any{"pageId": page}, 401, 39, "sid"},
		{"sid of another visitor", "PUT", "", vid, "v=1.0&sid=" + other["sessionId"].(string), map[string]any{"pageId": other["pageId"]}, 401, 39, "sid"},
		{"bad version", "PUT", "", vid, "v=2&sid=" + sid, map[string]any{"pageId": page}, 400, 33, "Illegal Version"},
		{"override to DELETE", "POST", "DELETE", vid, q, map[string]any{"pageId": page}, 405, 0, "DELETE"},
		{"GET", "GET", "", vid, q, nil, 405, 0, "GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.override != "" {
				hdr = []string{"X-HTTP-Method-Override", tt.override}
			}
			a := call(t, tt.method, visitorsURL(hs.URL, acct, tt.vid, tt.query), tt.body, hdr...)
			if tt.status == 200 {
				require.Equal(t, 200, a.status, a.raw)
				assert.Equal(t, map[string]any{}, a.body)
				return
			}
			assert.Contains(t, requireErrorBody(t, a, tt.status, tt.code)["message"], tt.messageHas)
		})
	}
	st := s.Stats(acct)
	assert.Equal(t, 2, st.SDEs)
	assert.Equal(t, map[string]int{"lead": 2}, st.SDETypes)
	assert.Equal(t, map[string]int{"impDisplay": 1, "impAccept": 1, "impExpanded": 1, "impTimeout": 1, "impClose": 1}, st.Impressions)
	assert.Equal(t, 13, st.UpdateCalls, "calls refused before reaching the account (bad version, wrong method) are not counted")

	t.Run("expired session", func(t *testing.T) {
		clk.Advance(31 * time.Minute)
		a := call(t, "PUT", visitorsURL(hs.URL, acct, vid, q), map[string]any{"pageId": page})
		requireErrorBody(t, a, 401, 39)
	})
}

func TestScenarioNotAvailable(t *testing.T) {
	_, hs := start(t, sim.Options{Scenarios: map[string]sim.Scenario{"na": {Availability: "notavailable"}}})
	assert.Equal(t, "NotAvailable", create(t, hs.URL, "na", "", "")["status"])
	assert.Equal(t, "Available", create(t, hs.URL, "other", "", "")["status"], "other accounts keep the default")
}

func TestScenarioLoadingAccount(t *testing.T) {
	s, hs := start(t, sim.Options{Scenarios: map[string]sim.Scenario{"loading": {LoadingCalls: 2}}})
	url := visitorsURL(hs.URL, "loading", "", "v=1.0")

	first := requireErrorBody(t, call(t, "POST", url, createBody), 500, 20)
	msg := first["message"].(string)
	require.True(t, strings.HasPrefix(msg, "Loading account: loading, vid: "), msg)
	vid := strings.TrimPrefix(msg, "Loading account: loading, vid: ")

	second := requireErrorBody(t, call(t, "POST", visitorsURL(hs.URL, "loading", vid, "v=1.0"), createBody), 500, 20)
	assert.Equal(t, msg, second["message"], "the retry with the vid keeps that visitor")

	ok := create(t, hs.URL, "loading", vid, "")
	assert.Equal(t, vid, ok["visitorId"], "the visitor named in the loading message is the one served")
	st := s.Stats("loading")
	assert.Equal(t, 1, st.Visitors)
	assert.Equal(t, 1, st.Sessions)
	assert.Equal(t, map[string]int{"500": 2, "200": 1}, st.Responses)
}

func TestScenarioFailures(t *testing.T) {
	tests := []struct {
		name       string
		scenario   sim.Scenario
		statuses   []int
		codes      []int
		retryAfter string
	}{
		{"503 for 2 calls", sim.Scenario{FailCalls: 2}, []int{503, 503, 200}, []int{18, 18, 0}, ""},
		{"500 for 1 call", sim.Scenario{FailCalls: 1, FailStatus: 500}, []int{500, 200}, []int{18, 0}, ""},
		{"429 for 2 calls", sim.Scenario{RateLimitCalls: 2, RetryAfterSeconds: 3}, []int{429, 429, 200}, []int{0, 0, 0}, "3"},
		{"429 then 503 then loading", sim.Scenario{RateLimitCalls: 1, FailCalls: 1, LoadingCalls: 1}, []int{429, 503, 500, 200}, []int{0, 18, 20, 0}, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, hs := start(t, sim.Options{Scenarios: map[string]sim.Scenario{"acct": tt.scenario}})
			vid := ""
			for i, want := range tt.statuses {
				a := call(t, "POST", visitorsURL(hs.URL, "acct", vid, "v=1.0"), createBody)
				if want == 200 {
					require.Equal(t, 200, a.status, "call %d: %s", i, a.raw)
					continue
				}
				requireErrorBody(t, a, want, tt.codes[i])
				if want == 429 {
					assert.Equal(t, tt.retryAfter, a.header.Get("Retry-After"))
				}
				if tt.codes[i] == 20 {
					msg := a.body["message"].(string)
					vid = msg[strings.LastIndex(msg, " ")+1:]
				}
			}
			assert.Equal(t, len(tt.statuses), s.Stats("acct").CreateCalls)
			assert.Equal(t, 1, s.Stats("acct").Visitors)
		})
	}
}

func TestScenarioRetryAfterHeader(t *testing.T) {
	_, hs := start(t, sim.Options{Scenarios: map[string]sim.Scenario{"rl": {RateLimitCalls: 1}, "rl5": {RateLimitCalls: 1, RetryAfterSeconds: 5}}})
	a := call(t, "POST", visitorsURL(hs.URL, "rl", "", "v=1.0"), createBody, "Origin", "http://app.test")
	requireErrorBody(t, a, 429, 0)
	assert.Equal(t, "1", a.header.Get("Retry-After"), "default Retry-After")
	assert.Equal(t, "Retry-After", a.header.Get("Access-Control-Expose-Headers"), "browsers may read it")
	a = call(t, "POST", visitorsURL(hs.URL, "rl5", "", "v=1.0"), createBody)
	assert.Equal(t, "5", a.header.Get("Retry-After"))
}

func TestScenarioFailuresApplyToUpdate(t *testing.T) {
	s, hs := start(t, sim.Options{})
	b := create(t, hs.URL, "u", "", "")
	_, err := s.SetScenario("u", sim.Scenario{FailCalls: 1})
	require.NoError(t, err)
	url := visitorsURL(hs.URL, "u", b["visitorId"].(string), "v=1.0&sid="+b["sessionId"].(string))
	requireErrorBody(t, call(t, "PUT", url, map[string]any{"pageId": b["pageId"]}), 503, 18)
	assert.Equal(t, 200, call(t, "PUT", url, map[string]any{"pageId": b["pageId"]}).status)
}

func TestScenarioDelay(t *testing.T) {
	s, hs := start(t, sim.Options{Scenarios: map[string]sim.Scenario{"slow": {DelayMs: 150}}})
	url := visitorsURL(hs.URL, "slow", "", "v=1.0")

	began := time.Now()
	assert.Equal(t, 200, call(t, "POST", url, createBody).status)
	assert.GreaterOrEqual(t, time.Since(began), 150*time.Millisecond, "the answer waits delayMs")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(`{"appType":"EXTERNAL"}`))
	_, err := http.DefaultClient.Do(req)
	require.Error(t, err, "the caller gave up")
	require.Eventually(t, func() bool {
		log := s.Requests("slow")
		return len(log) == 2 && log[1].Status == 499
	}, 2*time.Second, 10*time.Millisecond, "the abandoned call is logged as 499 once the wait ends")
	assert.Equal(t, 1, s.Stats("slow").Sessions, "an abandoned call creates nothing")
}

func TestScenarioFlap(t *testing.T) {
	clk := newClock()
	s, hs := start(t, sim.Options{Now: clk.Now})
	_, err := s.SetScenario("flap", sim.Scenario{Availability: sim.Flap, FlapSeconds: 10})
	require.NoError(t, err)
	steps := []struct {
		advance  time.Duration
		status   string
		validFor float64
	}{
		{0, "Available", 10},
		{3 * time.Second, "Available", 7},
		{6500 * time.Millisecond, "Available", 1}, // 0.5 s left rounds up
		{500 * time.Millisecond, "NotAvailable", 0},
		{10 * time.Second, "Available", 10},
	}
	for i, st := range steps {
		clk.Advance(st.advance)
		b := create(t, hs.URL, "flap", "", "")
		require.Equal(t, st.status, b["status"], "step %d", i)
		if st.validFor > 0 {
			assert.Equal(t, st.validFor, b["engagementDetails"].(map[string]any)["validForSeconds"], "step %d", i)
		}
	}
	_, err = s.SetScenario("flap", sim.Scenario{Availability: sim.Flap, FlapSeconds: 10, ValidForSeconds: 60})
	require.NoError(t, err)
	assert.Equal(t, float64(60), create(t, hs.URL, "flap", "", "")["engagementDetails"].(map[string]any)["validForSeconds"],
		"an explicit validForSeconds wins")
}

func TestCORS(t *testing.T) {
	_, hs := start(t, sim.Options{})
	url := visitorsURL(hs.URL, "1", "", "v=1.0")
	t.Run("preflight", func(t *testing.T) {
		a := call(t, "OPTIONS", url, nil, "Origin", "http://localhost:8080",
			"Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type, x-http-method-override")
		require.Equal(t, 204, a.status)
		h := a.header
		assert.Equal(t, "http://localhost:8080", h.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "true", h.Get("Access-Control-Allow-Credentials"))
		for _, m := range []string{"GET", "POST", "PUT", "OPTIONS"} {
			assert.Contains(t, h.Get("Access-Control-Allow-Methods"), m)
		}
		for _, hd := range []string{"Content-Type", "Accept", "X-HTTP-Method-Override", "LP-URL", "Authorization"} {
			assert.Contains(t, h.Get("Access-Control-Allow-Headers"), hd)
		}
		assert.Contains(t, h.Values("Vary"), "Origin")
	})
	t.Run("actual request echoes origin", func(t *testing.T) {
		a := call(t, "POST", url, createBody, "Origin", "null")
		assert.Equal(t, 200, a.status)
		assert.Equal(t, "null", a.header.Get("Access-Control-Allow-Origin"))
	})
	t.Run("no origin", func(t *testing.T) {
		a := call(t, "GET", hs.URL+"/sim/v1/stats?account=1", nil)
		assert.Equal(t, "*", a.header.Get("Access-Control-Allow-Origin"))
		assert.Empty(t, a.header.Get("Access-Control-Allow-Credentials"))
	})
	t.Run("errors carry CORS headers too", func(t *testing.T) {
		a := call(t, "POST", visitorsURL(hs.URL, "1", "", "v=9"), createBody, "Origin", "http://x.test")
		assert.Equal(t, 400, a.status)
		assert.Equal(t, "http://x.test", a.header.Get("Access-Control-Allow-Origin"))
	})
}

func TestUnknownPaths(t *testing.T) {
	_, hs := start(t, sim.Options{})
	for _, p := range []string{"/", "/api/account/1/app/other", "/sim/v1/nothing", "/api/account/1/app/engagement/visitors/a/b"} {
		requireErrorBody(t, call(t, "GET", hs.URL+p, nil), 404, 0)
	}
}
