package nethttp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/nethttp"
)

// These tests hold nethttp to the transport port as core/transport.go defines it, through
// core.Client's public API (the way every user reaches the transport): the answer cap is
// WireRequest.MaxBody and passing it is a *core.BodyTooLargeError (CodeServer, not retried),
// MethodOverride becomes the X-HTTP-Method-Override header, and redirects are answers.

// fastClient is a core.Client over nethttp.New() for base with LivePerson's attempt count
// (1 + 3) and pauses of a millisecond.
func fastClient(t *testing.T, base string, mutate ...func(*core.Config)) *core.Client {
	t.Helper()
	cfg := core.Config{AccountID: "acct", Domain: base, Transport: nethttp.New(),
		Retry: core.RetryPolicy{Delays: []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}}}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := core.NewClient(cfg)
	require.NoError(t, err)
	return c
}

const okAnswer = `{"status":"NotAvailable","visitorId":"v1","sessionId":"s1","pageId":"p1"}`

func TestClientOversizedAnswerEndsAsServerWithoutRetry(t *testing.T) {
	big := strings.Repeat("x", core.MaxResponseBody)
	tests := []struct {
		name   string
		status int
		write  func(w http.ResponseWriter)
	}{
		{"endless chunked 200", 200, func(w http.ResponseWriter) {
			chunk := []byte(strings.Repeat(" ", 64<<10))
			for i := 0; i < 1024; i++ { // 64 MiB at most, far past the cap
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}},
		{"declared length over the cap", 200, func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "2097152")
			w.WriteHeader(200)
			_, _ = io.WriteString(w, `"`+big)
		}},
		{"one byte over the cap", 200, func(w http.ResponseWriter) {
			w.WriteHeader(200)
			_, _ = io.WriteString(w, `"`+big)
		}},
		{"huge 503 error body", 503, func(w http.ResponseWriter) {
			w.WriteHeader(503)
			_, _ = io.WriteString(w, `"`+big+big)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var attempts atomic.Int32
			s := server(t, func(w http.ResponseWriter, r *http.Request) {
				attempts.Add(1)
				tt.write(w)
			})
			c := fastClient(t, s.URL)
			_, err := c.GetEngagement(context.Background(), core.Request{})
			require.Error(t, err)
			var ce *core.Error
			require.True(t, errors.As(err, &ce), "got %v", err)
			assert.Equal(t, core.CodeServer, ce.Code, "got %v", err)
			assert.Equal(t, tt.status, ce.Status)
			assert.Equal(t, int32(1), attempts.Load(), "the same server would send the same answer again: not retried")
			var big *core.BodyTooLargeError
			require.True(t, errors.As(err, &big), "the cause is the port's error, got %v", err)
			assert.Equal(t, int64(core.MaxResponseBody), big.Limit)
			sess, err := c.Session(context.Background())
			require.NoError(t, err)
			assert.Zero(t, sess, "nothing stored from an answer that was refused")
		})
	}
}

func TestDoHonoursWireRequestMaxBody(t *testing.T) {
	s := server(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `"`+strings.Repeat("a", 100)+`"`)
	})
	_, err := nethttp.New().Do(context.Background(), core.WireRequest{Method: "GET", URL: s.URL, MaxBody: 50})
	var big *core.BodyTooLargeError
	require.True(t, errors.As(err, &big), "got %v", err)
	assert.Equal(t, core.BodyTooLargeError{Status: 200, Limit: 50}, *big)
	assert.True(t, errors.Is(err, nethttp.ErrBodyTooLarge), "still matches the package's own error")

	resp, err := nethttp.New().Do(context.Background(), core.WireRequest{Method: "GET", URL: s.URL, MaxBody: 102})
	require.NoError(t, err, "a body exactly at MaxBody is read")
	assert.Equal(t, strings.Repeat("a", 100), resp.Body)

	_, err = nethttp.New(nethttp.WithMaxBodyBytes(10)).Do(context.Background(), core.WireRequest{Method: "GET", URL: s.URL, MaxBody: 1000})
	require.True(t, errors.As(err, &big), "the smaller of the two limits wins, got %v", err)
	assert.Equal(t, int64(10), big.Limit)
}

func TestClientMethodOverrideSendsPUTAsPOST(t *testing.T) {
	type seen struct{ method, override string }
	var mu sync.Mutex
	var got []seen
	s := server(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, seen{r.Method, r.Header.Get("X-HTTP-Method-Override")})
		mu.Unlock()
		_, _ = io.WriteString(w, okAnswer)
	})
	for _, override := range []bool{true, false} {
		mu.Lock()
		got = nil
		mu.Unlock()
		c := fastClient(t, s.URL, func(cfg *core.Config) { cfg.MethodOverride = override })
		_, err := c.GetEngagement(context.Background(), core.Request{})
		require.NoError(t, err)
		require.NoError(t, c.UpdateSession(context.Background(), core.UpdateRequest{}))
		mu.Lock()
		want := []seen{{"POST", ""}, {"PUT", ""}}
		if override {
			want = []seen{{"POST", ""}, {"POST", "PUT"}}
		}
		assert.Equal(t, want, got, "methodOverride=%v", override)
		mu.Unlock()
	}
}

func TestClientNeverFollowsRedirects(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var targetHits, attempts atomic.Int32
			target := server(t, func(w http.ResponseWriter, r *http.Request) {
				targetHits.Add(1)
				_, _ = io.WriteString(w, okAnswer)
			})
			s := server(t, func(w http.ResponseWriter, r *http.Request) {
				attempts.Add(1)
				http.Redirect(w, r, target.URL+r.URL.RequestURI(), status)
			})
			c := fastClient(t, s.URL)
			_, err := c.GetEngagement(context.Background(), core.Request{})
			var ce *core.Error
			require.True(t, errors.As(err, &ce), "got %v", err)
			assert.Equal(t, core.CodeServer, ce.Code)
			assert.Equal(t, status, ce.Status)
			assert.Equal(t, int32(1), attempts.Load())
			assert.Zero(t, targetHits.Load(), "the redirect target never sees the caller's data")
		})
	}
}
