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

// A redirect is never followed and never taken as an answer: it ends the call as
// CodeServer with its status, at once, and nothing from it is stored.
func TestRedirectIsAServerErrorNotRetried(t *testing.T) {
	for _, status := range []int{0, 301, 302, 303, 307, 308} {
		wire := &fakeWire{answer: script(wireAnswer{resp: core.WireResponse{Status: status,
			Body: notAvailable("evil-vid", "evil-sid", "p")}})}
		c, sl := newFakeClient(t, wire)
		_, err := c.GetEngagement(context.Background(), core.Request{})
		e := requireCode(t, err, core.CodeServer)
		assert.Equal(t, status, e.Status)
		assert.Contains(t, e.Message, "redirect")
		assert.Len(t, wire.requests(), 1, "status %d: not retried", status)
		assert.Empty(t, sl.got())
		s, err := c.Session(context.Background())
		require.NoError(t, err)
		assert.True(t, s.IsZero(), "status %d: nothing stored from a redirect", status)
	}
}

func TestBodyTooLargeIsNotRetried(t *testing.T) {
	wire := &fakeWire{}
	wire.answer = func(_ context.Context, _ int, req core.WireRequest) (core.WireResponse, error) {
		return core.WireResponse{}, &core.BodyTooLargeError{Status: 200, Limit: req.MaxBody}
	}
	c, sl := newFakeClient(t, wire)
	_, err := c.GetEngagement(context.Background(), core.Request{})
	e := requireCode(t, err, core.CodeServer)
	assert.Equal(t, 200, e.Status)
	var big *core.BodyTooLargeError
	require.ErrorAs(t, err, &big)
	assert.Equal(t, int64(core.MaxResponseBody), big.Limit, "the client's cap travels to the transport")
	assert.Len(t, wire.requests(), 1)
	assert.Empty(t, sl.got())
}

func TestMethodOverrideIsTheClientsDecision(t *testing.T) {
	for _, override := range []bool{false, true} {
		wire := &fakeWire{answer: script(answerStatus(200, notAvailable("v1", "s1", "p1")))}
		c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.MethodOverride = override })
		_, err := c.GetEngagement(context.Background(), core.Request{})
		require.NoError(t, err)
		require.NoError(t, c.UpdateSession(context.Background(), core.UpdateRequest{
			EngagementAttributes: []core.Attribute{{"type": "lead", "lead": map[string]any{"topic": "x"}}}}))
		reqs := wire.requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, "POST", reqs[0].Method, "Create Session is a POST either way")
		assert.Empty(t, reqs[0].MethodOverride)
		if override {
			assert.Equal(t, "POST", reqs[1].Method)
			assert.Equal(t, "PUT", reqs[1].MethodOverride)
		} else {
			assert.Equal(t, "PUT", reqs[1].Method)
			assert.Empty(t, reqs[1].MethodOverride)
		}
	}
}

// stuckStore is a SessionStore whose Save blocks until its context ends (a file on a hung
// disk); Load answers from memory.
type stuckStore struct {
	core.MemoryStore
	saving chan struct{} // closed when the first Save starts
	once   bool
}

func (s *stuckStore) Save(ctx context.Context, _ core.Session) error {
	if !s.once {
		s.once = true
		close(s.saving)
	}
	<-ctx.Done()
	return errors.New("store: gave up: " + ctx.Err().Error())
}

// A call stuck in the store must not make other calls ignore their deadline or abort, and a
// store that gives up because the caller's deadline passed is that deadline, not internal.
func TestStuckStoreLeavesOtherCallsCancellable(t *testing.T) {
	wire := &fakeWire{answer: script(answerStatus(200, notAvailable("v1", "s1", "p1")))}
	store := &stuckStore{saving: make(chan struct{})}
	c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })

	stuckCtx, stopStuck := context.WithCancel(context.Background())
	defer stopStuck()
	stuck := make(chan error, 1)
	go func() { _, err := c.GetEngagement(stuckCtx, core.Request{}); stuck <- err }()
	<-store.saving

	finish := func(ctx context.Context, fn func(context.Context) error) error {
		done := make(chan error, 1)
		go func() { done <- fn(ctx) }()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second): // a watchdog so that the old behaviour fails instead of hanging
			return errors.New("the call did not end: it waits on the stuck store's lock")
		}
	}
	get := func(ctx context.Context) error { _, err := c.GetEngagement(ctx, core.Request{}); return err }

	tctx, cancelT := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelT()
	requireCode(t, finish(tctx, get), core.CodeTimeout)

	actx, abort := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); abort() }()
	requireCode(t, finish(actx, get), core.CodeAborted)

	sctx, cancelS := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelS()
	requireCode(t, finish(sctx, func(ctx context.Context) error { _, err := c.Session(ctx); return err }), core.CodeTimeout)

	stopStuck()
	requireCode(t, <-stuck, core.CodeAborted)
}

func TestSlowStoreEndsInTheCallersTimeout(t *testing.T) {
	wire := &fakeWire{answer: script(answerStatus(200, notAvailable("v1", "s1", "p1")))}
	store := &stuckStore{saving: make(chan struct{})}
	c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := c.GetEngagement(ctx, core.Request{})
	e := requireCode(t, err, core.CodeTimeout)
	assert.Contains(t, e.Message, "session store")
}

// The plain-http rule lives in the client alone (the JS transport's copy was removed): https
// anywhere, plain http only to a loopback host; a refused domain sends nothing because no
// client is made.
func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	for _, tt := range []struct {
		domain  string
		allowed bool
	}{
		{"https://va.v.liveperson.net", true},
		{"https://example.com", true},
		{"http://127.0.0.1:8081", true},
		{"http://127.0.0.1:8080", true},
		{"http://127.9.9.9", true},
		{"http://localhost:8081", true},
		{"http://localhost", true},
		{"http://LOCALHOST.", true},
		{"http://[::1]:8081", true},
		{"http://[::1]:80", true},
		{"http://[::ffff:127.0.0.1]", true},
		{"http://va.v.liveperson.net", false},
		{"http://10.0.0.1", false},
		{"http://localhost.evil.com", false},
		{"http://127.0.0.1.evil.com", false},
		{"http://user@evil.com", false},
		{"http://127.0.0.1@evil.com", false},
		{"ftp://127.0.0.1", false},
		{"//127.0.0.1", false},
	} {
		t.Run(tt.domain, func(t *testing.T) {
			wire := &fakeWire{answer: script(answerStatus(200, notAvailable("v", "s", "p")))}
			c, err := core.NewClient(core.Config{AccountID: "a1", Domain: tt.domain, Transport: wire})
			if !tt.allowed {
				e := requireCode(t, err, core.CodeValidation)
				assert.Equal(t, "domain", e.Field())
				return
			}
			require.NoError(t, err)
			_, err = c.GetEngagement(context.Background(), core.Request{})
			require.NoError(t, err)
			assert.Len(t, wire.requests(), 1)
		})
	}
}
