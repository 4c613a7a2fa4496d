package core_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

// fakeWire is a scripted core.Transport: answer decides each exchange, and every request is
// recorded in order.
type fakeWire struct {
	mu     sync.Mutex
	reqs   []core.WireRequest
	answer func(ctx context.Context, n int, req core.WireRequest) (core.WireResponse, error)
}

func (f *fakeWire) Do(ctx context.Context, req core.WireRequest) (core.WireResponse, error) {
	f.mu.Lock()
	n := len(f.reqs)
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	return f.answer(ctx, n, req)
}

func (f *fakeWire) requests() []core.WireRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]core.WireRequest(nil), f.reqs...)
}

func (f *fakeWire) urls() []string {
	var out []string
	for _, r := range f.requests() {
		out = append(out, r.URL)
	}
	return out
}

// script answers the n-th exchange with the n-th entry, repeating the last one.
func script(answers ...wireAnswer) func(context.Context, int, core.WireRequest) (core.WireResponse, error) {
	return func(_ context.Context, n int, _ core.WireRequest) (core.WireResponse, error) {
		if n >= len(answers) {
			n = len(answers) - 1
		}
		return answers[n].resp, answers[n].err
	}
}

type wireAnswer struct {
	resp core.WireResponse
	err  error
}

func answerStatus(status int, body any) wireAnswer {
	return wireAnswer{resp: core.WireResponse{Status: status, Body: body}}
}

func answerErr(err error) wireAnswer { return wireAnswer{err: err} }

func lpError(msg string, code int) map[string]any {
	return map[string]any{"time": float64(1700000000000), "message": msg, "internalCode": float64(code)}
}

func notAvailable(vid, sid, page string) map[string]any {
	return map[string]any{"status": "NotAvailable", "visitorId": vid, "sessionId": sid, "pageId": page}
}

func available(vid, sid, page string, revision, validFor float64) map[string]any {
	return map[string]any{
		"status": "Available", "visitorId": vid, "sessionId": sid, "pageId": page,
		"engagementDetails": map[string]any{
			"campaignId": "3346848610", "engagementId": "3562981110", "contextId": "1",
			"windowId": "3346847910", "language": "en-US", "engagementRevision": revision,
			"validForSeconds": validFor, "skillId": float64(23), "skillName": "TestSkill",
		},
	}
}

// sleepLog is an injected sleeper that records the pauses and returns at once, unless the
// context is already done.
type sleepLog struct {
	mu     sync.Mutex
	pauses []time.Duration
}

func (s *sleepLog) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.pauses = append(s.pauses, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepLog) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.pauses...)
}

const testBase = "https://msdkgw.example.test"

// newFakeClient returns a client on a fixed msdkgw domain with a recording sleeper; edit
// adjusts the config first.
func newFakeClient(t *testing.T, wire *fakeWire, edit ...func(*core.Config)) (*core.Client, *sleepLog) {
	t.Helper()
	sl := &sleepLog{}
	cfg := core.Config{AccountID: "12345678", Domain: testBase, Transport: wire}
	cfg.Retry.Sleep = sl.sleep
	for _, e := range edit {
		e(&cfg)
	}
	c, err := core.NewClient(cfg)
	require.NoError(t, err)
	return c, sl
}

func firstURL(vid, sid string) string {
	u := testBase + "/api/account/12345678/app/engagement/visitors/" + vid + "?v=1.0"
	if sid != "" {
		u += "&sid=" + sid
	}
	return u
}

func requireCode(t *testing.T, err error, code core.Code) *core.Error {
	t.Helper()
	require.Error(t, err)
	var e *core.Error
	require.True(t, errors.As(err, &e), "want *core.Error, got %T: %v", err, err)
	require.Equal(t, code, e.Code, "error: %v", err)
	return e
}

func TestNewClientValidatesConfig(t *testing.T) {
	wire := &fakeWire{answer: script(answerStatus(200, notAvailable("v", "s", "p")))}
	tests := []struct {
		name   string
		cfg    core.Config
		fields []string
	}{
		{"missing account", core.Config{Transport: wire}, []string{"accountId"}},
		{"bad account", core.Config{AccountID: "12-34", Transport: wire}, []string{"accountId"}},
		{"long account", core.Config{AccountID: strings.Repeat("1", 21), Transport: wire}, []string{"accountId"}},
		{"no transport", core.Config{AccountID: "123"}, []string{"transport"}},
		{"plain http to a remote host", core.Config{AccountID: "123", Domain: "http://va.v.liveperson.net", Transport: wire}, []string{"domain"}},
		{"bad csds", core.Config{AccountID: "123", CSDSDomain: "ftp://x", Transport: wire}, []string{"csdsDomain"}},
		{"negative delay", core.Config{AccountID: "123", Transport: wire, Retry: core.RetryPolicy{Delays: []time.Duration{time.Second, -1}}}, []string{"retry.delays[1]"}},
		{"min above max", core.Config{AccountID: "123", Transport: wire, Retry: core.RetryPolicy{MinRateLimitWait: time.Minute, MaxRateLimitWait: time.Second}}, []string{"retry.minRateLimitWait"}},
		{"everything at once", core.Config{AccountID: "", Domain: "http://example.com"}, []string{"accountId", "domain", "transport"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := core.NewClient(tt.cfg)
			assert.Nil(t, c)
			e := requireCode(t, err, core.CodeValidation)
			var fields []string
			for _, p := range e.Problems {
				fields = append(fields, p.Field)
			}
			assert.Equal(t, tt.fields, fields)
			assert.Equal(t, tt.fields[0], e.Field())
		})
	}
	assert.Empty(t, wire.requests())
}

func TestNewClientAcceptsLoopbackHTTPAndDefaults(t *testing.T) {
	wire := &fakeWire{answer: script(answerStatus(200, notAvailable("v1", "s1", "p1")))}
	c, err := core.NewClient(core.Config{AccountID: "acct_1", Domain: "http://127.0.0.1:8081/", Transport: wire})
	require.NoError(t, err)
	assert.Equal(t, "acct_1", c.AccountID())
	_, err = c.GetEngagement(context.Background(), core.Request{})
	require.NoError(t, err)
	reqs := wire.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "http://127.0.0.1:8081/api/account/acct_1/app/engagement/visitors/?v=1.0", reqs[0].URL)
	assert.Equal(t, core.DefaultAttemptTimeout, reqs[0].Timeout)
}

func TestGetEngagementBuildsTheRequest(t *testing.T) {
	wire := &fakeWire{answer: script(answerStatus(200, available("Vb3kQz91", "Sx7_p2LmA", "1029384756", 12, 900)))}
	c, _ := newFakeClient(t, wire)
	resp, err := c.GetEngagement(context.Background(), core.Request{ConsumerSections: []string{"billing"}})
	require.NoError(t, err)

	reqs := wire.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "POST", reqs[0].Method)
	assert.Equal(t, firstURL("", ""), reqs[0].URL, "first call: empty vid segment, no sid")
	body, ok := reqs[0].Body.(map[string]any)
	require.True(t, ok, "body is a value tree, got %T", reqs[0].Body)
	assert.Equal(t, "EXTERNAL", body["appType"], "an empty appType is sent as EXTERNAL")
	assert.NotContains(t, body, "vid")
	assert.NotContains(t, body, "sid")

	assert.Equal(t, core.StatusAvailable, resp.Status)
	assert.Equal(t, "Vb3kQz91", resp.VisitorID)
	require.NotNil(t, resp.EngagementDetails)
	assert.Equal(t, "3562981110", resp.EngagementDetails.EngagementID)
	assert.Equal(t, int64(900), resp.EngagementDetails.ValidForSeconds)
	assert.NotNil(t, resp.Raw, "the body as sent is kept for JS callers")
}

func TestGetEngagementKeepsAnExplicitAppType(t *testing.T) {
	wire := &fakeWire{answer: script(answerStatus(200, notAvailable("v", "s", "p")))}
	c, _ := newFakeClient(t, wire)
	_, err := c.GetEngagement(context.Background(), core.Request{AppType: core.AppTypeMSDK})
	require.NoError(t, err)
	assert.Equal(t, "MSDK", wire.requests()[0].Body.(map[string]any)["appType"])
}

func TestGetEngagementRefusesInvalidInputWithoutSending(t *testing.T) {
	tests := []struct {
		name  string
		req   core.Request
		field string
	}{
		{"bad appType", core.Request{AppType: "WEB"}, "appType"},
		{"malformed vid", core.Request{VisitorID: "a b"}, "vid"},
		{"malformed sid", core.Request{SessionID: "x/y"}, "sid"},
		{"too long vid", core.Request{VisitorID: strings.Repeat("v", 129)}, "vid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := &fakeWire{answer: script(answerStatus(200, notAvailable("v", "s", "p")))}
			c, _ := newFakeClient(t, wire)
			_, err := c.GetEngagement(context.Background(), tt.req)
			e := requireCode(t, err, core.CodeValidation)
			var fields []string
			for _, p := range e.Problems {
				fields = append(fields, p.Field)
			}
			assert.Contains(t, fields, tt.field)
			assert.Empty(t, wire.requests(), "nothing is sent for invalid input")
		})
	}
}

func TestGetEngagementMalformedAnswerIsAServerError(t *testing.T) {
	wire := &fakeWire{answer: script(answerStatus(200, map[string]any{"status": "Maybe"}))}
	c, sl := newFakeClient(t, wire)
	_, err := c.GetEngagement(context.Background(), core.Request{})
	e := requireCode(t, err, core.CodeServer)
	assert.Equal(t, 200, e.Status)
	assert.Len(t, wire.requests(), 1, "a malformed 200 is not retried")
	assert.Empty(t, sl.got())
	s, err := c.Session(context.Background())
	require.NoError(t, err)
	assert.True(t, s.IsZero(), "nothing is stored from a malformed answer")
}

func TestGetEngagementEscapesTheAccountAndIds(t *testing.T) {
	// A "Loading account" vid comes from free text; whatever the server puts there must not
	// break the URL. Well-formed ids (and ':') pass unchanged.
	wire := &fakeWire{answer: script(
		answerStatus(500, lpError("Loading account: 12345678, vid: a:b.c-d_e", 20)),
		answerStatus(200, notAvailable("a:b.c-d_e", "s", "p")),
	)}
	c, _ := newFakeClient(t, wire)
	_, err := c.GetEngagement(context.Background(), core.Request{})
	require.NoError(t, err)
	assert.Equal(t, firstURL("a:b.c-d_e", ""), wire.urls()[1])
}
