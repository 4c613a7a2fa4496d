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

// enforcingWire is a transport that bounds each attempt by WireRequest.Timeout itself when
// enforce is true, the way jsbridge's fetch transport does with a host timer.
type enforcingWire struct {
	fakeWire
	enforce bool
}

func (e *enforcingWire) EnforcesAttemptTimeout() bool { return e.enforce }

// ownTimeout is the error such a transport returns when its own attempt timer fired.
type ownTimeout struct{ d time.Duration }

func (o ownTimeout) Error() string   { return "attempt timed out after " + o.d.String() }
func (o ownTimeout) Is(t error) bool { return t == context.DeadlineExceeded }

func TestEnforcingTransportGetsNoClientDeadline(t *testing.T) {
	const timeout = 5 * time.Millisecond
	tests := []struct {
		name         string
		enforce      bool
		wantDeadline bool
	}{
		{"transport enforces the timeout: no client timer", true, false},
		{"transport says it does not: the client's timer", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var deadlines []bool
			wire := &enforcingWire{enforce: tt.enforce}
			wire.answer = func(ctx context.Context, n int, req core.WireRequest) (core.WireResponse, error) {
				_, has := ctx.Deadline()
				deadlines = append(deadlines, has)
				if tt.enforce {
					return core.WireResponse{}, ownTimeout{req.Timeout} // its own timer fired
				}
				<-ctx.Done()
				return core.WireResponse{}, ctx.Err()
			}
			c, sl := newFakeClient(t, &wire.fakeWire, func(cfg *core.Config) {
				cfg.Transport = wire
				cfg.AttemptTimeout = timeout
				cfg.Retry.Delays = []time.Duration{time.Second, 2 * time.Second}
			})
			_, err := c.GetEngagement(context.Background(), core.Request{})
			requireCode(t, err, core.CodeTimeout)
			assert.Equal(t, []bool{tt.wantDeadline, tt.wantDeadline, tt.wantDeadline}, deadlines)
			assert.Len(t, sl.got(), 2, "a timed-out attempt is retried")
			for _, r := range wire.requests() {
				assert.Equal(t, timeout, r.Timeout, "the deadline travels to the adapter")
			}
		})
	}
}

func TestEnforcingTransportTimeoutThenSuccess(t *testing.T) {
	wire := &enforcingWire{enforce: true}
	wire.answer = func(ctx context.Context, n int, req core.WireRequest) (core.WireResponse, error) {
		if n == 0 {
			return core.WireResponse{}, ownTimeout{req.Timeout}
		}
		return core.WireResponse{Status: 200, Body: notAvailable("v", "s", "p")}, nil
	}
	c, _ := newFakeClient(t, &wire.fakeWire, func(cfg *core.Config) {
		cfg.Transport = wire
		cfg.Retry.Delays = []time.Duration{time.Second}
	})
	_, err := c.GetEngagement(context.Background(), core.Request{})
	require.NoError(t, err)
	assert.Len(t, wire.requests(), 2)
}

func TestEnforcingTransportCallerCancelIsAborted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	wire := &enforcingWire{enforce: true}
	wire.answer = func(actx context.Context, n int, req core.WireRequest) (core.WireResponse, error) {
		cancel()
		<-actx.Done()
		return core.WireResponse{}, actx.Err()
	}
	c, sl := newFakeClient(t, &wire.fakeWire, func(cfg *core.Config) { cfg.Transport = wire })
	_, err := c.GetEngagement(ctx, core.Request{})
	requireCode(t, err, core.CodeAborted)
	assert.True(t, errors.Is(err, context.Canceled))
	assert.Len(t, wire.requests(), 1)
	assert.Empty(t, sl.got())
}
