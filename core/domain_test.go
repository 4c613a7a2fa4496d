package core_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

func TestNormalizeBase(t *testing.T) {
	tests := []struct {
		in, want string
		problem  string // substring of the problem message; "" when accepted
	}{
		{"va.v.liveperson.net", "https://va.v.liveperson.net", ""},
		{"VA.V.LivePerson.NET", "https://va.v.liveperson.net", ""},
		{"https://va.v.liveperson.net", "https://va.v.liveperson.net", ""},
		{"HTTPS://va.v.liveperson.net/", "https://va.v.liveperson.net", ""},
		{"  va.v.liveperson.net:8443  ", "https://va.v.liveperson.net:8443", ""},
		{"https://gw.example.com/lp/msdkgw//", "https://gw.example.com/lp/msdkgw", ""},
		{"http://127.0.0.1:8081", "http://127.0.0.1:8081", ""},
		{"http://127.1.2.3/", "http://127.1.2.3", ""},
		{"http://localhost:9000", "http://localhost:9000", ""},
		{"http://[::1]:9000", "http://[::1]:9000", ""},
		{"http://[::ffff:127.0.0.1]:1", "http://[::ffff:127.0.0.1]:1", ""},
		{"::1", "https://[::1]", ""},
		{"[2001:db8::1]:443", "https://[2001:db8::1]:443", ""},
		{"127.0.0.1:8081", "https://127.0.0.1:8081", ""},
		{"", "", "is empty"},
		{"   ", "", "is empty"},
		{"http://va.v.liveperson.net", "", "plain http is allowed only for loopback hosts"},
		{"http://10.0.0.1", "", "plain http is allowed only for loopback hosts"},
		{"http://localhost.evil.com", "", "plain http is allowed only for loopback hosts"},
		{"ftp://example.com", "", "scheme \"ftp\" is not supported"},
		{"https://", "", "has no host"},
		{"https://user:pw@example.com", "", "user info"},
		{"https://example.com?x=1", "", "query or fragment"},
		{"https://example.com/#top", "", "query or fragment"},
		{"https://exa mple.com", "", "spaces"},
		{"https://example.com:0", "", "port \"0\""},
		{"https://example.com:65536", "", "port \"65536\""},
		{"https://example.com:http", "", "port \"http\""},
		{"https://example.com:", "", "port \"\""},
		{"https://exa_mple.com", "", "not a valid host name"},
		{"https://-bad.com", "", "not a valid host name"},
		{"https://a..b", "", "not a valid host name"},
		{"https://[::1", "", "unterminated IPv6"},
		{"https://[zz::1]", "", "invalid IPv6"},
		{"https://[::1]x", "", "after the IPv6 literal"},
		{"https://[fe80::1%eth0]", "", "invalid IPv6"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := core.NormalizeBase(tt.in)
			if tt.problem == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			e := requireCode(t, err, core.CodeValidation)
			assert.Equal(t, "domain", e.Field())
			assert.Contains(t, e.Problems[0].Message, tt.problem)
			assert.Empty(t, got)
		})
	}
}

func FuzzNormalizeBase(f *testing.F) {
	for _, s := range []string{"va.v.liveperson.net", "http://127.0.0.1:1/x/", "[::1]:80", "https://[", "HTTP://LOCALHOST"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := core.NormalizeBase(s)
		if err != nil {
			if core.ErrorCode(err) != core.CodeValidation {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if !strings.HasPrefix(got, "https://") && !strings.HasPrefix(got, "http://") || strings.HasSuffix(got, "/") {
			t.Fatalf("%q -> %q", s, got)
		}
		again, err := core.NormalizeBase(got)
		if err != nil || again != got {
			t.Fatalf("%q -> %q is not stable: %q, %v", s, got, again, err)
		}
	})
}

const csdsURL = "https://api.liveperson.net/api/account/12345678/service/msdkgw/baseURI.json?version=1.0"

// csdsWire answers CSDS lookups with csds and msdkgw calls with NotAvailable.
func csdsWire(csds func(n int) (core.WireResponse, error)) (*fakeWire, *atomic.Int32) {
	lookups := &atomic.Int32{}
	return &fakeWire{answer: func(_ context.Context, _ int, req core.WireRequest) (core.WireResponse, error) {
		if strings.Contains(req.URL, "/baseURI.json") {
			return csds(int(lookups.Add(1)) - 1)
		}
		return core.WireResponse{Status: 200, Body: notAvailable("V1", "S1", "P1")}, nil
	}}, lookups
}

func csdsClient(t *testing.T, wire *fakeWire, edit ...func(*core.Config)) (*core.Client, *sleepLog) {
	return newFakeClient(t, wire, append([]func(*core.Config){func(cfg *core.Config) { cfg.Domain = "" }}, edit...)...)
}

func TestDomainLookupShapes(t *testing.T) {
	tests := []struct {
		name string
		body any
	}{
		{"single object", map[string]any{"service": "msdkgw", "account": "12345678", "baseURI": "va.v.liveperson.net"}},
		{"single object without service", map[string]any{"baseURI": "va.v.liveperson.net"}},
		{"list", map[string]any{"baseURIs": []any{
			map[string]any{"service": "smt", "account": "12345678", "baseURI": "va.smt.liveperson.net"},
			map[string]any{"service": "msdkgw", "account": "12345678", "baseURI": "va.v.liveperson.net"},
		}}},
		{"list with the docs' capitalisation", map[string]any{"baseURIs": []any{
			"junk", map[string]any{"service": "Msdkgw", "baseURI": "va.v.liveperson.net"},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire, _ := csdsWire(func(int) (core.WireResponse, error) { return core.WireResponse{Status: 200, Body: tt.body}, nil })
			c, _ := csdsClient(t, wire)
			_, err := c.GetEngagement(context.Background(), core.Request{})
			require.NoError(t, err)
			reqs := wire.requests()
			require.Len(t, reqs, 2)
			assert.Equal(t, "GET", reqs[0].Method)
			assert.Equal(t, csdsURL, reqs[0].URL)
			assert.Nil(t, reqs[0].Body)
			assert.Equal(t, "https://va.v.liveperson.net/api/account/12345678/app/engagement/visitors/?v=1.0", reqs[1].URL)
		})
	}
}

func TestDomainLookupFailures(t *testing.T) {
	tests := []struct {
		name     string
		answer   wireAnswer
		status   int
		attempts int
		message  string
	}{
		{"401 from CSDS", answerStatus(401, lpError("bad site", 0)), 401, 1, "bad site"},
		{"5xx is retried first", answerStatus(503, nil), 503, 4, "CSDS lookup of msdkgw failed"},
		{"network", answerErr(errConnRefused), 0, 4, "connection refused"},
		{"no msdkgw in the list", answerStatus(200, map[string]any{"baseURIs": []any{map[string]any{"service": "smt", "baseURI": "x.net"}}}), 200, 1, "names no msdkgw baseURI"},
		{"another service", answerStatus(200, map[string]any{"service": "smt", "baseURI": "x.net"}), 200, 1, "names no msdkgw baseURI"},
		{"empty baseURI", answerStatus(200, map[string]any{"baseURI": ""}), 200, 1, "names no msdkgw baseURI"},
		{"not an object", answerStatus(200, "<html>"), 200, 1, "names no msdkgw baseURI"},
		{"a URL instead of a host", answerStatus(200, map[string]any{"baseURI": "https://x.net/path"}), 200, 1, "invalid msdkgw baseURI"},
		{"a bad host", answerStatus(200, map[string]any{"baseURI": "x y"}), 200, 1, "invalid msdkgw baseURI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire, lookups := csdsWire(func(int) (core.WireResponse, error) { return tt.answer.resp, tt.answer.err })
			c, _ := csdsClient(t, wire)
			_, err := c.GetEngagement(context.Background(), core.Request{})
			e := requireCode(t, err, core.CodeDomainLookup)
			assert.Equal(t, tt.status, e.Status)
			assert.Contains(t, e.Error(), tt.message)
			assert.Equal(t, int32(tt.attempts), lookups.Load())
			assert.Len(t, wire.requests(), tt.attempts, "no msdkgw call without a host")

			_, err = c.GetEngagement(context.Background(), core.Request{})
			requireCode(t, err, core.CodeDomainLookup)
			assert.Equal(t, int32(2*tt.attempts), lookups.Load(), "failures are not cached")
		})
	}
}

func TestDomainLookupIsCachedForTheTTL(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	wire, lookups := csdsWire(func(n int) (core.WireResponse, error) {
		return core.WireResponse{Status: 200, Body: map[string]any{"baseURI": []string{"a.v.test", "b.v.test"}[n%2]}}, nil
	})
	c, _ := csdsClient(t, wire, func(cfg *core.Config) { cfg.Now = clock; cfg.DomainTTL = 10 * time.Minute })
	ctx := context.Background()
	get := func() string {
		_, err := c.GetEngagement(ctx, core.Request{})
		require.NoError(t, err)
		urls := wire.urls()
		return urls[len(urls)-1]
	}
	assert.True(t, strings.HasPrefix(get(), "https://a.v.test/"))
	advance(9 * time.Minute)
	assert.True(t, strings.HasPrefix(get(), "https://a.v.test/"))
	assert.Equal(t, int32(1), lookups.Load())
	advance(time.Minute)
	assert.True(t, strings.HasPrefix(get(), "https://b.v.test/"), "asked again once the TTL passed")
	assert.Equal(t, int32(2), lookups.Load())
}

func TestDomainLookupDefaultTTLAndNoCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	answer := func(int) (core.WireResponse, error) {
		return core.WireResponse{Status: 200, Body: map[string]any{"baseURI": "a.v.test"}}, nil
	}
	ctx := context.Background()

	wire, lookups := csdsWire(answer)
	c, _ := csdsClient(t, wire, func(cfg *core.Config) { cfg.Now = clock })
	for _, step := range []time.Duration{0, 59 * time.Minute, time.Minute} {
		mu.Lock()
		now = now.Add(step)
		mu.Unlock()
		_, err := c.GetEngagement(ctx, core.Request{})
		require.NoError(t, err)
	}
	assert.Equal(t, int32(2), lookups.Load(), "default TTL is one hour")

	wire, lookups = csdsWire(answer)
	c, _ = csdsClient(t, wire, func(cfg *core.Config) { cfg.DomainTTL = -1 })
	for i := 0; i < 3; i++ {
		_, err := c.GetEngagement(ctx, core.Request{})
		require.NoError(t, err)
	}
	assert.Equal(t, int32(3), lookups.Load(), "a negative TTL asks every time")
}

func TestConcurrentDomainLookupsAreShared(t *testing.T) {
	release := make(chan struct{})
	wire, lookups := csdsWire(func(int) (core.WireResponse, error) {
		<-release
		return core.WireResponse{Status: 200, Body: map[string]any{"baseURI": "va.v.liveperson.net"}}, nil
	})
	c, _ := csdsClient(t, wire)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetEngagement(context.Background(), core.Request{VisitorID: "v1", SessionID: "s1"})
			assert.NoError(t, err)
		}()
	}
	for lookups.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	assert.Equal(t, int32(1), lookups.Load())
}

func TestDomainLookupCancelledLeaderDoesNotFailWaiters(t *testing.T) {
	started := make(chan struct{})
	lookups := &atomic.Int32{}
	wire := &fakeWire{answer: func(ctx context.Context, _ int, req core.WireRequest) (core.WireResponse, error) {
		if strings.Contains(req.URL, "/baseURI.json") {
			if lookups.Add(1) == 1 {
				close(started)
				<-ctx.Done() // the leader's lookup hangs until its caller gives up
				return core.WireResponse{}, ctx.Err()
			}
			return core.WireResponse{Status: 200, Body: map[string]any{"baseURI": "va.v.liveperson.net"}}, nil
		}
		return core.WireResponse{Status: 200, Body: notAvailable("V1", "S1", "P1")}, nil
	}}
	c, _ := csdsClient(t, wire)
	leaderCtx, cancel := context.WithCancel(context.Background())
	leader := make(chan error)
	go func() {
		_, err := c.GetEngagement(leaderCtx, core.Request{VisitorID: "a", SessionID: "b"})
		leader <- err
	}()
	<-started
	waiter := make(chan error)
	go func() {
		_, err := c.GetEngagement(context.Background(), core.Request{VisitorID: "c", SessionID: "d"})
		waiter <- err
	}()
	time.Sleep(10 * time.Millisecond) // let the waiter join the lookup under way
	cancel()
	requireCode(t, <-leader, core.CodeAborted)
	require.NoError(t, <-waiter, "the waiter looks up again instead of sharing the leader's cancellation")
	assert.Equal(t, int32(2), lookups.Load())
}

func TestDomainLookupScheme(t *testing.T) {
	tests := []struct {
		name, csds, baseURI, want string
	}{
		{"simulator: loopback CSDS over http, loopback host", "http://127.0.0.1:9999", "127.0.0.1:9999", "http://127.0.0.1:9999"},
		{"localhost", "http://localhost:9999", "localhost:7000", "http://localhost:7000"},
		{"loopback CSDS over http, remote host", "http://127.0.0.1:9999", "va.v.liveperson.net", "https://va.v.liveperson.net"},
		{"https CSDS, loopback host", "https://csds.example.test", "127.0.0.1:9999", "https://127.0.0.1:9999"},
		{"https CSDS, remote host", "https://api.liveperson.net/", "va.v.liveperson.net", "https://va.v.liveperson.net"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire, _ := csdsWire(func(int) (core.WireResponse, error) {
				return core.WireResponse{Status: 200, Body: map[string]any{"service": "msdkgw", "baseURI": tt.baseURI}}, nil
			})
			c, _ := csdsClient(t, wire, func(cfg *core.Config) { cfg.CSDSDomain = tt.csds })
			_, err := c.GetEngagement(context.Background(), core.Request{})
			require.NoError(t, err)
			urls := wire.urls()
			require.Len(t, urls, 2)
			assert.True(t, strings.HasPrefix(urls[0], strings.TrimSuffix(tt.csds, "/")+"/api/account/12345678/service/msdkgw/baseURI.json?version=1.0"), urls[0])
			assert.Equal(t, tt.want+"/api/account/12345678/app/engagement/visitors/?v=1.0", urls[1])
		})
	}
}

func TestNetworkFailureForgetsTheLookedUpHost(t *testing.T) {
	var msdkgwCalls atomic.Int32
	lookups := &atomic.Int32{}
	wire := &fakeWire{answer: func(_ context.Context, _ int, req core.WireRequest) (core.WireResponse, error) {
		if strings.Contains(req.URL, "/baseURI.json") {
			lookups.Add(1)
			return core.WireResponse{Status: 200, Body: map[string]any{"baseURI": "va.v.liveperson.net"}}, nil
		}
		if msdkgwCalls.Add(1) == 1 {
			return core.WireResponse{}, errConnRefused
		}
		return core.WireResponse{Status: 200, Body: notAvailable("V1", "S1", "P1")}, nil
	}}
	c, _ := csdsClient(t, wire, func(cfg *core.Config) { cfg.Retry.Delays = []time.Duration{} })
	_, err := c.GetEngagement(context.Background(), core.Request{})
	requireCode(t, err, core.CodeNetwork)
	_, err = c.GetEngagement(context.Background(), core.Request{})
	require.NoError(t, err)
	assert.Equal(t, int32(2), lookups.Load())
}

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LocalHost.": true, "127.0.0.1": true, "127.255.0.9": true,
		"::1": true, "[::1]": true, "::ffff:127.0.0.1": true,
		"": false, "localhost.evil.com": false, "10.0.0.1": false, "128.0.0.1": false,
		"::2": false, "[::1": false, "example.com": false, "127.0.0.1.evil.com": false,
	} {
		assert.Equal(t, want, core.IsLoopbackHost(host), "IsLoopbackHost(%q)", host)
	}
}
