package main

// The chain a deployed client makes: core.Client (production defaults) → this command's
// gateway server → the simulator, counting what reaches the upstream. LivePerson's policy
// allows 1 + 3 attempts per user call; the gateway makes one upstream attempt per request
// and passes the answer through, so the client's retries are the only ones
// (docs/gateway.md "One retry layer").

import (
	"bufio"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"net/http/httptest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/nethttp"
	"github.com/appengage/appengage/sim"
)

const chainAccount = "12345678"

// chain is a simulator behind the gateway server, both on 127.0.0.1.
type chain struct {
	sim     *sim.Server
	gateway string // base URL of the gateway

	mu   sync.Mutex
	vids []string // the vid path segment of every Create Session the simulator received
}

func newChain(t *testing.T, env map[string]string) *chain {
	t.Helper()
	c := &chain{}
	s, err := sim.New(sim.Options{OnRequest: func(r sim.Received) {
		c.mu.Lock()
		c.vids = append(c.vids, r.VisitorID)
		c.mu.Unlock()
	}})
	require.NoError(t, err)
	c.sim = s
	up := httptest.NewServer(s)
	t.Cleanup(up.Close)
	vars := map[string]string{"APPENGAGE_MSDKGW": up.URL, "APPENGAGE_ACCOUNTS": chainAccount}
	for k, v := range env {
		vars[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:0", func(k string) string { return vars[k] }, w, io.Discard) }()
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "gateway: listening on ")
	require.True(t, ok, line)
	go func() { _, _ = io.Copy(io.Discard, out) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	c.gateway = url
	return c
}

// pauses records the client's pauses and returns at once: the schedule is LivePerson's
// (production defaults), only the waiting is skipped, so the total is the time the call
// would take.
type pauses struct {
	mu  sync.Mutex
	got []time.Duration
}

func (p *pauses) sleep(ctx context.Context, d time.Duration) error {
	p.mu.Lock()
	p.got = append(p.got, d)
	p.mu.Unlock()
	return ctx.Err()
}

func (p *pauses) total() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	var t time.Duration
	for _, d := range p.got {
		t += d
	}
	return t
}

// client is a Client with production defaults (DefaultRetryPolicy, DefaultAttemptTimeout)
// pointed at the gateway as msdkgw; sleep, when not nil, replaces only the waiting.
func (c *chain) client(t *testing.T, sleep func(context.Context, time.Duration) error) *core.Client {
	t.Helper()
	policy := core.DefaultRetryPolicy()
	if sleep != nil {
		policy.Sleep = sleep
	}
	cl, err := core.NewClient(core.Config{AccountID: chainAccount, Domain: c.gateway, Transport: nethttp.New(), Retry: policy})
	require.NoError(t, err)
	return cl
}

func TestChainUpstream503ForeverMakesFourAttempts(t *testing.T) {
	c := newChain(t, nil)
	_, err := c.sim.SetScenario(chainAccount, sim.Scenario{FailCalls: 1000, FailStatus: 503})
	require.NoError(t, err)
	p := &pauses{}
	_, err = c.client(t, p.sleep).GetEngagement(context.Background(), core.Request{AppType: core.AppTypeExternal})
	require.Error(t, err)
	var ce *core.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, core.CodeServer, ce.Code, "%v", err)
	assert.Equal(t, 503, ce.Status)
	assert.Equal(t, 4, c.sim.Stats(chainAccount).CreateCalls, "1 + 3 upstream attempts for the whole chain")
	assert.Equal(t, []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second}, p.got)
	assert.LessOrEqual(t, p.total(), 40*time.Second)
}

func TestChainLoadingAccountReusesTheVid(t *testing.T) {
	c := newChain(t, nil)
	_, err := c.sim.SetScenario(chainAccount, sim.Scenario{LoadingCalls: 1})
	require.NoError(t, err)
	p := &pauses{}
	resp, err := c.client(t, p.sleep).GetEngagement(context.Background(), core.Request{AppType: core.AppTypeExternal})
	require.NoError(t, err)
	assert.Equal(t, 2, c.sim.Stats(chainAccount).CreateCalls, "the loading answer and the retry")
	assert.Equal(t, 1, c.sim.Stats(chainAccount).Visitors, "the retry reused the visitor the loading answer named")
	require.Len(t, c.vids, 2)
	assert.Equal(t, "", c.vids[0])
	assert.Equal(t, resp.VisitorID, c.vids[1])
	assert.Equal(t, []time.Duration{5 * time.Second}, p.got)
}

func TestChainRetryAfterIsPassedThrough(t *testing.T) {
	c := newChain(t, nil)
	_, err := c.sim.SetScenario(chainAccount, sim.Scenario{RateLimitCalls: 1, RetryAfterSeconds: 7})
	require.NoError(t, err)
	p := &pauses{}
	_, err = c.client(t, p.sleep).GetEngagement(context.Background(), core.Request{AppType: core.AppTypeExternal})
	require.NoError(t, err)
	assert.Equal(t, 2, c.sim.Stats(chainAccount).CreateCalls)
	assert.Equal(t, []time.Duration{7 * time.Second}, p.got, "the upstream's Retry-After reached the client")
}

// TestChainRealTime503 runs the 503-forever chain with nothing replaced, in real time
// (about 30 s: LivePerson's pauses). It asserts the outcome and the attempt count and logs
// the elapsed time (docs/gateway.md quotes it); -short skips it.
func TestChainRealTime503(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 30 s of LivePerson's pauses")
	}
	c := newChain(t, nil)
	_, err := c.sim.SetScenario(chainAccount, sim.Scenario{FailCalls: 1000, FailStatus: 503})
	require.NoError(t, err)
	start := time.Now()
	_, err = c.client(t, nil).GetEngagement(context.Background(), core.Request{AppType: core.AppTypeExternal})
	elapsed := time.Since(start)
	require.Error(t, err)
	assert.Equal(t, core.CodeServer, core.ErrorCode(err), "%v", err)
	assert.Equal(t, 4, c.sim.Stats(chainAccount).CreateCalls)
	t.Logf("503 forever through the gateway with production defaults: %d upstream attempts, %s, %v", c.sim.Stats(chainAccount).CreateCalls, core.ErrorCode(err), elapsed.Round(10*time.Millisecond))
}
