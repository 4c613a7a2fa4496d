package core_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
)

var errConnRefused = errors.New("dial tcp 127.0.0.1:1: connect: connection refused")

func TestRetrySchedule(t *testing.T) {
	ok := answerStatus(200, notAvailable("v1", "s1", "p1"))
	unavailable := answerStatus(503, lpError("Service Unavailable", 0))
	tests := []struct {
		name     string
		delays   []time.Duration
		answers  []wireAnswer
		attempts int
		pauses   []time.Duration
		code     core.Code // "" for success
		status   int
	}{
		{"5xx: 3 retries at 5/10/15s", nil, []wireAnswer{unavailable}, 4,
			[]time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second}, core.CodeServer, 503},
		{"500 then success", nil, []wireAnswer{answerStatus(500, lpError("boom", 18)), ok}, 2,
			[]time.Duration{5 * time.Second}, "", 0},
		{"custom delays", []time.Duration{time.Millisecond, 2 * time.Millisecond}, []wireAnswer{unavailable}, 3,
			[]time.Duration{time.Millisecond, 2 * time.Millisecond}, core.CodeServer, 503},
		{"no retries", []time.Duration{}, []wireAnswer{unavailable}, 1, nil, core.CodeServer, 503},
		{"network errors are retried", nil, []wireAnswer{answerErr(errConnRefused)}, 4,
			[]time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second}, core.CodeNetwork, 0},
		{"network error then success", nil, []wireAnswer{answerErr(errConnRefused), answerErr(errConnRefused), ok}, 3,
			[]time.Duration{5 * time.Second, 10 * time.Second}, "", 0},
		{"400 never retried", nil, []wireAnswer{answerStatus(400, lpError("Illegal Version", 33))}, 1, nil, core.CodeBadRequest, 400},
		{"401 never retried", nil, []wireAnswer{answerStatus(401, lpError("bad vid", 0))}, 1, nil, core.CodeUnauthorized, 401},
		{"404 never retried", nil, []wireAnswer{answerStatus(404, nil)}, 1, nil, core.CodeNotFound, 404},
		{"other 4xx never retried", nil, []wireAnswer{answerStatus(409, nil)}, 1, nil, core.CodeBadRequest, 409},
		{"3xx is unusable, not retried", nil, []wireAnswer{answerStatus(302, nil)}, 1, nil, core.CodeServer, 302},
		{"last failure decides: 5xx then network", nil, []wireAnswer{unavailable, unavailable, unavailable, answerErr(errConnRefused)}, 4,
			[]time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second}, core.CodeNetwork, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := &fakeWire{answer: script(tt.answers...)}
			c, sl := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Retry.Delays = tt.delays })
			// Explicit ids, so that a 401 is not the stored-session recovery case.
			_, err := c.GetEngagement(context.Background(), core.Request{VisitorID: "v0", SessionID: "s0"})
			assert.Len(t, wire.requests(), tt.attempts)
			assert.Equal(t, tt.pauses, sl.got())
			if tt.code == "" {
				require.NoError(t, err)
				return
			}
			e := requireCode(t, err, tt.code)
			assert.Equal(t, tt.status, e.Status)
			for _, r := range wire.requests() {
				assert.Equal(t, firstURL("v0", "s0"), r.URL, "every attempt repeats the same request")
			}
		})
	}
}

func TestErrorCarriesTheErrorBody(t *testing.T) {
	wire := &fakeWire{answer: script(answerStatus(400, lpError("Illegal Version", 33)))}
	c, _ := newFakeClient(t, wire)
	_, err := c.GetEngagement(context.Background(), core.Request{})
	e := requireCode(t, err, core.CodeBadRequest)
	assert.Equal(t, 400, e.Status)
	assert.Equal(t, 33, e.InternalCode)
	assert.Equal(t, int64(1700000000000), e.Time)
	assert.Equal(t, "Illegal Version", e.Message)
	assert.Equal(t, "appengage: bad_request (HTTP 400, internalCode 33): Illegal Version", e.Error())
	assert.True(t, errors.Is(err, &core.Error{Code: core.CodeBadRequest}))
}

func TestErrorWithATextBody(t *testing.T) {
	wire := &fakeWire{answer: script(answerStatus(502, "  <html>Bad Gateway</html>\n"))}
	c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Retry.Delays = []time.Duration{} })
	_, err := c.GetEngagement(context.Background(), core.Request{})
	e := requireCode(t, err, core.CodeServer)
	assert.Equal(t, "<html>Bad Gateway</html>", e.Message)
	assert.Equal(t, 0, e.InternalCode)
}

func TestNetworkErrorKeepsItsCause(t *testing.T) {
	wire := &fakeWire{answer: script(answerErr(errConnRefused))}
	c, _ := newFakeClient(t, wire)
	_, err := c.GetEngagement(context.Background(), core.Request{})
	e := requireCode(t, err, core.CodeNetwork)
	assert.ErrorIs(t, err, errConnRefused)
	assert.Contains(t, e.Message, "connection refused")
	assert.Contains(t, e.Message, "4 attempts")
}

func TestLoadingAccountRetriesWithTheVidFromTheMessage(t *testing.T) {
	tests := []struct {
		name     string
		message  string
		code     int
		stored   bool   // a session v0/s0 is stored before the call
		retryVid string // vid segment of the retried URL
	}{
		{"documented message", "Loading account: 12345678, vid: Vb3kQz91", 20, false, "Vb3kQz91"},
		{"no space, closing brace", "Loading account: 1, vid:abc_1}", 20, false, "abc_1"},
		{"value ends at a quote", `Loading account: 1, vid: "q1"`, 20, false, ""},
		{"vid then more text", "Loading account: 1, vid: x-9, please retry", 20, false, "x-9"},
		{"no vid in the message", "Loading account: 12345678", 20, false, ""},
		{"empty vid skipped, later one used", "vid: , Loading account: 1, vid: z9", 20, false, "z9"},
		{"malformed vid ignored", "Loading account: 1, vid: a/b", 20, false, ""},
		{"message alone marks it", "Loading account: 1, vid: m2", 0, false, "m2"},
		{"no vid keeps the stored one", "Loading account: 1", 20, true, "v0"},
		{"server vid replaces the stored one", "Loading account: 1, vid: n3", 20, true, "n3"},
		{"other 500s keep the vid", "Request timed out, vid: zz", 18, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := &fakeWire{answer: script(
				answerStatus(500, lpError(tt.message, tt.code)),
				answerStatus(200, notAvailable("Vnew", "Snew", "p1")),
			)}
			store := core.NewMemoryStore()
			sid := ""
			if tt.stored {
				require.NoError(t, store.Save(context.Background(), core.Session{VisitorID: "v0", SessionID: "s0", PageID: "p0"}))
				sid = "s0"
			}
			c, sl := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Store = store })
			_, err := c.GetEngagement(context.Background(), core.Request{})
			require.NoError(t, err)
			urls := wire.urls()
			require.Len(t, urls, 2)
			assert.Equal(t, firstURL(tt.retryVid, sid), urls[1])
			assert.Equal(t, []time.Duration{5 * time.Second}, sl.got())
		})
	}
}

func TestLoadingAccountIsNotFollowedByUpdateSession(t *testing.T) {
	wire := &fakeWire{answer: script(
		answerStatus(200, notAvailable("v1", "s1", "p1")),
		answerStatus(500, lpError("Loading account: 1, vid: other", 20)),
		answerStatus(200, map[string]any{}),
	)}
	c, _ := newFakeClient(t, wire)
	_, err := c.GetEngagement(context.Background(), core.Request{})
	require.NoError(t, err)
	require.NoError(t, c.UpdateSession(context.Background(), core.UpdateRequest{}))
	urls := wire.urls()
	require.Len(t, urls, 3)
	assert.Equal(t, firstURL("v1", "s1"), urls[2], "the PUT belongs to the stored session")
}

func TestRateLimitWaits(t *testing.T) {
	now := time.Date(2026, 11, 22, 8, 49, 30, 0, time.UTC)
	tests := []struct {
		name       string
		status     int
		retryAfter string
		pause      time.Duration
	}{
		{"seconds", 429, "3", 3 * time.Second},
		{"zero is raised to the minimum", 429, "0", time.Second},
		{"too long is cut to the maximum", 429, "600", time.Minute},
		{"huge", 429, "99999999999999999999999", time.Minute},
		{"HTTP date", 429, "Sun, 22 Nov 2026 08:49:37 GMT", 7 * time.Second},
		{"HTTP date in the past", 429, "Sun, 22 Nov 2026 08:00:00 GMT", time.Second},
		{"garbage uses the schedule", 429, "soon", 5 * time.Second},
		{"absent uses the schedule", 429, "", 5 * time.Second},
		{"negative is garbage", 429, "-5", 5 * time.Second},
		{"5xx Retry-After lengthens the pause", 503, "20", 20 * time.Second},
		{"5xx Retry-After never shortens it", 503, "2", 5 * time.Second},
		{"5xx Retry-After is capped", 503, "3600", time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := &fakeWire{answer: script(
				wireAnswer{resp: core.WireResponse{Status: tt.status, RetryAfter: tt.retryAfter, Body: lpError("slow down", 0)}},
				answerStatus(200, notAvailable("v1", "s1", "p1")),
			)}
			c, sl := newFakeClient(t, wire, func(cfg *core.Config) { cfg.Now = func() time.Time { return now } })
			_, err := c.GetEngagement(context.Background(), core.Request{})
			require.NoError(t, err)
			assert.Equal(t, []time.Duration{tt.pause}, sl.got())
		})
	}
}

func TestRateLimitConsumesRetrySlots(t *testing.T) {
	wire := &fakeWire{answer: script(wireAnswer{resp: core.WireResponse{Status: 429, RetryAfter: "2"}})}
	c, sl := newFakeClient(t, wire, func(cfg *core.Config) {
		cfg.Retry.MinRateLimitWait = 3 * time.Second
		cfg.Retry.MaxRateLimitWait = 10 * time.Second
	})
	_, err := c.GetEngagement(context.Background(), core.Request{})
	e := requireCode(t, err, core.CodeRateLimited)
	assert.Equal(t, 429, e.Status)
	assert.Len(t, wire.requests(), 4)
	assert.Equal(t, []time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second}, sl.got(), "custom minimum applies")
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(1994, 11, 6, 8, 49, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 120 * time.Second, true},
		{" 5 ", 5 * time.Second, true},
		{"0", 0, true},
		{"Sun, 06 Nov 1994 08:49:37 GMT", 37 * time.Second, true},
		{"Sun, 06 Nov 1994 08:48:00 GMT", 0, true},
		{"Mon, 07 Nov 1994 08:49:00 GMT", 24 * time.Hour, true},
		{"", 0, false},
		{"1.5", 0, false},
		{"+5", 0, false},
		{"-1", 0, false},
		{"Sunday, 06-Nov-94 08:49:37 GMT", 0, false}, // RFC 850, obsolete
		{"Sun Nov  6 08:49:37 1994", 0, false},       // asctime, obsolete
		{"Sun, 06 Nov 1994 08:49:37 UTC", 0, false},
		{"Xyz, 06 Nov 1994 08:49:37 GMT", 0, false},
		{"Sun, 06 Foo 1994 08:49:37 GMT", 0, false},
		{"Sun, 31 Feb 1994 08:49:37 GMT", 0, false},
		{"Sun, 06 Nov 1994 24:00:00 GMT", 0, false},
		{"Sun, 06 Nov 1994 08:60:00 GMT", 0, false},
		{"Sun, 0x Nov 1994 08:49:37 GMT", 0, false},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.in), func(t *testing.T) {
			got, ok := core.ParseRetryAfter(tt.in, now)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"5", "Sun, 06 Nov 1994 08:49:37 GMT", "", "99999999999999999999", "Sun, 31 Feb 1994 08:49:37 GMT"} {
		f.Add(s)
	}
	now := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := core.ParseRetryAfter(s, now)
		if !ok && d != 0 {
			t.Fatalf("%q: not ok but %v", s, d)
		}
		if d < 0 {
			t.Fatalf("%q: negative %v", s, d)
		}
	})
}

func TestCancellationDuringTheSleepStopsAtOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wire := &fakeWire{answer: script(answerStatus(503, nil))}
	c, _ := newFakeClient(t, wire, func(cfg *core.Config) {
		cfg.Retry.Sleep = func(ctx context.Context, d time.Duration) error {
			cancel() // the caller gives up while the client waits
			<-ctx.Done()
			return ctx.Err()
		}
	})
	_, err := c.GetEngagement(ctx, core.Request{})
	e := requireCode(t, err, core.CodeAborted)
	assert.ErrorIs(t, e, context.Canceled)
	assert.Len(t, wire.requests(), 1, "no attempt after the cancellation")
}

func TestDeadlineDuringTheDefaultSleepIsATimeout(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	wire := &fakeWire{answer: script(answerStatus(503, nil))}
	// The real sleeper with an hour-long pause: the test only ends if the deadline cuts it.
	c, err := core.NewClient(core.Config{AccountID: "1", Domain: testBase, Transport: wire,
		Retry: core.RetryPolicy{Delays: []time.Duration{time.Hour}}})
	require.NoError(t, err)
	_, err = c.GetEngagement(ctx, core.Request{})
	e := requireCode(t, err, core.CodeTimeout)
	assert.ErrorIs(t, e, context.DeadlineExceeded)
	assert.Len(t, wire.requests(), 1)
}

func TestCancellationDuringAnAttempt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	wire := &fakeWire{answer: func(_ context.Context, n int, req core.WireRequest) (core.WireResponse, error) {
		cancel()
		return core.WireResponse{}, context.Canceled
	}}
	c, sl := newFakeClient(t, wire)
	_, err := c.GetEngagement(ctx, core.Request{})
	requireCode(t, err, core.CodeAborted)
	assert.Len(t, wire.requests(), 1)
	assert.Empty(t, sl.got())
}

func TestAlreadyCancelledContextSendsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	wire := &fakeWire{answer: script(answerStatus(200, notAvailable("v", "s", "p")))}
	c, _ := newFakeClient(t, wire)
	_, err := c.GetEngagement(ctx, core.Request{})
	requireCode(t, err, core.CodeAborted)
	assert.Empty(t, wire.requests())
}

// timeoutErr is what a transport returns when its own per-attempt deadline fired.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestPerAttemptTimeout(t *testing.T) {
	// The attempt's context ends at the per-attempt deadline; a transport that honours it
	// returns the context error.
	blocking := func(ctx context.Context) (core.WireResponse, error) {
		<-ctx.Done()
		return core.WireResponse{}, ctx.Err()
	}
	tests := []struct {
		name    string
		answer  func(n int, ctx context.Context) (core.WireResponse, error)
		code    core.Code
		attempt int
	}{
		{"every attempt times out", func(n int, ctx context.Context) (core.WireResponse, error) { return blocking(ctx) }, core.CodeTimeout, 3},
		{"transport's own timeout error", func(int, context.Context) (core.WireResponse, error) { return core.WireResponse{}, timeoutErr{} }, core.CodeTimeout, 3},
		{"timeout then success", func(n int, ctx context.Context) (core.WireResponse, error) {
			if n == 0 {
				return blocking(ctx)
			}
			return core.WireResponse{Status: 200, Body: notAvailable("v", "s", "p")}, nil
		}, "", 2},
		{"timeout then network error", func(n int, ctx context.Context) (core.WireResponse, error) {
			if n < 2 {
				return blocking(ctx)
			}
			return core.WireResponse{}, errConnRefused
		}, core.CodeNetwork, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := &fakeWire{answer: func(ctx context.Context, n int, _ core.WireRequest) (core.WireResponse, error) {
				return tt.answer(n, ctx)
			}}
			c, _ := newFakeClient(t, wire, func(cfg *core.Config) {
				cfg.AttemptTimeout = 5 * time.Millisecond
				cfg.Retry.Delays = []time.Duration{time.Second, 2 * time.Second}
			})
			_, err := c.GetEngagement(context.Background(), core.Request{})
			assert.Len(t, wire.requests(), tt.attempt)
			for _, r := range wire.requests() {
				assert.Equal(t, 5*time.Millisecond, r.Timeout, "the deadline travels to the adapter")
			}
			if tt.code == "" {
				require.NoError(t, err)
				return
			}
			requireCode(t, err, tt.code)
		})
	}
}

func TestNegativeAttemptTimeoutMeansNone(t *testing.T) {
	wire := &fakeWire{answer: script(answerStatus(200, notAvailable("v", "s", "p")))}
	c, _ := newFakeClient(t, wire, func(cfg *core.Config) { cfg.AttemptTimeout = -1 })
	_, err := c.GetEngagement(context.Background(), core.Request{})
	require.NoError(t, err)
	assert.Equal(t, time.Duration(0), wire.requests()[0].Timeout)
}

func TestDefaultRetryPolicy(t *testing.T) {
	p := core.DefaultRetryPolicy()
	assert.Equal(t, []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second}, p.Delays)
	assert.Equal(t, time.Second, p.MinRateLimitWait)
	assert.Equal(t, time.Minute, p.MaxRateLimitWait)
	require.NotNil(t, p.Sleep)
	assert.NoError(t, p.Sleep(context.Background(), time.Microsecond))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, p.Sleep(ctx, time.Hour), context.Canceled)
}

func TestCodeForStatus(t *testing.T) {
	for status, code := range map[int]core.Code{
		400: core.CodeBadRequest, 401: core.CodeUnauthorized, 403: core.CodeBadRequest, 404: core.CodeNotFound,
		429: core.CodeRateLimited, 500: core.CodeServer, 503: core.CodeServer, 302: core.CodeServer,
	} {
		assert.Equal(t, code, core.CodeForStatus(status), "status %d", status)
	}
}

// FuzzLoadingAccountMessage feeds arbitrary "Loading account" messages to the client: the
// retried URL must always carry either no vid or a well-formed one, never raw message text.
func FuzzLoadingAccountMessage(f *testing.F) {
	for _, s := range []string{"Loading account: 1, vid: abc", "vid:", "vid: a/b?c", "vid:\tx}", `vid: "q"`, "vid: é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		wire := &fakeWire{answer: script(
			answerStatus(500, lpError(msg, 20)),
			answerStatus(200, notAvailable("V1", "S1", "P1")),
		)}
		c, err := core.NewClient(core.Config{AccountID: "1", Domain: testBase, Transport: wire,
			Retry: core.RetryPolicy{Delays: []time.Duration{0}, Sleep: func(context.Context, time.Duration) error { return nil }}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetEngagement(context.Background(), core.Request{}); err != nil {
			t.Fatal(err)
		}
		urls := wire.urls()
		const prefix = testBase + "/api/account/1/app/engagement/visitors/"
		if len(urls) != 2 || !strings.HasPrefix(urls[1], prefix) || !strings.HasSuffix(urls[1], "?v=1.0") {
			t.Fatalf("%q: %q", msg, urls)
		}
		vid := strings.TrimSuffix(strings.TrimPrefix(urls[1], prefix), "?v=1.0")
		if vid != "" && !core.WellFormedID(vid) {
			t.Fatalf("%q: retried with vid %q", msg, vid)
		}
	})
}
