package sim_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/sim"
)

func TestControlAPIScenarios(t *testing.T) {
	_, hs := start(t, sim.Options{Scenarios: map[string]sim.Scenario{"initial": {Availability: sim.NotAvailable}}})
	acctURL := hs.URL + "/sim/v1/accounts/ctl"

	a := call(t, "GET", acctURL, nil)
	require.Equal(t, 200, a.status)
	assert.Equal(t, "Available", a.body["availability"], "every account starts Available")

	a = call(t, "PUT", acctURL, `{"availability":"NotAvailable","failCalls":1,"failStatus":502}`)
	require.Equal(t, 200, a.status, a.raw)
	assert.Equal(t, "NotAvailable", a.body["availability"])
	assert.Equal(t, float64(502), a.body["failStatus"])
	requireErrorBody(t, call(t, "POST", visitorsURL(hs.URL, "ctl", "", "v=1.0"), createBody), 502, 18)
	assert.Equal(t, "NotAvailable", create(t, hs.URL, "ctl", "", "")["status"])

	for _, bad := range []string{`{"availability":"Sometimes"}`, `{"flapSeconds":-1}`, `{"availability":"flap"}`,
		`{"failStatus":404}`, `{"colour":"red"}`, `not json`, `{"delayMs":9999999}`, `{"csds":"xml"}`,
		`{"engagement":{"campaignId":"abc"}}`} {
		a := call(t, "PUT", acctURL, bad)
		assert.Equal(t, 400, a.status, "%s: %s", bad, a.raw)
	}
	requireErrorBody(t, call(t, "PUT", hs.URL+"/sim/v1/accounts/bad-id", `{}`), 400, 5)

	a = call(t, "DELETE", acctURL, nil)
	assert.Equal(t, 204, a.status)
	assert.Equal(t, "Available", create(t, hs.URL, "ctl", "", "")["status"], "DELETE restores the default")
	assert.Equal(t, float64(1), call(t, "GET", hs.URL+"/sim/v1/stats?account=ctl", nil).body["createCalls"], "and forgets the counters")

	assert.Equal(t, "NotAvailable", create(t, hs.URL, "initial", "", "")["status"])
	call(t, "PUT", hs.URL+"/sim/v1/accounts/initial", `{}`)
	assert.Equal(t, "Available", create(t, hs.URL, "initial", "", "")["status"])
	require.Equal(t, 200, call(t, "POST", hs.URL+"/sim/v1/reset", nil).status)
	assert.Equal(t, "NotAvailable", create(t, hs.URL, "initial", "", "")["status"], "reset restores the initial scenarios")
	assert.Equal(t, float64(1), call(t, "GET", hs.URL+"/sim/v1/stats?account=initial", nil).body["createCalls"])

	assert.Equal(t, 405, call(t, "GET", hs.URL+"/sim/v1/reset", nil).status)
	assert.Equal(t, 405, call(t, "POST", hs.URL+"/sim/v1/stats", nil).status)
	assert.Equal(t, 405, call(t, "POST", acctURL, nil).status)
}

func TestControlAPIStats(t *testing.T) {
	_, hs := start(t, sim.Options{})
	create(t, hs.URL, "a1", "", "")
	create(t, hs.URL, "a2", "", "")
	a := call(t, "GET", hs.URL+"/sim/v1/stats?account=a1", nil)
	require.Equal(t, 200, a.status)
	var st sim.Stats
	require.NoError(t, json.Unmarshal([]byte(a.raw), &st))
	assert.Equal(t, sim.Stats{Account: "a1", Visitors: 1, Sessions: 1, CreateCalls: 1, SDETypes: map[string]int{},
		Impressions: map[string]int{"impDisplay": 0, "impAccept": 0, "impExpanded": 0, "impTimeout": 0, "impClose": 0},
		Responses:   map[string]int{"200": 1}}, st)

	all := call(t, "GET", hs.URL+"/sim/v1/stats", nil)
	accounts := all.body["accounts"].(map[string]any)
	assert.Len(t, accounts, 2)
	assert.Contains(t, accounts, "a2")

	never := call(t, "GET", hs.URL+"/sim/v1/stats?account=never", nil)
	assert.Equal(t, float64(0), never.body["visitors"])
}

func TestRequestLogKeepsNoSDEValues(t *testing.T) {
	_, hs := start(t, sim.Options{})
	body := map[string]any{"appType": "EXTERNAL", "engagementAttributes": []any{
		map[string]any{"type": "personal", "personal": map[string]any{"firstname": "Zerubabel", "contacts": []any{
			map[string]any{"email": "zerubabel@example.com", "phone": "5550199"}}}},
		map[string]any{"type": "ctmrinfo", "info": map[string]any{"customerId": "cust-secret-77"}},
	}}
	a := call(t, "POST", visitorsURL(hs.URL, "pii", "", "v=1.0"), body)
	require.Equal(t, 200, a.status, a.raw)
	bad := call(t, "POST", visitorsURL(hs.URL, "pii", "", "v=1.0"), map[string]any{"appType": "EXTERNAL",
		"engagementAttributes": []any{map[string]any{"type": "personal", "personal": map[string]any{"gender": "Zerubabel"}}}})
	require.Equal(t, 400, bad.status)

	log := call(t, "GET", hs.URL+"/sim/v1/requests?account=pii", nil)
	require.Equal(t, 200, log.status)
	for _, secret := range []string{"Zerubabel", "zerubabel@example.com", "5550199", "cust-secret-77"} {
		assert.NotContains(t, log.raw, secret)
	}
	var got struct{ Requests []sim.RequestRecord }
	require.NoError(t, json.Unmarshal([]byte(log.raw), &got))
	require.Len(t, got.Requests, 2)
	r := got.Requests[0]
	assert.Equal(t, "create", r.Kind)
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, "/api/account/pii/app/engagement/visitors/", r.Path)
	assert.Equal(t, 200, r.Status)
	assert.Equal(t, []string{"personal", "ctmrinfo"}, r.SDETypes)
	assert.Equal(t, a.body["pageId"], r.PageID)
	assert.Equal(t, 400, got.Requests[1].Status)
	assert.Equal(t, 5, got.Requests[1].InternalCode)
}

func TestRequestLogIsBounded(t *testing.T) {
	s, hs := start(t, sim.Options{LogSize: 3})
	for i := 0; i < 5; i++ {
		call(t, "GET", hs.URL+"/api/account/b"+string(rune('0'+i))+"/service/msdkgw/baseURI.json", nil)
	}
	log := s.Requests("")
	require.Len(t, log, 3)
	assert.Equal(t, []string{"b2", "b3", "b4"}, []string{log[0].Account, log[1].Account, log[2].Account}, "oldest first, oldest dropped")
	assert.Len(t, s.Requests("b4"), 1)
	assert.Empty(t, s.Requests("b0"))
}

func TestParseAccountFlag(t *testing.T) {
	tests := []struct {
		flag    string
		id      string
		want    sim.Scenario
		wantErr string
	}{
		{flag: "123=NotAvailable", id: "123", want: sim.Scenario{Availability: sim.NotAvailable}},
		{flag: "a_1=available", id: "a_1", want: sim.Scenario{}},
		{flag: "123=loading:2,flap:30", id: "123", want: sim.Scenario{LoadingCalls: 2, Availability: sim.Flap, FlapSeconds: 30}},
		{flag: "123=fail:3", id: "123", want: sim.Scenario{FailCalls: 3}},
		{flag: "123=fail:1:500", id: "123", want: sim.Scenario{FailCalls: 1, FailStatus: 500}},
		{flag: "123=ratelimit:2:4,delay:250,validfor:60", id: "123", want: sim.Scenario{RateLimitCalls: 2, RetryAfterSeconds: 4, DelayMs: 250, ValidForSeconds: 60}},
		{flag: "123=csds:list", id: "123", want: sim.Scenario{CSDS: sim.CSDSList}},
		{flag: "123", wantErr: "ID=mode"},
		{flag: "bad-id=NotAvailable", wantErr: "ID=mode"},
		{flag: "123=sometimes", wantErr: "unknown mode"},
		{flag: "123=loading", wantErr: "takes 1 to 1"},
		{flag: "123=loading:x", wantErr: "not a number"},
		{flag: "123=fail:1:404", wantErr: "failStatus"},
		{flag: "123=flap:0", wantErr: "flapSeconds"},
		{flag: "123=csds:xml", wantErr: "csds"},
		{flag: "123=csds", wantErr: "csds"},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			id, sc, err := sim.ParseAccountFlag(tt.flag)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			want, err := tt.want.Normalize()
			require.NoError(t, err)
			assert.Equal(t, tt.id, id)
			assert.Equal(t, want, sc)
		})
	}
}

func TestLoadScenarios(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	got, err := sim.LoadScenarios(write("ok.json", `{"111": {"availability": "NotAvailable"}, "loading1": {"loadingCalls": 2, "validForSeconds": 60}}`))
	require.NoError(t, err)
	assert.Equal(t, sim.NotAvailable, got["111"].Availability)
	assert.Equal(t, 2, got["loading1"].LoadingCalls)
	assert.Equal(t, 503, got["loading1"].FailStatus, "defaults are filled in")

	for name, content := range map[string]string{
		"list.json":    `[{"availability":"NotAvailable"}]`,
		"badid.json":   `{"bad-id": {}}`,
		"badsc.json":   `{"111": {"availability": "x"}}`,
		"unknown.json": `{"111": {"loadCalls": 1}}`,
	} {
		_, err := sim.LoadScenarios(write(name, content))
		assert.Error(t, err, name)
	}
	_, err = sim.LoadScenarios(filepath.Join(dir, "missing.json"))
	assert.Error(t, err)
}

func TestNewRefusesBadInitialScenarios(t *testing.T) {
	_, err := sim.New(sim.Options{Scenarios: map[string]sim.Scenario{"bad-id": {}}})
	assert.Error(t, err)
	_, err = sim.New(sim.Options{Scenarios: map[string]sim.Scenario{"ok": {Availability: "x"}}})
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "availability"))
}
