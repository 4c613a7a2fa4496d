package core_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

// watchRig drives a Watch step by step: every exchange and every pause is an event the test
// reads in order, so nothing depends on timing.
type watchRig struct {
	events chan string
}

func (r *watchRig) send(ctx context.Context, e string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case r.events <- e:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *watchRig) next(t *testing.T) string {
	t.Helper()
	select {
	case e := <-r.events:
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("the watch stalled")
		return ""
	}
}

// quiet reports whether no event arrives for a while (the watch has ended).
func (r *watchRig) quiet() bool {
	select {
	case <-r.events:
		return false
	case <-time.After(50 * time.Millisecond):
		return true
	}
}

func describe(resp core.Response, err error) string {
	if err != nil {
		return "change error " + string(core.ErrorCode(err))
	}
	s := "change " + string(resp.Status)
	if d := resp.EngagementDetails; d != nil {
		s += " " + d.EngagementID + " rev " + strconv.FormatInt(d.EngagementRevision, 10)
	}
	return s
}

func TestWatchReportsTheFirstResultThenOnlyChanges(t *testing.T) {
	withEngagement := func(id string, rev, validFor float64) map[string]any {
		b := available("V1", "S1", "P", rev, validFor)
		b["engagementDetails"].(map[string]any)["engagementId"] = id
		return b
	}
	answers := []wireAnswer{
		answerStatus(200, notAvailable("V1", "S1", "P")),
		answerStatus(200, notAvailable("V1", "S1", "P")),
		answerStatus(200, withEngagement("E1", 1, 900)),
		answerStatus(200, withEngagement("E1", 1, 30)),
		answerStatus(200, withEngagement("E1", 2, 900)),
		answerStatus(200, withEngagement("E2", 2, 900)),
		answerStatus(503, nil),
		answerStatus(503, nil),
		answerStatus(404, nil),
		answerStatus(200, notAvailable("V1", "S1", "P")),
	}
	rig := &watchRig{events: make(chan string)}
	wire := &fakeWire{answer: func(ctx context.Context, n int, req core.WireRequest) (core.WireResponse, error) {
		if err := rig.send(ctx, "call"); err != nil {
			return core.WireResponse{}, err
		}
		return answers[n].resp, answers[n].err
	}}
	c, _ := newFakeClient(t, wire, func(cfg *core.Config) {
		cfg.Retry.Delays = []time.Duration{}
		cfg.Retry.Sleep = func(ctx context.Context, d time.Duration) error { return rig.send(ctx, "sleep "+d.String()) }
	})
	changes := 0
	var stop func()
	stop = c.Watch(context.Background(), core.Request{}, core.WatchOptions{}, func(resp core.Response, err error) {
		if changes++; changes == 7 {
			stop() // the last expected change: end the watch from its own callback
		}
		rig.events <- describe(resp, err)
	})
	defer stop()

	want := []string{
		"call", "change NotAvailable", "sleep 1m0s",
		"call", "sleep 1m0s", // same answer: no callback
		"call", "change Available E1 rev 1", "sleep 1m0s",
		"call", "sleep 24s", // same engagement; validForSeconds 30 caps the pause at 80%
		"call", "change Available E1 rev 2", "sleep 1m0s",
		"call", "change Available E2 rev 2", "sleep 1m0s",
		"call", "change error server", "sleep 1m0s",
		"call", "sleep 1m0s", // same error code
		"call", "change error not_found", "sleep 1m0s",
		"call", "change NotAvailable",
	}
	for i, w := range want {
		require.Equal(t, w, rig.next(t), "event %d", i)
	}
	stop() // idempotent
	assert.True(t, rig.quiet(), "no pause and no call after stop")
	assert.Len(t, wire.requests(), len(answers))
}

func TestWatchInterval(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
		validFor float64
		pause    time.Duration
	}{
		{"custom interval", 10 * time.Second, 900, 10 * time.Second},
		{"capped by validForSeconds", 10 * time.Minute, 100, 80 * time.Second},
		{"never below a second", 0, 1, time.Second},
		{"validForSeconds 0 is ignored", 0, 0, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rig := &watchRig{events: make(chan string)}
			wire := &fakeWire{answer: script(answerStatus(200, available("V1", "S1", "P", 1, tt.validFor)))}
			c, _ := newFakeClient(t, wire, func(cfg *core.Config) {
				cfg.Retry.Sleep = func(ctx context.Context, d time.Duration) error { return rig.send(ctx, d.String()) }
			})
			stop := c.Watch(context.Background(), core.Request{}, core.WatchOptions{Interval: tt.interval}, func(core.Response, error) {})
			defer stop()
			assert.Equal(t, tt.pause.String(), rig.next(t))
		})
	}
}

func TestWatchEndsOnAValidationError(t *testing.T) {
	rig := &watchRig{events: make(chan string)}
	wire := &fakeWire{answer: script(answerStatus(200, notAvailable("V1", "S1", "P")))}
	c, _ := newFakeClient(t, wire, func(cfg *core.Config) {
		cfg.Retry.Sleep = func(ctx context.Context, d time.Duration) error { return rig.send(ctx, "sleep") }
	})
	stop := c.Watch(context.Background(), core.Request{AppType: "WEB"}, core.WatchOptions{}, func(resp core.Response, err error) {
		rig.events <- describe(resp, err)
	})
	defer stop()
	assert.Equal(t, "change error validation", rig.next(t))
	assert.True(t, rig.quiet(), "asking again cannot help")
	assert.Empty(t, wire.requests())
}

func TestWatchStopFromTheCallback(t *testing.T) {
	rig := &watchRig{events: make(chan string, 10)}
	wire := &fakeWire{answer: script(answerStatus(200, notAvailable("V1", "S1", "P")))}
	c, _ := newFakeClient(t, wire, func(cfg *core.Config) {
		cfg.Retry.Sleep = func(ctx context.Context, d time.Duration) error { return rig.send(ctx, "sleep") }
	})
	var stop func()
	ready := make(chan struct{})
	stop = c.Watch(context.Background(), core.Request{}, core.WatchOptions{}, func(resp core.Response, err error) {
		<-ready
		stop() // must not deadlock
		rig.events <- "callback"
	})
	close(ready)
	assert.Equal(t, "callback", rig.next(t))
	assert.True(t, rig.quiet(), "no pause and no call after stop")
	assert.Len(t, wire.requests(), 1)
}

func TestWatchEndsWithItsContextWithoutReportingIt(t *testing.T) {
	rig := &watchRig{events: make(chan string)}
	ctx, cancel := context.WithCancel(context.Background())
	wire := &fakeWire{answer: func(c context.Context, n int, req core.WireRequest) (core.WireResponse, error) {
		cancel()
		<-c.Done()
		return core.WireResponse{}, c.Err()
	}}
	c, _ := newFakeClient(t, wire)
	stop := c.Watch(ctx, core.Request{}, core.WatchOptions{}, func(resp core.Response, err error) {
		rig.events <- describe(resp, err)
	})
	defer stop()
	assert.True(t, rig.quiet(), "the cancelled call is not reported")
}

// WatchPrepared asks with the prepared body every time; one prepared under other rules is
// reported once, as an invalid request is, and nothing is sent.
func TestWatchPrepared(t *testing.T) {
	rig := &watchRig{events: make(chan string)}
	wire := &fakeWire{answer: script(answerStatus(200, notAvailable("V1", "S1", "P")))}
	c, _ := newFakeClient(t, wire, func(cfg *core.Config) {
		cfg.Retry.Sleep = func(ctx context.Context, d time.Duration) error { return rig.send(ctx, "sleep") }
	})
	strict, err := core.Validation{Strict: true}.Prepare(map[string]any{"consumerSections": []any{"x"}})
	require.NoError(t, err)
	stop := c.WatchPrepared(context.Background(), strict, core.WatchOptions{}, func(resp core.Response, err error) {
		rig.events <- describe(resp, err)
	})
	assert.Equal(t, "change error validation", rig.next(t))
	assert.True(t, rig.quiet())
	stop()
	assert.Empty(t, wire.requests())

	p, err := c.Prepare(map[string]any{"consumerSections": []any{"x"}})
	require.NoError(t, err)
	stop = c.WatchPrepared(context.Background(), p, core.WatchOptions{}, func(resp core.Response, err error) {
		rig.events <- describe(resp, err)
	})
	defer stop()
	assert.Equal(t, "change NotAvailable", rig.next(t))
	assert.Equal(t, "sleep", rig.next(t))
	assert.Equal(t, "sleep", rig.next(t))
	reqs := wire.requests() // two asks made, a third may be under way
	require.GreaterOrEqual(t, len(reqs), 2)
	for _, r := range reqs {
		assert.Equal(t, map[string]any{"appType": "EXTERNAL", "consumerSections": []any{"x"}}, r.Body)
		assert.Equal(t, reqs[0].BodyID, r.BodyID, "one prepared body for every ask")
	}
}
