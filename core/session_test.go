package core_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

func TestSessionIsReused(t *testing.T) {
	wire := &fakeWire{answer: script(
		answerStatus(200, notAvailable("V1", "S1", "P1")),
		answerStatus(200, available("V1", "S1", "P2", 3, 900)),
	)}
	c, _ := newFakeClient(t, wire)
	ctx := context.Background()

	s, err := c.Session(ctx)
	require.NoError(t, err)
	assert.True(t, s.IsZero())

	_, err = c.GetEngagement(ctx, core.Request{})
	require.NoError(t, err)
	_, err = c.GetEngagement(ctx, core.Request{})
	require.NoError(t, err)

	assert.Equal(t, []string{firstURL("", ""), firstURL("V1", "S1")}, wire.urls())
	s, err = c.Session(ctx)
	require.NoError(t, err)
	assert.Equal(t, core.Session{VisitorID: "V1", SessionID: "S1", PageID: "P2"}, s, "the last pageId is kept")
}

func TestServerIdsReplaceTheStoredOnes(t *testing.T) {
	// An unknown sid makes the server open a new session; its answer is the truth.
	wire := &fakeWire{answer: script(
		answerStatus(200, notAvailable("V1", "S1", "P1")),
		answerStatus(200, notAvailable("V1", "S2", "P2")),
		answerStatus(200, notAvailable("V1", "S2", "P3")),
	)}
	c, _ := newFakeClient(t, wire)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		_, err := c.GetEngagement(ctx, core.Request{})
		require.NoError(t, err)
	}
	assert.Equal(t, firstURL("V1", "S2"), wire.urls()[2])
}

func TestConcurrentFirstCallsCreateOneVisitor(t *testing.T) {
	const callers = 100
	var withoutIDs atomic.Int32
	firstStarted := make(chan struct{})
	releaseFirst := make(chan struct{})
	wire := &fakeWire{answer: func(_ context.Context, n int, req core.WireRequest) (core.WireResponse, error) {
		if strings.Contains(req.URL, "/visitors/?") {
			if withoutIDs.Add(1) == 1 {
				close(firstStarted)
				<-releaseFirst // hold the first Create Session until every caller is waiting
			}
			return core.WireResponse{Status: 200, Body: notAvailable("V1", "S1", "P0")}, nil
		}
		return core.WireResponse{Status: 200, Body: notAvailable("V1", "S1", "P")}, nil
	}}
	c, _ := newFakeClient(t, wire)

	var wg sync.WaitGroup
	errs := make(chan error, callers)
	visitors := make(chan string, callers)
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.GetEngagement(context.Background(), core.Request{})
			errs <- err
			visitors <- resp.VisitorID
		}()
	}
	<-firstStarted
	close(releaseFirst)
	wg.Wait()
	close(errs)
	close(visitors)
	for err := range errs {
		require.NoError(t, err)
	}
	for v := range visitors {
		assert.Equal(t, "V1", v)
	}
	assert.Equal(t, int32(1), withoutIDs.Load(), "exactly one Create Session without ids")
	reqs := wire.requests()
	assert.Len(t, reqs, callers)
	for _, r := range reqs {
		if !strings.Contains(r.URL, "/visitors/?") {
			assert.Equal(t, firstURL("V1", "S1"), r.URL)
		}
	}
}

func TestWaitersTakeOverWhenTheFirstCreateFails(t *testing.T) {
	const callers = 10
	var withoutIDs atomic.Int32
	firstStarted := make(chan struct{})
	releaseFirst := make(chan struct{})
	wire := &fakeWire{answer: func(_ context.Context, n int, req core.WireRequest) (core.WireResponse, error) {
		if strings.Contains(req.URL, "/visitors/?") {
			if withoutIDs.Add(1) == 1 {
				close(firstStarted)
				<-releaseFirst
				return core.WireResponse{Status: 503}, nil
			}
		}
		return core.WireResponse{Status: 200, Body: notAvailable("V2", "S2", "P")}, nil
	}}
	c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Retry.Delays = []time.Duration{} })
	var wg sync.WaitGroup
	var failures atomic.Int32
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetEngagement(context.Background(), core.Request{}); err != nil {
				assert.Equal(t, core.CodeServer, core.ErrorCode(err))
				failures.Add(1)
			}
		}()
	}
	<-firstStarted
	close(releaseFirst)
	wg.Wait()
	assert.Equal(t, int32(1), failures.Load(), "only the caller whose request failed sees the failure")
	assert.Equal(t, int32(2), withoutIDs.Load(), "one waiter takes over the creation, the rest reuse its ids")
}

func TestWaiterGivesUpWithItsContext(t *testing.T) {
	firstStarted := make(chan struct{})
	releaseFirst := make(chan struct{})
	wire := &fakeWire{answer: func(_ context.Context, n int, req core.WireRequest) (core.WireResponse, error) {
		if n == 0 {
			close(firstStarted)
			<-releaseFirst
		}
		return core.WireResponse{Status: 200, Body: notAvailable("V1", "S1", "P")}, nil
	}}
	c, _ := newFakeClient(t, wire)
	done := make(chan error)
	go func() {
		_, err := c.GetEngagement(context.Background(), core.Request{})
		done <- err
	}()
	<-firstStarted
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.GetEngagement(ctx, core.Request{})
	requireCode(t, err, core.CodeAborted)
	close(releaseFirst)
	require.NoError(t, <-done)
	assert.Len(t, wire.requests(), 1)
}

func TestUnauthorizedStoredSessionIsDroppedAndRetriedOnce(t *testing.T) {
	store := core.NewMemoryStore()
	require.NoError(t, store.Save(context.Background(), core.Session{VisitorID: "Vold", SessionID: "Sold", PageID: "Pold"}))
	wire := &fakeWire{answer: script(
		answerStatus(401, lpError("invalid vid", 0)),
		answerStatus(200, notAvailable("Vnew", "Snew", "Pnew")),
	)}
	c, sl := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })
	resp, err := c.GetEngagement(context.Background(), core.Request{})
	require.NoError(t, err)
	assert.Equal(t, "Vnew", resp.VisitorID)
	assert.Equal(t, []string{firstURL("Vold", "Sold"), firstURL("", "")}, wire.urls())
	assert.Empty(t, sl.got(), "a 401 is not a retry of the policy")
	s, err := store.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, core.Session{VisitorID: "Vnew", SessionID: "Snew", PageID: "Pnew"}, s)
}

func TestUnauthorizedRecoveryDoesNotLoop(t *testing.T) {
	store := core.NewMemoryStore()
	require.NoError(t, store.Save(context.Background(), core.Session{VisitorID: "Vold", SessionID: "Sold"}))
	wire := &fakeWire{answer: script(answerStatus(401, lpError("invalid", 0)))}
	c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })
	_, err := c.GetEngagement(context.Background(), core.Request{})
	e := requireCode(t, err, core.CodeUnauthorized)
	assert.Equal(t, 401, e.Status)
	assert.Equal(t, []string{firstURL("Vold", "Sold"), firstURL("", "")}, wire.urls())
	s, err := c.Session(context.Background())
	require.NoError(t, err)
	assert.True(t, s.IsZero(), "the refused session is gone")
}

func TestExplicitIds(t *testing.T) {
	t.Run("used as given and the store follows the answer", func(t *testing.T) {
		store := core.NewMemoryStore()
		require.NoError(t, store.Save(context.Background(), core.Session{VisitorID: "Vstored", SessionID: "Sstored"}))
		wire := &fakeWire{answer: script(answerStatus(200, notAvailable("123", "456", "P9")))}
		c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })
		_, err := c.GetEngagement(context.Background(), core.Request{VisitorID: "123", SessionID: "456"})
		require.NoError(t, err)
		assert.Equal(t, []string{firstURL("123", "456")}, wire.urls())
		s, _ := store.Load(context.Background())
		assert.Equal(t, core.Session{VisitorID: "123", SessionID: "456", PageID: "P9"}, s)
	})
	t.Run("a vid alone is not completed from the store", func(t *testing.T) {
		store := core.NewMemoryStore()
		require.NoError(t, store.Save(context.Background(), core.Session{VisitorID: "Vstored", SessionID: "Sstored"}))
		wire := &fakeWire{answer: script(answerStatus(200, notAvailable("V7", "Snew", "P1")))}
		c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })
		_, err := c.GetEngagement(context.Background(), core.Request{VisitorID: "V7"})
		require.NoError(t, err)
		assert.Equal(t, []string{firstURL("V7", "")}, wire.urls())
	})
	t.Run("a 401 for them is returned and the store kept", func(t *testing.T) {
		store := core.NewMemoryStore()
		stored := core.Session{VisitorID: "Vstored", SessionID: "Sstored", PageID: "P"}
		require.NoError(t, store.Save(context.Background(), stored))
		wire := &fakeWire{answer: script(answerStatus(401, nil))}
		c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })
		_, err := c.GetEngagement(context.Background(), core.Request{VisitorID: "123", SessionID: "456"})
		requireCode(t, err, core.CodeUnauthorized)
		assert.Len(t, wire.requests(), 1)
		s, _ := store.Load(context.Background())
		assert.Equal(t, stored, s)
	})
}

func TestResetSession(t *testing.T) {
	wire := &fakeWire{answer: script(answerStatus(200, notAvailable("V1", "S1", "P1")))}
	c, _ := newFakeClient(t, wire)
	ctx := context.Background()
	_, err := c.GetEngagement(ctx, core.Request{})
	require.NoError(t, err)
	require.NoError(t, c.ResetSession(ctx))
	s, err := c.Session(ctx)
	require.NoError(t, err)
	assert.True(t, s.IsZero())
	_, err = c.GetEngagement(ctx, core.Request{})
	require.NoError(t, err)
	assert.Equal(t, []string{firstURL("", ""), firstURL("", "")}, wire.urls())
}

// brokenStore fails the operations named in failing.
type brokenStore struct {
	core.MemoryStore
	failing string
}

var errDisk = errors.New("disk full")

func (b *brokenStore) Load(ctx context.Context) (core.Session, error) {
	if strings.Contains(b.failing, "load") {
		return core.Session{}, errDisk
	}
	return b.MemoryStore.Load(ctx)
}

func (b *brokenStore) Save(ctx context.Context, s core.Session) error {
	if strings.Contains(b.failing, "save") {
		return errDisk
	}
	return b.MemoryStore.Save(ctx, s)
}

func (b *brokenStore) Clear(ctx context.Context) error {
	if strings.Contains(b.failing, "clear") {
		return errDisk
	}
	return b.MemoryStore.Clear(ctx)
}

func TestSessionStoreFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("load", func(t *testing.T) {
		wire := &fakeWire{answer: script(answerStatus(200, notAvailable("V1", "S1", "P1")))}
		c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = &brokenStore{failing: "load"} })
		_, err := c.GetEngagement(ctx, core.Request{})
		e := requireCode(t, err, core.CodeInternal)
		assert.ErrorIs(t, e, errDisk)
		assert.Empty(t, wire.requests())
		_, err = c.Session(ctx)
		assert.ErrorIs(t, err, errDisk)
	})
	t.Run("save keeps the answer", func(t *testing.T) {
		wire := &fakeWire{answer: script(answerStatus(200, notAvailable("V1", "S1", "P1")))}
		c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = &brokenStore{failing: "save"} })
		resp, err := c.GetEngagement(ctx, core.Request{})
		requireCode(t, err, core.CodeInternal)
		assert.Equal(t, "V1", resp.VisitorID, "the answer is not lost")
	})
	t.Run("clear", func(t *testing.T) {
		wire := &fakeWire{answer: script(answerStatus(200, notAvailable("V1", "S1", "P1")))}
		c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = &brokenStore{failing: "clear"} })
		err := c.ResetSession(ctx)
		assert.ErrorIs(t, err, errDisk)
		assert.Equal(t, core.CodeInternal, core.ErrorCode(err))
	})
}

func TestUpdateSession(t *testing.T) {
	ctx := context.Background()
	lead := core.Attribute{"type": "lead", "lead": map[string]any{"topic": "upgrade", "value": 49.5}}

	t.Run("needs a session", func(t *testing.T) {
		wire := &fakeWire{answer: script(answerStatus(200, map[string]any{}))}
		c, _ := newFakeClient(t, wire)
		err := c.UpdateSession(ctx, core.UpdateRequest{PageID: "P1"})
		e := requireCode(t, err, core.CodeValidation)
		assert.Equal(t, "vid", e.Field())
		assert.Contains(t, e.Error(), "no session: call GetEngagement first")
		require.Len(t, e.Problems, 2)
		assert.Equal(t, "sid", e.Problems[1].Field)
		assert.Empty(t, wire.requests())
	})

	wire := &fakeWire{answer: script(
		answerStatus(200, available("V1", "S1", "P1", 12, 900)),
		answerStatus(200, map[string]any{}),
	)}
	c, _ := newFakeClient(t, wire)
	resp, err := c.GetEngagement(ctx, core.Request{})
	require.NoError(t, err)
	display, err := core.Impression("impDisplay", *resp.EngagementDetails)
	require.NoError(t, err)

	t.Run("uses the last pageId", func(t *testing.T) {
		require.NoError(t, c.UpdateSession(ctx, core.UpdateRequest{
			EngagementAttributes: []core.Attribute{lead},
			ImpAttributes:        []core.Attribute{display},
		}))
		reqs := wire.requests()
		last := reqs[len(reqs)-1]
		assert.Equal(t, "PUT", last.Method)
		assert.Equal(t, firstURL("V1", "S1"), last.URL)
		body := last.Body.(map[string]any)
		assert.Equal(t, "P1", body["pageId"])
		assert.Len(t, body["impAttributes"], 1)
		assert.Len(t, body["engagementAttributes"], 1)
	})
	t.Run("an explicit pageId wins", func(t *testing.T) {
		require.NoError(t, c.UpdateSession(ctx, core.UpdateRequest{PageID: "P0"}))
		reqs := wire.requests()
		assert.Equal(t, "P0", reqs[len(reqs)-1].Body.(map[string]any)["pageId"])
	})
	t.Run("invalid input is refused before sending", func(t *testing.T) {
		before := len(wire.requests())
		err := c.UpdateSession(ctx, core.UpdateRequest{ImpAttributes: []core.Attribute{lead}})
		e := requireCode(t, err, core.CodeValidation)
		assert.True(t, strings.HasPrefix(e.Field(), "impAttributes[0]"), e.Field())
		assert.Len(t, wire.requests(), before)
	})
}

func TestUpdateSessionFailures(t *testing.T) {
	ctx := context.Background()
	wire := &fakeWire{answer: script(
		answerStatus(200, notAvailable("V1", "S1", "P1")),
		answerStatus(503, nil),
		answerStatus(503, nil),
		answerStatus(401, lpError("invalid sid", 0)),
	)}
	c, sl := newFakeClient(t, wire)
	_, err := c.GetEngagement(ctx, core.Request{})
	require.NoError(t, err)
	err = c.UpdateSession(ctx, core.UpdateRequest{})
	requireCode(t, err, core.CodeUnauthorized)
	assert.Len(t, wire.requests(), 4, "5xx retried, 401 not")
	assert.Len(t, sl.got(), 2)
	s, _ := c.Session(ctx)
	assert.Equal(t, "V1", s.VisitorID, "UpdateSession leaves recovery to the next GetEngagement")
}

func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	m := core.NewMemoryStore()
	s, err := m.Load(ctx)
	require.NoError(t, err)
	assert.True(t, s.IsZero())
	want := core.Session{VisitorID: "v", SessionID: "s", PageID: "p"}
	require.NoError(t, m.Save(ctx, want))
	s, _ = m.Load(ctx)
	assert.Equal(t, want, s)
	require.NoError(t, m.Clear(ctx))
	s, _ = m.Load(ctx)
	assert.True(t, s.IsZero())
}
