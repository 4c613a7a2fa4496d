package sim_test

// End-to-end tests: core.Client over nethttp against the simulator on 127.0.0.1.

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/nethttp"
	"github.com/appengage/appengage/sim"
)

// sleeps records the client's pauses and returns at once, so retry tests run fast and can
// assert the exact schedule.
type sleeps struct {
	mu  sync.Mutex
	got []time.Duration
}

func (s *sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.got = append(s.got, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) Got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.got...)
}

// newClient returns a client for acct on the simulator at base, asking CSDS there, with
// three fast retries whose pauses are recorded.
func newClient(t testing.TB, base, acct string, store core.SessionStore) (*core.Client, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	c, err := core.NewClient(core.Config{
		AccountID:  acct,
		CSDSDomain: base,
		Transport:  nethttp.New(),
		Store:      store,
		Retry:      core.RetryPolicy{Delays: []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}, Sleep: sl.Sleep},
	})
	require.NoError(t, err)
	return c, sl
}

// seedRequest is LivePerson's documented getEngagement example (testdata/seed-request.json).
func seedRequest(t testing.TB) (core.Request, map[string]any) {
	t.Helper()
	raw, err := os.ReadFile("../testdata/seed-request.json")
	require.NoError(t, err)
	var tree map[string]any
	require.NoError(t, json.Unmarshal(raw, &tree))
	req, err := core.ParseRequest(tree)
	require.NoError(t, err, "the documented example is valid")
	return req, tree
}

// jsonTree normalises a value tree through JSON (numbers become float64).
func jsonTree(t testing.TB, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

func TestSeedRequestReachesSimulatorUnchanged(t *testing.T) {
	var mu sync.Mutex
	var got []sim.Received
	s, hs := start(t, sim.Options{OnRequest: func(r sim.Received) {
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
	}})
	req, tree := seedRequest(t)
	c, _ := newClient(t, hs.URL, "12345678", nil)

	resp, err := c.GetEngagement(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, core.StatusAvailable, resp.Status)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 1)
	r := got[0]
	assert.Equal(t, "create", r.Kind)
	assert.Equal(t, "123", r.VisitorID, "vid travels in the path")
	assert.Equal(t, "456", r.Query.Get("sid"), "sid travels in the query")
	assert.Equal(t, "1.0", r.Query.Get("v"))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	want := map[string]any{}
	for k, v := range tree {
		if k != "vid" && k != "sid" {
			want[k] = v
		}
	}
	assert.Equal(t, jsonTree(t, want), jsonTree(t, r.Body), "the body is the example without vid/sid, every field and value as given")
	assert.Equal(t, 1, s.Stats("12345678").SDETypes["personal"])
}

func TestClientReusesSession(t *testing.T) {
	s, hs := start(t, sim.Options{})
	c, _ := newClient(t, hs.URL, "reuse", nil)
	ctx := context.Background()
	first, err := c.GetEngagement(ctx, core.Request{})
	require.NoError(t, err)
	pages := map[string]bool{first.PageID: true}
	for i := 0; i < 4; i++ {
		r, err := c.GetEngagement(ctx, core.Request{ConsumerSections: []string{"billing"}})
		require.NoError(t, err)
		assert.Equal(t, first.VisitorID, r.VisitorID)
		assert.Equal(t, first.SessionID, r.SessionID)
		pages[r.PageID] = true
	}
	assert.Len(t, pages, 5, "a new pageId per call")
	st := s.Stats("reuse")
	assert.Equal(t, 1, st.Visitors)
	assert.Equal(t, 1, st.Sessions)
	assert.Equal(t, 5, st.CreateCalls)
	assert.Equal(t, 1, st.CSDSCalls, "the msdkgw host is cached")
	sess, err := c.Session(ctx)
	require.NoError(t, err)
	assert.Equal(t, first.VisitorID, sess.VisitorID)
}

func TestClientConcurrentFirstCallsMakeOneVisitor(t *testing.T) {
	s, hs := start(t, sim.Options{})
	c, _ := newClient(t, hs.URL, "burst", nil)
	const n = 100
	var wg sync.WaitGroup
	vids := make([]string, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, err := c.GetEngagement(context.Background(), core.Request{})
			vids[i], errs[i] = r.VisitorID, err
		}(i)
	}
	wg.Wait()
	for i := range errs {
		require.NoError(t, errs[i], "call %d", i)
		assert.Equal(t, vids[0], vids[i])
	}
	st := s.Stats("burst")
	assert.Equal(t, 1, st.Visitors)
	assert.Equal(t, 1, st.Sessions)
	assert.Equal(t, n, st.CreateCalls)
}

func TestClientRecoversFromLoadingAccount(t *testing.T) {
	s, hs := start(t, sim.Options{Scenarios: map[string]sim.Scenario{"lazy": {LoadingCalls: 2}}})
	c, sl := newClient(t, hs.URL, "lazy", nil)
	r, err := c.GetEngagement(context.Background(), core.Request{})
	require.NoError(t, err)
	log := s.Requests("lazy")
	require.Len(t, log, 4) // CSDS, two loading answers, success
	assert.Equal(t, "", log[1].VisitorID, "the first call has no vid")
	assert.Equal(t, r.VisitorID, log[2].VisitorID, "the retry uses the vid from the loading message")
	assert.Equal(t, r.VisitorID, log[3].VisitorID)
	assert.Equal(t, []time.Duration{time.Millisecond, 2 * time.Millisecond}, sl.Got())
	st := s.Stats("lazy")
	assert.Equal(t, 1, st.Visitors, "the loading retries reuse the visitor")
	assert.Equal(t, map[string]int{"200": 2, "500": 2}, st.Responses)
}

func TestClientRetries(t *testing.T) {
	tests := []struct {
		name       string
		scenario   sim.Scenario
		wantCode   core.Code // "" for success
		wantSleeps []time.Duration
	}{
		{"503 then success", sim.Scenario{FailCalls: 2}, "", []time.Duration{time.Millisecond, 2 * time.Millisecond}},
		{"503 beyond the retries", sim.Scenario{FailCalls: 4}, core.CodeServer, []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}},
		{"429 waits Retry-After", sim.Scenario{RateLimitCalls: 1, RetryAfterSeconds: 2}, "", []time.Duration{2 * time.Second}},
		{"429 waits at least 1s", sim.Scenario{RateLimitCalls: 1}, "", []time.Duration{time.Second}},
		{"429 beyond the retries", sim.Scenario{RateLimitCalls: 9}, core.CodeRateLimited, []time.Duration{time.Second, time.Second, time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, hs := start(t, sim.Options{Scenarios: map[string]sim.Scenario{"r": tt.scenario}})
			c, sl := newClient(t, hs.URL, "r", nil)
			r, err := c.GetEngagement(context.Background(), core.Request{})
			if tt.wantCode == "" {
				require.NoError(t, err)
				assert.Equal(t, core.StatusAvailable, r.Status)
			} else {
				require.Error(t, err)
				assert.Equal(t, tt.wantCode, core.ErrorCode(err))
			}
			assert.Equal(t, tt.wantSleeps, sl.Got())
			assert.Equal(t, len(tt.wantSleeps)+1, s.Stats("r").CreateCalls)
		})
	}
}

func TestClientRecoversFromStaleStoredSession(t *testing.T) {
	s, hs := start(t, sim.Options{})
	store := core.NewMemoryStore()
	// Ids an older build stored: not acceptable to the server any more.
	require.NoError(t, store.Save(context.Background(), core.Session{VisitorID: "stale vid", SessionID: "stale sid"}))
	c, _ := newClient(t, hs.URL, "stale", store)
	r, err := c.GetEngagement(context.Background(), core.Request{})
	require.NoError(t, err)
	assert.NotEqual(t, "stale vid", r.VisitorID)
	sess, err := store.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, r.VisitorID, sess.VisitorID, "the new session replaced the refused one")
	st := s.Stats("stale")
	assert.Equal(t, map[string]int{"200": 2, "401": 1}, st.Responses) // CSDS, 401, recovery
	assert.Equal(t, 1, st.Visitors)
}

func TestClientUpdateSessionCountsSDEsAndImpressions(t *testing.T) {
	s, hs := start(t, sim.Options{})
	c, _ := newClient(t, hs.URL, "funnel", nil)
	ctx := context.Background()
	r, err := c.GetEngagement(ctx, core.Request{})
	require.NoError(t, err)
	require.NotNil(t, r.EngagementDetails)

	var imps []core.Attribute
	for _, kind := range []string{"impDisplay", "impAccept", "impClose"} {
		a, err := core.Impression(kind, *r.EngagementDetails)
		require.NoError(t, err)
		imps = append(imps, a)
	}
	require.NoError(t, c.UpdateSession(ctx, core.UpdateRequest{ImpAttributes: imps[:2]}))
	require.NoError(t, c.UpdateSession(ctx, core.UpdateRequest{
		PageID:        r.PageID,
		ImpAttributes: imps[2:],
		EngagementAttributes: []core.Attribute{
			{"type": "cart", "total": 11.7, "numItems": 6, "currency": "USD"},
			{"type": "lead", "lead": map[string]any{"topic": "upgrade", "value": 49.5}},
		},
	}))
	st := s.Stats("funnel")
	assert.Equal(t, map[string]int{"impDisplay": 1, "impAccept": 1, "impExpanded": 0, "impTimeout": 0, "impClose": 1}, st.Impressions)
	assert.Equal(t, map[string]int{"cart": 1, "lead": 1}, st.SDETypes)
	assert.Equal(t, 2, st.UpdateCalls)

	err = c.UpdateSession(ctx, core.UpdateRequest{PageID: "1", ImpAttributes: imps[:1]})
	require.Error(t, err)
	assert.Equal(t, core.CodeBadRequest, core.ErrorCode(err), "a page of no session is refused")
}

func TestClientCSDSShapes(t *testing.T) {
	tests := []struct {
		shape    string
		wantCode core.Code
	}{
		{sim.CSDSObject, ""},
		{sim.CSDSList, ""},
		{sim.CSDSEmpty, core.CodeDomainLookup},
	}
	for _, tt := range tests {
		t.Run(tt.shape, func(t *testing.T) {
			_, hs := start(t, sim.Options{Scenarios: map[string]sim.Scenario{"csds": {CSDS: tt.shape}}})
			c, _ := newClient(t, hs.URL, "csds", nil)
			r, err := c.GetEngagement(context.Background(), core.Request{})
			if tt.wantCode == "" {
				require.NoError(t, err)
				assert.Equal(t, core.StatusAvailable, r.Status)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.wantCode, core.ErrorCode(err))
		})
	}
}

func TestClientNotAvailableAndFixedDomain(t *testing.T) {
	s, hs := start(t, sim.Options{Scenarios: map[string]sim.Scenario{"na": {Availability: sim.NotAvailable}}})
	c, err := core.NewClient(core.Config{AccountID: "na", Domain: hs.URL, Transport: nethttp.New()})
	require.NoError(t, err)
	r, err := c.GetEngagement(context.Background(), core.Request{})
	require.NoError(t, err, "NotAvailable is an answer, not an error")
	assert.Equal(t, core.StatusNotAvailable, r.Status)
	assert.Nil(t, r.EngagementDetails)
	assert.Equal(t, 0, s.Stats("na").CSDSCalls, "a fixed domain skips CSDS")
}

func TestClientSlowAnswerTimesOut(t *testing.T) {
	_, hs := start(t, sim.Options{Scenarios: map[string]sim.Scenario{"slow": {DelayMs: 2000}}})
	c, err := core.NewClient(core.Config{AccountID: "slow", Domain: hs.URL, Transport: nethttp.New(),
		Retry: core.RetryPolicy{Delays: []time.Duration{}}})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.GetEngagement(ctx, core.Request{})
	require.Error(t, err)
	assert.Equal(t, core.CodeTimeout, core.ErrorCode(err))
	var ce *core.Error
	assert.True(t, errors.As(err, &ce))
}
