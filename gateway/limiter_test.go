package gateway_test

import (
	"context"
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
		{"charge reaching the cap", 11 * time.Second, "charge", "b", false, 59 * time.Second},
		{"reserve after the charge", 12 * time.Second, "reserve", "b", false, 58 * time.Second},
		{"new window", 61 * time.Second, "reserve", "a", true, 0},
		{"charge with room left", 62 * time.Second, "charge", "c", true, 0},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			now = start.Add(s.after)
			var adm gateway.Admission
			var err error
			if s.op == "reserve" {
				adm, err = l.Reserve(ctx, s.client, 2)
			} else {
				adm, err = l.Charge(ctx, s.client, 2)
			}
			require.NoError(t, err)
			assert.Equal(t, s.allowed, adm.Allowed)
			if !s.allowed {
				assert.Equal(t, s.retryMax, adm.RetryAfter)
			}
		})
	}
}
