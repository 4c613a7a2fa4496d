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

// csdsByAccount answers CSDS for every account with host "<account>.example.com", counting
// the lookups per account and holding each answer until release is closed.
type csdsByAccount struct {
	mu      sync.Mutex
	calls   map[string]int
	release chan struct{}
}

func (c *csdsByAccount) Do(ctx context.Context, req core.WireRequest) (core.WireResponse, error) {
	acct := strings.Split(strings.TrimPrefix(req.URL, "http://127.0.0.1:9/api/account/"), "/")[0]
	c.mu.Lock()
	c.calls[acct]++
	c.mu.Unlock()
	if c.release != nil {
		select {
		case <-c.release:
		case <-ctx.Done():
			return core.WireResponse{}, ctx.Err()
		}
	}
	return core.WireResponse{Status: 200, Body: map[string]any{"service": "msdkgw", "account": acct, "baseURI": acct + ".example.com"}}, nil
}

func (c *csdsByAccount) count(acct string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[acct]
}

type mapStore struct {
	mu   sync.Mutex
	m    map[string]string
	puts int
}

func (s *mapStore) Get(_ context.Context, account string) (string, time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[account]
	return b, time.Minute, ok
}

func (s *mapStore) Put(_ context.Context, account, base string, _ time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[account] = base
	s.puts++
}

func TestDomainResolverSharesOneLookupPerAccount(t *testing.T) {
	wire := &csdsByAccount{calls: map[string]int{}, release: make(chan struct{})}
	r, err := core.NewDomainResolver(core.Config{CSDSDomain: "http://127.0.0.1:9", Transport: wire}, nil)
	require.NoError(t, err)
	var wg sync.WaitGroup
	got := make([]string, 40)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acct := []string{"111", "222"}[i%2]
			b, err := r.Resolve(context.Background(), acct)
			assert.NoError(t, err)
			got[i] = b
		}()
	}
	time.Sleep(20 * time.Millisecond) // let the callers pile up behind the two lookups
	close(wire.release)
	wg.Wait()
	for i, b := range got {
		assert.Equal(t, "https://"+[]string{"111", "222"}[i%2]+".example.com", b)
	}
	assert.Equal(t, 1, wire.count("111"))
	assert.Equal(t, 1, wire.count("222"))
	// Cached: no further lookup.
	_, err = r.Resolve(context.Background(), "111")
	require.NoError(t, err)
	assert.Equal(t, 1, wire.count("111"))
}

func TestDomainResolverTTLAndSharedStore(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	wire := &csdsByAccount{calls: map[string]int{}}
	store := &mapStore{m: map[string]string{"333": "https://shared.example.com"}}
	r, err := core.NewDomainResolver(core.Config{CSDSDomain: "http://127.0.0.1:9", Transport: wire, DomainTTL: 10 * time.Minute, Now: clock}, store)
	require.NoError(t, err)

	b, err := r.Resolve(context.Background(), "333")
	require.NoError(t, err)
	assert.Equal(t, "https://shared.example.com", b, "the shared store answers before CSDS is asked")
	assert.Zero(t, wire.count("333"))

	b, err = r.Resolve(context.Background(), "444")
	require.NoError(t, err)
	assert.Equal(t, "https://444.example.com", b)
	assert.Equal(t, "https://444.example.com", store.m["444"], "a lookup is kept in the shared store")

	now.Add(int64(9 * time.Minute))
	_, _ = r.Resolve(context.Background(), "444")
	assert.Equal(t, 1, wire.count("444"), "within the TTL")
	delete(store.m, "444")
	now.Add(int64(2 * time.Minute))
	_, _ = r.Resolve(context.Background(), "444")
	assert.Equal(t, 2, wire.count("444"), "after the TTL CSDS is asked again")

	_, err = core.NewDomainResolver(core.Config{CSDSDomain: "ftp://x"}, nil)
	require.Error(t, err)
	assert.Equal(t, core.CodeValidation, core.ErrorCode(err))
}
