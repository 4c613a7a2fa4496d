package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

// A Flight is GetEngagementPrepared with its first attempt made by the host: these tests
// hold it to ending every call as the blocking path does, and to starting only when that
// needs no waiting.

// flightDelays is the retry schedule of these tests: 3 retries, 4 attempts in all.
var flightDelays = []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}

// flightTimeout is the attempt timeout of these tests, short enough for real deadlines.
const flightTimeout = 20 * time.Millisecond

var storedSession = core.Session{VisitorID: "V0", SessionID: "S0", PageID: "P0"}

// seededStore is a MemoryStore holding s.
func seededStore(t *testing.T, s core.Session) *core.MemoryStore {
	t.Helper()
	m := core.NewMemoryStore()
	require.NoError(t, m.Save(context.Background(), s))
	return m
}

// loadSession reads a store as it is, without the client.
func loadSession(t *testing.T, st core.SessionStore) core.Session {
	t.Helper()
	s, err := st.Load(context.Background())
	require.NoError(t, err)
	return s
}

// answerJSON is a 2xx (or any) answer with Text set to the body's JSON, as transports that
// keep the text give it.
func answerJSON(t *testing.T, status int, body any) wireAnswer {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	return wireAnswer{resp: core.WireResponse{Status: status, Body: body, Text: string(raw)}}
}

// plainStore is a SessionStore that does not claim to never wait (no Immediate method).
type plainStore struct{ m *core.MemoryStore }

func (s plainStore) Load(ctx context.Context) (core.Session, error) { return s.m.Load(ctx) }
func (s plainStore) Save(ctx context.Context, v core.Session) error { return s.m.Save(ctx, v) }
func (s plainStore) Clear(ctx context.Context) error                { return s.m.Clear(ctx) }

// flaggedStore is an ImmediateStore whose Immediate answers immediate; loadErr and saveErr
// make Load and Save fail, and holdNextLoad makes the next Load wait (see hold).
type flaggedStore struct {
	plainStore
	immediate bool

	mu               sync.Mutex
	loadErr, saveErr error
	entered, release chan struct{} // set by hold, consumed by the next Load
}

func newFlaggedStore(t *testing.T, s core.Session, immediate bool) *flaggedStore {
	return &flaggedStore{plainStore: plainStore{seededStore(t, s)}, immediate: immediate}
}

func (s *flaggedStore) Immediate() bool { return s.immediate }

// hold makes the next Load report on entered and then wait until release is closed.
func (s *flaggedStore) hold() (entered <-chan struct{}, release chan<- struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entered, s.release = make(chan struct{}), make(chan struct{})
	return s.entered, s.release
}

func (s *flaggedStore) Load(ctx context.Context) (core.Session, error) {
	s.mu.Lock()
	entered, release, err := s.entered, s.release, s.loadErr
	s.entered, s.release = nil, nil
	s.mu.Unlock()
	if entered != nil {
		close(entered)
		<-release
	}
	v, lerr := s.plainStore.Load(ctx)
	if err != nil {
		return v, err // a session with the error: only the error counts
	}
	return v, lerr
}

func (s *flaggedStore) Save(ctx context.Context, v core.Session) error {
	s.mu.Lock()
	err := s.saveErr
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.plainStore.Save(ctx, v)
}

var _ core.ImmediateStore = (*flaggedStore)(nil)
var _ core.ImmediateStore = (*core.MemoryStore)(nil)

// flightStep is the fate of one attempt: an answer or a transport error, or (timeout) no
// answer before the attempt deadline.
type flightStep struct {
	wireAnswer
	timeout bool
}

func step(a wireAnswer) flightStep { return flightStep{wireAnswer: a} }

var timedOutStep = flightStep{timeout: true}

// outcome is what a host reports for the step: the answer, the error, or TimedOut.
func (s flightStep) outcome() core.Outcome {
	if s.timeout {
		return core.Outcome{TimedOut: true, Err: context.DeadlineExceeded}
	}
	return core.Outcome{Resp: s.resp, Err: s.err}
}

func (s flightStep) is2xx() bool {
	return !s.timeout && s.err == nil && s.resp.Status >= 200 && s.resp.Status < 300
}

// stepsWire answers its n-th exchange with steps[n+skip], repeating the last step; a
// timeout step waits for the attempt's deadline.
func stepsWire(steps []flightStep, skip int) *fakeWire {
	return &fakeWire{answer: func(ctx context.Context, n int, _ core.WireRequest) (core.WireResponse, error) {
		i := min(n+skip, len(steps)-1)
		if steps[i].timeout {
			<-ctx.Done()
			return core.WireResponse{}, ctx.Err()
		}
		return steps[i].resp, steps[i].err
	}}
}

// errView is everything a caller can read from a call's error.
type errView struct {
	Code         core.Code
	Status       int
	InternalCode int
	Time         int64
	Message      string
	Problems     []core.Problem
	Text         string
	Cause        string
}

func viewErr(err error) *errView {
	if err == nil {
		return nil
	}
	v := &errView{Text: err.Error()}
	var e *core.Error
	if errors.As(err, &e) {
		v.Code, v.Status, v.InternalCode, v.Time, v.Message, v.Problems = e.Code, e.Status, e.InternalCode, e.Time, e.Message, e.Problems
		if e.Err != nil {
			v.Cause = e.Err.Error()
		}
	}
	return v
}

// callResult is how one GetEngagement ended, as seen from outside the client.
type callResult struct {
	resp   core.Response
	err    *errView
	store  core.Session
	reqs   []core.WireRequest // every round trip, a Flight's first (the host's) included
	pauses []time.Duration
}

// flightCase is a call: its request, the stored session and the fate of each attempt.
type flightCase struct {
	name   string
	req    core.Request
	stored core.Session
	steps  []flightStep
	delays []time.Duration // nil: flightDelays
}

func (fc flightCase) client(t *testing.T, wire *fakeWire) (*core.Client, *sleepLog, *core.MemoryStore) {
	store := seededStore(t, fc.stored)
	delays := fc.delays
	if delays == nil {
		delays = flightDelays
	}
	c, sl := newFakeClient(t, wire, func(cfg *core.Config) {
		cfg.Store = store
		cfg.Retry.Delays = delays
		cfg.AttemptTimeout = flightTimeout
	})
	return c, sl, store
}

// blocking makes the call with GetEngagementPrepared, every attempt through the transport.
func (fc flightCase) blocking(t *testing.T, prep *core.Prepared) callResult {
	wire := stepsWire(fc.steps, 0)
	c, sl, store := fc.client(t, wire)
	resp, err := c.GetEngagementPrepared(context.Background(), prep)
	return callResult{resp: resp, err: viewErr(err), store: loadSession(t, store), reqs: wire.requests(), pauses: sl.got()}
}

// flight makes the call as a Flight whose first attempt ends as steps[0], then the others
// through the transport; done is what Finish said.
func (fc flightCase) flight(t *testing.T, prep *core.Prepared) (res callResult, done bool) {
	wire := stepsWire(fc.steps, 1)
	c, sl, store := fc.client(t, wire)
	f, ok := c.StartEngagement(prep)
	require.True(t, ok, "StartEngagement")
	first := f.Request()
	ctx := context.Background()
	resp, done, err := f.Finish(ctx, fc.steps[0].outcome())
	if !done {
		assert.Empty(t, wire.requests(), "Finish sends nothing")
		resp, err = f.Continue(ctx)
	}
	reqs := append([]core.WireRequest{first}, wire.requests()...)
	return callResult{resp: resp, err: viewErr(err), store: loadSession(t, store), reqs: reqs, pauses: sl.got()}, done
}

func TestFlightEndsLikeGetEngagement(t *testing.T) {
	ok := step(answerJSON(t, 200, notAvailable("V0", "S0", "P1")))
	unavailable := step(answerStatus(503, lpError("Service Unavailable", 0)))
	refused := step(answerStatus(401, lpError("invalid vid", 0)))
	network := step(answerErr(errConnRefused))
	callerIDs := core.Request{VisitorID: "123", SessionID: "456"}
	tests := []flightCase{
		{name: "2xx", steps: []flightStep{ok}},
		{name: "2xx with another session and an engagement", steps: []flightStep{step(answerJSON(t, 200, available("V0", "S9", "P2", 3, 900)))}},
		{name: "2xx with a malformed answer", steps: []flightStep{step(answerStatus(200, map[string]any{"status": "Maybe"}))}},
		{name: "2xx that is not an object", steps: []flightStep{step(answerStatus(200, "<html>"))}},
		{name: "503 then 2xx", steps: []flightStep{unavailable, ok}},
		{name: "503 every time", steps: []flightStep{unavailable}},
		{name: "503 with no retries", delays: []time.Duration{}, steps: []flightStep{unavailable}},
		{name: "429 with Retry-After then 2xx", steps: []flightStep{step(wireAnswer{resp: core.WireResponse{Status: 429, RetryAfter: "7"}}), ok}},
		{name: "503 with Retry-After, twice, then 2xx", steps: []flightStep{
			step(wireAnswer{resp: core.WireResponse{Status: 503, RetryAfter: "2"}}), step(wireAnswer{resp: core.WireResponse{Status: 503, RetryAfter: "2"}}), ok}},
		{name: "network error every time", steps: []flightStep{network}},
		{name: "network error with no retries", delays: []time.Duration{}, steps: []flightStep{network}},
		{name: "network error then 2xx", steps: []flightStep{network, network, ok}},
		{name: "timeout every time", steps: []flightStep{timedOutStep}},
		{name: "timeout then 2xx", steps: []flightStep{timedOutStep, ok}},
		{name: "timeout, then 503, then network error", steps: []flightStep{timedOutStep, unavailable, unavailable, network}},
		{name: "loading account moves the visitor", steps: []flightStep{
			step(answerStatus(500, lpError("Loading account: 12345678, vid: Vload", 20))),
			step(answerJSON(t, 200, notAvailable("Vload", "S0", "P1")))}},
		{name: "401 for the stored ids is recovered without them", steps: []flightStep{refused, step(answerJSON(t, 200, notAvailable("V2", "S2", "P2")))}},
		{name: "401 twice", steps: []flightStep{refused}},
		{name: "503, then 401, then recovered", steps: []flightStep{unavailable, refused, ok}},
		{name: "401, then the recovery's 503s", steps: []flightStep{refused, unavailable}},
		{name: "400 is not retried", steps: []flightStep{step(answerStatus(400, lpError("Illegal Version", 33)))}},
		{name: "404 is not retried", steps: []flightStep{step(answerStatus(404, nil))}},
		{name: "302 is not followed", steps: []flightStep{step(answerStatus(302, nil))}},
		{name: "opaque redirect (status 0)", steps: []flightStep{step(answerStatus(0, nil))}},
		{name: "body too large", steps: []flightStep{step(answerErr(&core.BodyTooLargeError{Status: 200, Limit: core.MaxResponseBody}))}},
		{name: "caller's ids, 2xx", req: callerIDs, steps: []flightStep{step(answerJSON(t, 200, notAvailable("123", "456", "P9")))}},
		{name: "caller's ids, 401 returned as is", req: callerIDs, stored: storedSession, steps: []flightStep{refused}},
		{name: "caller's ids, 503 then 2xx", req: callerIDs, steps: []flightStep{unavailable, step(answerJSON(t, 200, notAvailable("123", "456", "P9")))}},
		{name: "caller's vid alone, network then 2xx", req: core.Request{VisitorID: "V7"}, stored: storedSession, steps: []flightStep{network, step(answerJSON(t, 200, notAvailable("V7", "S7", "P7")))}},
	}
	for _, tt := range tests {
		if tt.req.VisitorID == "" && tt.req.SessionID == "" && tt.stored.IsZero() {
			tt.stored = storedSession
		}
		t.Run(tt.name, func(t *testing.T) {
			// One Prepared for both clients (same rules): the same body and BodyID.
			pc, _ := newFakeClient(t, &fakeWire{})
			prep, err := pc.PrepareRequest(tt.req)
			require.NoError(t, err)
			want := tt.blocking(t, prep)
			got, done := tt.flight(t, prep)

			assert.Equal(t, tt.steps[0].is2xx(), done, "Finish ends the call exactly when the host got a 2xx")
			assert.Equal(t, want.resp, got.resp, "response")
			assert.Equal(t, want.err, got.err, "error")
			assert.Equal(t, want.store, got.store, "stored session")
			assert.Equal(t, want.reqs, got.reqs, "round trips, the host's included")
			assert.Equal(t, want.pauses, got.pauses, "pauses")
		})
	}
}

func TestStartEngagementDeclinesWhatWouldWait(t *testing.T) {
	tree := map[string]any{"consumerSections": []any{"billing"}}
	lenient, err := core.Validation{}.Prepare(tree)
	require.NoError(t, err)
	strict, err := core.Validation{Strict: true}.Prepare(tree)
	require.NoError(t, err)

	tests := []struct {
		name   string
		store  func(t *testing.T) core.SessionStore
		strict bool
		prep   *core.Prepared
		want   bool
	}{
		{"a stored session, memory store", func(t *testing.T) core.SessionStore { return seededStore(t, storedSession) }, false, lenient, true},
		{"a stored session, immediate store", func(t *testing.T) core.SessionStore { return newFlaggedStore(t, storedSession, true) }, false, lenient, true},
		{"strict client, strict request", func(t *testing.T) core.SessionStore { return seededStore(t, storedSession) }, true, strict, true},
		{"no session stored yet", func(t *testing.T) core.SessionStore { return core.NewMemoryStore() }, false, lenient, false},
		{"a page id alone is no session", func(t *testing.T) core.SessionStore { return seededStore(t, core.Session{PageID: "P0"}) }, false, lenient, false},
		{"a store that is not an ImmediateStore", func(t *testing.T) core.SessionStore { return plainStore{seededStore(t, storedSession)} }, false, lenient, false},
		{"a store whose Immediate is false", func(t *testing.T) core.SessionStore { return newFlaggedStore(t, storedSession, false) }, false, lenient, false},
		{"a store that fails to load", func(t *testing.T) core.SessionStore {
			s := newFlaggedStore(t, storedSession, true)
			s.loadErr = errors.New("disk on fire")
			return s
		}, false, lenient, false},
		{"lenient request, strict client", func(t *testing.T) core.SessionStore { return seededStore(t, storedSession) }, true, lenient, false},
		{"strict request, lenient client", func(t *testing.T) core.SessionStore { return seededStore(t, storedSession) }, false, strict, false},
		{"no request", func(t *testing.T) core.SessionStore { return seededStore(t, storedSession) }, false, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := &fakeWire{answer: script(answerStatus(200, notAvailable("V0", "S0", "P1")))}
			store := tt.store(t)
			c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store; cfg.Strict = tt.strict })
			f, ok := c.StartEngagement(tt.prep)
			assert.Equal(t, tt.want, ok)
			if tt.want {
				require.NotNil(t, f)
				assert.Equal(t, firstURL("V0", "S0"), f.Request().URL)
			} else {
				assert.Nil(t, f)
			}
			assert.Empty(t, wire.requests(), "starting sends nothing")
		})
	}
}

func TestStartEngagementAfterTheFirstCall(t *testing.T) {
	wire := &fakeWire{answer: script(answerJSON(t, 200, notAvailable("V1", "S1", "P1")))}
	c, _ := newFakeClient(t, wire)
	prep, err := c.PrepareRequest(core.Request{})
	require.NoError(t, err)
	f, ok := c.StartEngagement(prep)
	assert.False(t, ok, "the first call creates the session on the blocking path")
	assert.Nil(t, f)

	_, err = c.GetEngagementPrepared(context.Background(), prep)
	require.NoError(t, err)
	assert.Equal(t, []string{firstURL("", "")}, wire.urls())

	f, ok = c.StartEngagement(prep)
	require.True(t, ok)
	assert.Equal(t, firstURL("V1", "S1"), f.Request().URL)
	assert.Len(t, wire.requests(), 1)

	require.NoError(t, c.ResetSession(context.Background()))
	_, ok = c.StartEngagement(prep)
	assert.False(t, ok, "after ResetSession the next call creates a visitor again")
}

func TestStartEngagementDeclinesWhileTheStoreIsBusy(t *testing.T) {
	wire := &fakeWire{answer: script(answerStatus(200, notAvailable("V0", "S0", "P1")))}
	store := newFlaggedStore(t, storedSession, true)
	c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })
	prep, err := c.PrepareRequest(core.Request{})
	require.NoError(t, err)

	entered, release := store.hold()
	busy := make(chan error)
	go func() { _, err := c.Session(context.Background()); busy <- err }()
	<-entered
	f, ok := c.StartEngagement(prep)
	assert.False(t, ok, "the store is in use: a Flight would have to wait")
	assert.Nil(t, f)
	close(release)
	require.NoError(t, <-busy)

	_, ok = c.StartEngagement(prep)
	assert.True(t, ok, "free again")
	assert.Empty(t, wire.requests())
}

func TestFlightRequestIsTheBlockingPathsRequest(t *testing.T) {
	tree := map[string]any{"consumerSections": []any{"billing"}, "appType": "MSDK"}
	tests := []struct {
		name    string
		edit    func(*core.Config)
		timeout time.Duration
	}{
		{"defaults", func(*core.Config) {}, core.DefaultAttemptTimeout},
		{"method override does not touch a POST", func(cfg *core.Config) { cfg.MethodOverride = true }, core.DefaultAttemptTimeout},
		{"attempt timeout", func(cfg *core.Config) { cfg.AttemptTimeout = 2 * time.Second }, 2 * time.Second},
		{"no attempt timeout", func(cfg *core.Config) { cfg.AttemptTimeout = -1 }, 0},
		{"strict", func(cfg *core.Config) { cfg.Strict = true }, core.DefaultAttemptTimeout},
		{"loopback http domain", func(cfg *core.Config) { cfg.Domain = "http://127.0.0.1:1" }, core.DefaultAttemptTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := &fakeWire{answer: script(answerJSON(t, 200, notAvailable("V1", "S1", "P1")))}
			c, _ := newFakeClient(t, wire, tt.edit)
			prep, err := c.Prepare(tree)
			require.NoError(t, err)
			_, err = c.GetEngagementPrepared(context.Background(), prep)
			require.NoError(t, err)

			f, ok := c.StartEngagement(prep)
			require.True(t, ok)
			got := f.Request()
			require.Len(t, wire.requests(), 1, "StartEngagement sends nothing")

			_, err = c.GetEngagementPrepared(context.Background(), prep)
			require.NoError(t, err)
			reqs := wire.requests()
			require.Len(t, reqs, 2)
			assert.Equal(t, reqs[1], got, "the request GetEngagementPrepared sends")

			base := strings.TrimSuffix(reqs[0].URL, "/api/account/12345678/app/engagement/visitors/?v=1.0")
			assert.Equal(t, base+"/api/account/12345678/app/engagement/visitors/V1?v=1.0&sid=S1", got.URL)
			assert.Equal(t, "POST", got.Method)
			assert.Empty(t, got.MethodOverride)
			assert.NotZero(t, got.BodyID)
			assert.Equal(t, reqs[0].BodyID, got.BodyID, "the Prepared's body")
			assert.Equal(t, map[string]any{"appType": "MSDK", "consumerSections": []any{"billing"}}, got.Body)
			assert.Equal(t, int64(core.MaxResponseBody), got.MaxBody)
			assert.Equal(t, tt.timeout, got.Timeout)
		})
	}
}

func TestFlightFinishWithAnAnswerEndsTheCall(t *testing.T) {
	tests := []struct {
		name   string
		body   map[string]any
		status core.Status
	}{
		{"not available, new page", notAvailable("V0", "S0", "P9"), core.StatusNotAvailable},
		{"available, new session", available("V0", "S5", "P9", 3, 900), core.StatusAvailable},
		{"new visitor", notAvailable("V8", "S8", "P9"), core.StatusNotAvailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := &fakeWire{answer: script(answerStatus(503, nil))}
			store := seededStore(t, storedSession)
			c, sl := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })
			prep, err := c.PrepareRequest(core.Request{})
			require.NoError(t, err)
			f, ok := c.StartEngagement(prep)
			require.True(t, ok)

			a := answerJSON(t, 200, tt.body)
			resp, done, err := f.Finish(context.Background(), core.Outcome{Resp: a.resp})
			require.NoError(t, err)
			assert.True(t, done)
			assert.Equal(t, tt.status, resp.Status)
			assert.Equal(t, tt.body["visitorId"], resp.VisitorID)
			assert.Equal(t, tt.body["sessionId"], resp.SessionID)
			assert.Equal(t, "P9", resp.PageID)
			assert.Equal(t, a.resp.Text, resp.RawText)
			assert.NotEmpty(t, resp.RawText)
			assert.Equal(t, tt.body, resp.Raw)
			assert.Equal(t, tt.status == core.StatusAvailable, resp.EngagementDetails != nil)

			s, err := c.Session(context.Background())
			require.NoError(t, err)
			assert.Equal(t, core.Session{VisitorID: resp.VisitorID, SessionID: resp.SessionID, PageID: "P9"}, s)
			assert.Empty(t, wire.requests(), "the host's round trip was the only one")
			assert.Empty(t, sl.got())
		})
	}
}

func TestFlightFinishReportsAFailedSave(t *testing.T) {
	body := notAvailable("V0", "S0", "P9")
	for _, flight := range []bool{false, true} {
		name := map[bool]string{false: "GetEngagement", true: "Flight"}[flight]
		t.Run(name, func(t *testing.T) {
			wire := &fakeWire{answer: script(answerStatus(200, body))}
			store := newFlaggedStore(t, storedSession, true)
			store.saveErr = errors.New("quota exceeded")
			c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })
			prep, err := c.PrepareRequest(core.Request{})
			require.NoError(t, err)
			var resp core.Response
			if flight {
				f, ok := c.StartEngagement(prep)
				require.True(t, ok)
				var done bool
				resp, done, err = f.Finish(context.Background(), core.Outcome{Resp: core.WireResponse{Status: 200, Body: body}})
				assert.True(t, done)
				assert.Empty(t, wire.requests())
			} else {
				resp, err = c.GetEngagementPrepared(context.Background(), prep)
			}
			e := requireCode(t, err, core.CodeInternal)
			assert.Equal(t, "appengage: internal: session store: save failed: quota exceeded", e.Error())
			assert.Equal(t, "P9", resp.PageID, "the answer comes with the error")
			assert.Equal(t, storedSession, loadSession(t, store.m))
		})
	}
}

func TestFlightFinishLeavesTheAnswerToContinueWhileTheStoreIsBusy(t *testing.T) {
	wire := &fakeWire{answer: script(answerStatus(503, nil))}
	store := newFlaggedStore(t, storedSession, true)
	c, sl := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })
	prep, err := c.PrepareRequest(core.Request{})
	require.NoError(t, err)
	f, ok := c.StartEngagement(prep)
	require.True(t, ok)

	entered, release := store.hold()
	busy := make(chan error)
	go func() { _, err := c.Session(context.Background()); busy <- err }()
	<-entered
	a := answerJSON(t, 200, notAvailable("V0", "S3", "P3"))
	resp, done, err := f.Finish(context.Background(), core.Outcome{Resp: a.resp})
	require.NoError(t, err)
	assert.False(t, done, "storing would wait for the store")
	assert.Zero(t, resp)
	close(release)
	require.NoError(t, <-busy)

	resp, err = f.Continue(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "S3", resp.SessionID)
	assert.Equal(t, a.resp.Text, resp.RawText)
	assert.Equal(t, core.Session{VisitorID: "V0", SessionID: "S3", PageID: "P3"}, loadSession(t, store.m))
	assert.Empty(t, wire.requests(), "the answer is not asked for again")
	assert.Empty(t, sl.got())
}

func TestFlightContinueRetries(t *testing.T) {
	tests := []struct {
		name      string
		first     core.Outcome
		transport flightStep
		code      core.Code
		status    int
		after     bool // "(after 4 attempts)" in the message
	}{
		{"503", core.Outcome{Resp: core.WireResponse{Status: 503, Body: lpError("Service Unavailable", 0)}},
			step(answerStatus(503, lpError("Service Unavailable", 0))), core.CodeServer, 503, false},
		{"network error", core.Outcome{Err: errConnRefused}, step(answerErr(errConnRefused)), core.CodeNetwork, 0, true},
		{"timed out", core.Outcome{TimedOut: true, Err: errors.New("AbortError: signal timed out")}, timedOutStep, core.CodeTimeout, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := stepsWire([]flightStep{tt.transport}, 0)
			store := seededStore(t, storedSession)
			c, sl := newFakeClient(t, wire, func(cfg *core.Config) {
				cfg.Store = store
				cfg.Retry.Delays = flightDelays
				cfg.AttemptTimeout = flightTimeout
			})
			prep, err := c.PrepareRequest(core.Request{})
			require.NoError(t, err)
			f, ok := c.StartEngagement(prep)
			require.True(t, ok)
			resp, done, err := f.Finish(context.Background(), tt.first)
			require.NoError(t, err)
			require.False(t, done)
			assert.Zero(t, resp)
			assert.Empty(t, wire.requests())

			_, err = f.Continue(context.Background())
			e := requireCode(t, err, tt.code)
			assert.Equal(t, tt.status, e.Status)
			reqs := wire.requests()
			assert.Len(t, reqs, len(flightDelays), "4 attempts in all, the host's first included")
			for _, r := range reqs {
				assert.Equal(t, f.Request(), r, "every retry repeats the host's request")
			}
			assert.Equal(t, flightDelays, sl.got())
			if tt.after {
				assert.Contains(t, e.Message, "(after 4 attempts)")
			} else {
				assert.NotContains(t, e.Message, "attempts)")
			}
			assert.Equal(t, storedSession, loadSession(t, store))
		})
	}

	t.Run("the first retry succeeds", func(t *testing.T) {
		a := answerJSON(t, 200, notAvailable("V0", "S0", "P4"))
		wire := &fakeWire{answer: script(a)}
		store := seededStore(t, storedSession)
		c, sl := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store; cfg.Retry.Delays = flightDelays })
		prep, err := c.PrepareRequest(core.Request{})
		require.NoError(t, err)
		f, ok := c.StartEngagement(prep)
		require.True(t, ok)
		_, done, err := f.Finish(context.Background(), core.Outcome{Err: errConnRefused})
		require.NoError(t, err)
		require.False(t, done)

		resp, err := f.Continue(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "P4", resp.PageID)
		assert.Equal(t, a.resp.Text, resp.RawText)
		assert.Equal(t, []core.WireRequest{f.Request()}, wire.requests())
		assert.Equal(t, flightDelays[:1], sl.got())
		assert.Equal(t, core.Session{VisitorID: "V0", SessionID: "S0", PageID: "P4"}, loadSession(t, store))
	})

	t.Run("a host timeout without an error", func(t *testing.T) {
		wire := &fakeWire{answer: script(answerStatus(200, notAvailable("V0", "S0", "P4")))}
		c, _ := newFakeClient(t, wire, func(cfg *core.Config) {
			cfg.Store = seededStore(t, storedSession)
			cfg.Retry.Delays = []time.Duration{}
			cfg.AttemptTimeout = 7 * time.Second
		})
		prep, err := c.PrepareRequest(core.Request{})
		require.NoError(t, err)
		f, ok := c.StartEngagement(prep)
		require.True(t, ok)
		_, done, err := f.Finish(context.Background(), core.Outcome{TimedOut: true})
		require.NoError(t, err)
		require.False(t, done)
		_, err = f.Continue(context.Background())
		e := requireCode(t, err, core.CodeTimeout)
		assert.Equal(t, "no response before the attempt deadline: attempt timed out after 7s: the host stopped it", e.Message)
		assert.True(t, errors.Is(err, context.DeadlineExceeded))
		assert.Empty(t, wire.requests(), "no retries")
	})
}

func TestFlightUnauthorizedStoredSessionIsDroppedAndRetriedOnce(t *testing.T) {
	t.Run("recovered", func(t *testing.T) {
		store := seededStore(t, core.Session{VisitorID: "Vold", SessionID: "Sold", PageID: "Pold"})
		var storedMeanwhile []core.Session
		wire := &fakeWire{answer: func(ctx context.Context, _ int, _ core.WireRequest) (core.WireResponse, error) {
			s, _ := store.Load(ctx)
			storedMeanwhile = append(storedMeanwhile, s)
			return core.WireResponse{Status: 200, Body: notAvailable("Vnew", "Snew", "Pnew")}, nil
		}}
		c, sl := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })
		prep, err := c.PrepareRequest(core.Request{})
		require.NoError(t, err)
		f, ok := c.StartEngagement(prep)
		require.True(t, ok)
		assert.Equal(t, firstURL("Vold", "Sold"), f.Request().URL)
		_, done, err := f.Finish(context.Background(), core.Outcome{Resp: core.WireResponse{Status: 401, Body: lpError("invalid vid", 0)}})
		require.NoError(t, err)
		require.False(t, done)
		assert.Equal(t, core.Session{VisitorID: "Vold", SessionID: "Sold", PageID: "Pold"}, loadSession(t, store), "Finish changes nothing")

		resp, err := f.Continue(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "Vnew", resp.VisitorID)
		assert.Equal(t, []string{firstURL("", "")}, wire.urls(), "repeated once, without ids")
		assert.Equal(t, []core.Session{{}}, storedMeanwhile, "the refused session was cleared first")
		assert.Empty(t, sl.got(), "a 401 is not a retry of the policy")
		assert.Equal(t, core.Session{VisitorID: "Vnew", SessionID: "Snew", PageID: "Pnew"}, loadSession(t, store))
	})
	t.Run("refused again", func(t *testing.T) {
		store := seededStore(t, core.Session{VisitorID: "Vold", SessionID: "Sold"})
		wire := &fakeWire{answer: script(answerStatus(401, lpError("invalid", 0)))}
		c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })
		prep, err := c.PrepareRequest(core.Request{})
		require.NoError(t, err)
		f, ok := c.StartEngagement(prep)
		require.True(t, ok)
		_, done, err := f.Finish(context.Background(), core.Outcome{Resp: core.WireResponse{Status: 401}})
		require.NoError(t, err)
		require.False(t, done)
		_, err = f.Continue(context.Background())
		e := requireCode(t, err, core.CodeUnauthorized)
		assert.Equal(t, "invalid", e.Message, "the recovery's answer")
		assert.Equal(t, []string{firstURL("", "")}, wire.urls(), "no loop")
		assert.True(t, loadSession(t, store).IsZero())
	})
}

func TestFlightWithCallerIDs(t *testing.T) {
	tests := []struct {
		name string
		req  core.Request
		url  string
	}{
		{"vid and sid", core.Request{VisitorID: "123", SessionID: "456"}, firstURL("123", "456")},
		{"vid alone", core.Request{VisitorID: "V7"}, firstURL("V7", "")},
		{"sid alone", core.Request{SessionID: "S7"}, firstURL("", "S7")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setup := func(t *testing.T) (*core.Client, *fakeWire, *core.MemoryStore, *core.Flight) {
				wire := &fakeWire{answer: script(answerStatus(200, notAvailable("Vx", "Sx", "Px")))}
				store := core.NewMemoryStore()
				c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })
				prep, err := c.PrepareRequest(tt.req)
				require.NoError(t, err)
				f, ok := c.StartEngagement(prep)
				require.True(t, ok, "the caller's ids need no stored session")
				assert.Equal(t, tt.url, f.Request().URL)
				return c, wire, store, f
			}
			t.Run("a 401 is returned as is", func(t *testing.T) {
				_, wire, store, f := setup(t)
				_, done, err := f.Finish(context.Background(), core.Outcome{Resp: core.WireResponse{Status: 401, Body: lpError("bad vid", 0)}})
				require.NoError(t, err)
				require.False(t, done)
				_, err = f.Continue(context.Background())
				e := requireCode(t, err, core.CodeUnauthorized)
				assert.Equal(t, 401, e.Status)
				assert.Equal(t, "bad vid", e.Message)
				assert.Empty(t, wire.requests(), "no second request")
				assert.True(t, loadSession(t, store).IsZero())
			})
			t.Run("an answer is stored", func(t *testing.T) {
				_, wire, store, f := setup(t)
				resp, done, err := f.Finish(context.Background(), core.Outcome{Resp: core.WireResponse{Status: 200, Body: notAvailable("V9", "S9", "P9")}})
				require.NoError(t, err)
				require.True(t, done)
				assert.Equal(t, "V9", resp.VisitorID)
				assert.Empty(t, wire.requests())
				assert.Equal(t, core.Session{VisitorID: "V9", SessionID: "S9", PageID: "P9"}, loadSession(t, store))
			})
		})
	}
}

func TestFlightCancelledContext(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	answer := core.Outcome{Resp: core.WireResponse{Status: 200, Body: notAvailable("V0", "S3", "P3")}}
	tests := []struct {
		name  string
		ctx   context.Context
		first core.Outcome
		code  core.Code
	}{
		{"cancelled, with an answer", cancelled, answer, core.CodeAborted},
		{"cancelled, with a 503", cancelled, core.Outcome{Resp: core.WireResponse{Status: 503}}, core.CodeAborted},
		{"cancelled, with a 401", cancelled, core.Outcome{Resp: core.WireResponse{Status: 401}}, core.CodeAborted},
		{"deadline passed, with an answer", expired, answer, core.CodeTimeout},
		{"deadline passed, with a network error", expired, core.Outcome{Err: errConnRefused}, core.CodeTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := &fakeWire{answer: script(answerStatus(200, notAvailable("V0", "S0", "P1")))}
			store := seededStore(t, storedSession)
			c, sl := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })
			prep, err := c.PrepareRequest(core.Request{})
			require.NoError(t, err)
			f, ok := c.StartEngagement(prep)
			require.True(t, ok)
			resp, done, err := f.Finish(tt.ctx, tt.first)
			require.NoError(t, err)
			assert.False(t, done, "an ended call is left to Continue")
			assert.Zero(t, resp)

			_, err = f.Continue(tt.ctx)
			requireCode(t, err, tt.code)
			assert.Empty(t, wire.requests())
			assert.Empty(t, sl.got())
			assert.Equal(t, storedSession, loadSession(t, store), "nothing stored, nothing cleared")

			// GetEngagementPrepared under the same context says the same.
			_, err = c.GetEngagementPrepared(tt.ctx, prep)
			requireCode(t, err, tt.code)
			assert.Empty(t, wire.requests())
		})
	}
}

func TestFlightNeedsAFreshCSDSHost(t *testing.T) {
	const hostURL = "https://va.v.liveperson.net/api/account/12345678/app/engagement/visitors/V1?v=1.0&sid=S1"
	csdsAnswer := func(int) (core.WireResponse, error) {
		return core.WireResponse{Status: 200, Body: map[string]any{"service": "msdkgw", "baseURI": "va.v.liveperson.net"}}, nil
	}

	t.Run("fresh for the TTL", func(t *testing.T) {
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
		wire, lookups := csdsWire(csdsAnswer)
		c, _ := csdsClient(t, wire, func(cfg *core.Config) {
			cfg.Store = seededStore(t, core.Session{VisitorID: "V1", SessionID: "S1"})
			cfg.Now = clock
			cfg.DomainTTL = 10 * time.Minute
		})
		prep, err := c.PrepareRequest(core.Request{})
		require.NoError(t, err)
		_, ok := c.StartEngagement(prep)
		assert.False(t, ok, "the host is not known yet, though the session is")
		assert.Empty(t, wire.requests(), "and StartEngagement does not look it up")

		_, err = c.GetEngagementPrepared(context.Background(), prep)
		require.NoError(t, err)
		require.Equal(t, int32(1), lookups.Load())
		f, ok := c.StartEngagement(prep)
		require.True(t, ok)
		assert.Equal(t, hostURL, f.Request().URL)
		assert.Equal(t, wire.requests()[1], f.Request())

		advance(10*time.Minute - time.Second)
		_, ok = c.StartEngagement(prep)
		assert.True(t, ok)
		advance(time.Second)
		_, ok = c.StartEngagement(prep)
		assert.False(t, ok, "the CSDS answer is stale")
		assert.Len(t, wire.requests(), 2)
	})

	t.Run("caller's ids need the host too", func(t *testing.T) {
		wire, _ := csdsWire(csdsAnswer)
		c, _ := csdsClient(t, wire)
		prep, err := c.PrepareRequest(core.Request{VisitorID: "V1", SessionID: "S1"})
		require.NoError(t, err)
		_, ok := c.StartEngagement(prep)
		assert.False(t, ok)
		_, err = c.GetEngagementPrepared(context.Background(), prep)
		require.NoError(t, err)
		f, ok := c.StartEngagement(prep)
		require.True(t, ok)
		assert.Equal(t, hostURL, f.Request().URL)
	})

	t.Run("a negative TTL caches nothing", func(t *testing.T) {
		wire, lookups := csdsWire(csdsAnswer)
		c, _ := csdsClient(t, wire, func(cfg *core.Config) { cfg.DomainTTL = -1 })
		prep, err := c.PrepareRequest(core.Request{})
		require.NoError(t, err)
		for i := 0; i < 2; i++ {
			_, err = c.GetEngagementPrepared(context.Background(), prep)
			require.NoError(t, err)
			_, ok := c.StartEngagement(prep)
			assert.False(t, ok, "every call asks CSDS")
		}
		assert.Equal(t, int32(2), lookups.Load())
	})

	t.Run("a network failure forgets the host", func(t *testing.T) {
		wire, lookups := csdsWire(csdsAnswer)
		c, _ := csdsClient(t, wire, func(cfg *core.Config) { cfg.Retry.Delays = []time.Duration{} })
		prep, err := c.PrepareRequest(core.Request{})
		require.NoError(t, err)
		_, err = c.GetEngagementPrepared(context.Background(), prep)
		require.NoError(t, err)
		f, ok := c.StartEngagement(prep)
		require.True(t, ok)
		_, done, err := f.Finish(context.Background(), core.Outcome{Err: errConnRefused})
		require.NoError(t, err)
		require.False(t, done)
		_, err = f.Continue(context.Background())
		requireCode(t, err, core.CodeNetwork)
		_, ok = c.StartEngagement(prep)
		assert.False(t, ok, "the next call asks CSDS again, as after a blocking call's network failure")
		_, err = c.GetEngagementPrepared(context.Background(), prep)
		require.NoError(t, err)
		assert.Equal(t, int32(2), lookups.Load())
	})
}

func TestFlightMalformedAnswerEndsTheCall(t *testing.T) {
	tests := []struct {
		name string
		body any
	}{
		{"unknown status", map[string]any{"status": "Maybe", "visitorId": "V0", "sessionId": "S0", "pageId": "P1"}},
		{"no ids", map[string]any{"status": "NotAvailable"}},
		{"available without details", map[string]any{"status": "Available", "visitorId": "V0", "sessionId": "S0", "pageId": "P1"}},
		{"a dots-only visitor", notAvailable("..", "S0", "P1")},
		{"text", "<html>oops</html>"},
		{"empty", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer := core.WireResponse{Status: 201, Body: tt.body, Text: "whatever"}

			blockingWire := &fakeWire{answer: func(context.Context, int, core.WireRequest) (core.WireResponse, error) { return answer, nil }}
			bc, _ := newFakeClient(t, blockingWire, func(cfg *core.Config) { cfg.Store = seededStore(t, storedSession) })
			prep, err := bc.PrepareRequest(core.Request{})
			require.NoError(t, err)
			_, wantErr := bc.GetEngagementPrepared(context.Background(), prep)
			want := requireCode(t, wantErr, core.CodeServer)
			assert.Equal(t, 201, want.Status)
			require.Len(t, blockingWire.requests(), 1)

			wire := &fakeWire{answer: script(answerStatus(200, notAvailable("V0", "S0", "P1")))}
			store := seededStore(t, storedSession)
			c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })
			f, ok := c.StartEngagement(prep)
			require.True(t, ok)
			resp, done, err := f.Finish(context.Background(), core.Outcome{Resp: answer})
			assert.True(t, done, "an answer that cannot be read ends the call")
			assert.Zero(t, resp)
			assert.Equal(t, viewErr(wantErr), viewErr(err))
			assert.Contains(t, err.Error(), "malformed response")
			assert.Empty(t, wire.requests(), "not retried")
			assert.Equal(t, storedSession, loadSession(t, store))
		})
	}
}
