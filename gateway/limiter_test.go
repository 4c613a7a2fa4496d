package gateway_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/gateway"
)

func TestMemoryLimiter(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start
	l := gateway.NewMemoryLimiter(func() time.Time { return now })
	ctx := context.Background()
	steps := []struct {
		name     string
		after    time.Duration // since start
		op       string
		client   string
		allowed  bool
		retryMax time.Duration
	}{
		{"first", 0, "reserve", "a", true, 0},
		{"second", time.Second, "reserve", "a", true, 0},
		{"over the cap", 10 * time.Second, "reserve", "a", false, 50 * time.Second},
		{"other client", 10 * time.Second, "reserve", "b", true, 0},
		{"release gives the slot back", 11 * time.Second, "release", "a", true, 0},
		{"a confirmed vid reserves nothing", 11 * time.Second, "known", "a", true, 0},
		{"reserve after the release", 12 * time.Second, "reserve", "a", true, 0},
		{"full again", 12 * time.Second, "reserve", "a", false, 48 * time.Second},
		{"new window", 61 * time.Second, "reserve", "a", true, 0},
		{"a release from the old window does not count", 62 * time.Second, "stale release", "a", true, 0},
		{"second of the new window", 62 * time.Second, "reserve", "a", true, 0},
		{"third of the new window is refused", 62 * time.Second, "reserve", "a", false, 59 * time.Second},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			now = start.Add(s.after)
			switch s.op {
			case "release":
				require.NoError(t, l.Settle(ctx, s.client, start, true, "V1"))
				return
			case "stale release":
				require.NoError(t, l.Settle(ctx, s.client, start, true, ""))
				return
			case "known":
				adm, err := l.Reserve(ctx, s.client, 2, "V1")
				require.NoError(t, err)
				assert.True(t, adm.Allowed && adm.Known)
				return
			}
			adm, err := l.Reserve(ctx, s.client, 2, "")
			require.NoError(t, err)
			assert.Equal(t, s.allowed, adm.Allowed)
			if !s.allowed {
				assert.Equal(t, s.retryMax, adm.RetryAfter)
			}
		})
	}
}

func TestMemoryLimiterIsExactUnderConcurrency(t *testing.T) {
	l := gateway.NewMemoryLimiter(nil)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			adm, err := l.Reserve(context.Background(), "a", 5, "invented")
			if err == nil && adm.Allowed {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(5), allowed.Load())
}

// The visitor ids confirmed for one client are remembered for KnownVisitorTTL and bounded
// (1,000 per client): past the bound the expired ones go first, and all of them when none
// has expired, so a client confirming endless ids cannot grow the limiter.
func TestMemoryLimiterForgetsConfirmedVisitors(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start
	l := gateway.NewMemoryLimiter(func() time.Time { return now })
	ctx := context.Background()
	known := func(vid string) bool {
		adm, err := l.Reserve(ctx, "c", 1_000_000, vid)
		require.NoError(t, err)
		return adm.Known
	}
	confirm := func(vid string) { require.NoError(t, l.Settle(ctx, "c", start, false, vid)) }
	_, err := l.Reserve(ctx, "c", 1_000_000, "")
	require.NoError(t, err)

	confirm("old")
	now = start.Add(gateway.KnownVisitorTTL)
	assert.False(t, known("old"), "expired after KnownVisitorTTL")
	for i := 0; i < 999; i++ {
		confirm(fmt.Sprintf("v%d", i))
	}
	confirm("last") // the 1,001st entry: the expired "old" makes room
	assert.True(t, known("v0"))
	assert.True(t, known("last"))
	confirm("over") // none expired: the set starts again
	assert.False(t, known("v0"))
	assert.False(t, known("last"))
	assert.True(t, known("over"))
}
