package core_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

// ownTimeout is the error a transport returns when a timer of its own (a host setTimeout,
// an http.Client deadline) ended the attempt before the client's context did.
type ownTimeout struct{ d time.Duration }

func (o ownTimeout) Error() string   { return "attempt timed out after " + o.d.String() }
func (o ownTimeout) Is(t error) bool { return t == context.DeadlineExceeded }

// The client keeps each attempt's deadline itself: every transport gets a context with it,
// and the deadline travels in WireRequest.Timeout for adapters that hand it to their host.
func TestClientBoundsEveryAttempt(t *testing.T) {
	const timeout = 5 * time.Millisecond
	tests := []struct {
		name   string
		answer func(ctx context.Context, req core.WireRequest) (core.WireResponse, error)
	}{
		{"transport waits for the context", func(ctx context.Context, _ core.WireRequest) (core.WireResponse, error) {
			<-ctx.Done()
			return core.WireResponse{}, ctx.Err()
		}},
		{"transport's own timer fires first", func(_ context.Context, req core.WireRequest) (core.WireResponse, error) {
			return core.WireResponse{}, ownTimeout{req.Timeout}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var deadlines []bool
			wire := &fakeWire{}
			wire.answer = func(ctx context.Context, n int, req core.WireRequest) (core.WireResponse, error) {
				_, has := ctx.Deadline()
				deadlines = append(deadlines, has)
				return tt.answer(ctx, req)
			}
			c, sl := newFakeClient(t, wire, func(cfg *core.Config) {
				cfg.AttemptTimeout = timeout
				cfg.Retry.Delays = []time.Duration{time.Second, 2 * time.Second}
			})
			_, err := c.GetEngagement(context.Background(), core.Request{})
			e := requireCode(t, err, core.CodeTimeout)
			assert.ErrorIs(t, e, context.DeadlineExceeded)
			assert.Equal(t, []bool{true, true, true}, deadlines, "the client's deadline on every attempt")
			assert.Len(t, sl.got(), 2, "a timed-out attempt is retried")
			for _, r := range wire.requests() {
				assert.Equal(t, timeout, r.Timeout, "the deadline travels to the adapter")
			}
		})
	}
}

func TestAttemptTimeoutThenSuccess(t *testing.T) {
	wire := &fakeWire{}
	wire.answer = func(ctx context.Context, n int, req core.WireRequest) (core.WireResponse, error) {
		if n == 0 {
			return core.WireResponse{}, ownTimeout{req.Timeout}
		}
		return core.WireResponse{Status: 200, Body: notAvailable("v", "s", "p")}, nil
	}
	c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Retry.Delays = []time.Duration{time.Second} })
	_, err := c.GetEngagement(context.Background(), core.Request{})
	require.NoError(t, err)
	assert.Len(t, wire.requests(), 2)
}

func TestCallerCancelDuringAttemptIsAborted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	wire := &fakeWire{}
	wire.answer = func(actx context.Context, n int, req core.WireRequest) (core.WireResponse, error) {
		cancel()
		<-actx.Done()
		return core.WireResponse{}, actx.Err()
	}
	c, sl := newFakeClient(t, wire)
	_, err := c.GetEngagement(ctx, core.Request{})
	requireCode(t, err, core.CodeAborted)
	assert.True(t, errors.Is(err, context.Canceled))
	assert.Len(t, wire.requests(), 1)
	assert.Empty(t, sl.got())
}
