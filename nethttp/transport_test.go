package nethttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/nethttp"
)

// server starts an httptest server on 127.0.0.1 (httptest's default) with h.
func server(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func TestDoSendsJSONWithHeaders(t *testing.T) {
	type seen struct {
		method, contentType, accept, userAgent string
		body                                   map[string]any
	}
	got := make(chan seen, 1)
	s := server(t, func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		raw, _ := io.ReadAll(r.Body)
		if len(raw) > 0 {
			require.NoError(t, json.Unmarshal(raw, &body))
		}
		got <- seen{r.Method, r.Header.Get("Content-Type"), r.Header.Get("Accept"), r.Header.Get("User-Agent"), body}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	})

	tests := []struct {
		name      string
		req       core.WireRequest
		opts      []nethttp.Option
		wantCT    string
		wantBody  map[string]any
		wantAgent string
	}{
		{
			name:      "POST with body",
			req:       core.WireRequest{Method: "POST", URL: s.URL + "/x", Body: map[string]any{"appType": "EXTERNAL", "n": 1.5, "html": "<a&b>"}},
			wantCT:    "application/json",
			wantBody:  map[string]any{"appType": "EXTERNAL", "n": 1.5, "html": "<a&b>"},
			wantAgent: nethttp.DefaultUserAgent,
		},
		{
			name:      "PUT with body and custom agent",
			req:       core.WireRequest{Method: "PUT", URL: s.URL + "/x", Body: map[string]any{"pageId": "1"}},
			opts:      []nethttp.Option{nethttp.WithUserAgent("launcher/2.0")},
			wantCT:    "application/json",
			wantBody:  map[string]any{"pageId": "1"},
			wantAgent: "launcher/2.0",
		},
		{
			name:      "GET without body has no Content-Type",
			req:       core.WireRequest{Method: "GET", URL: s.URL + "/x"},
			wantAgent: nethttp.DefaultUserAgent,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := nethttp.New(tt.opts...).Do(context.Background(), tt.req)
			require.NoError(t, err)
			assert.Equal(t, 200, resp.Status)
			assert.Equal(t, map[string]any{"ok": true}, resp.Body)
			s := <-got
			assert.Equal(t, tt.req.Method, s.method)
			assert.Equal(t, tt.wantCT, s.contentType)
			assert.Equal(t, "application/json", s.accept)
			assert.Equal(t, tt.wantAgent, s.userAgent)
			assert.Equal(t, tt.wantBody, s.body)
		})
	}
}

func TestDoDecodesBodies(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		status      int
		body        string
		retryAfter  string
		want        any
	}{
		{"json object", "application/json", 200, `{"status":"Available","pageId":"1"}`, "", map[string]any{"status": "Available", "pageId": "1"}},
		{"json despite octet-stream", "application/octet-stream", 200, `{"a":[1,"b",null,true]}`, "",
			map[string]any{"a": []any{json.Number("1"), "b", nil, true}}},
		{"big id stays exact", "application/json", 200, `{"campaignId":12345678901234567890}`, "",
			map[string]any{"campaignId": json.Number("12345678901234567890")}},
		{"error body with 500", "application/json", 500, `{"time":1700000000000,"message":"Loading account: 1, vid: v","internalCode":20}`, "",
			map[string]any{"time": json.Number("1700000000000"), "message": "Loading account: 1, vid: v", "internalCode": json.Number("20")}},
		{"text body as string", "text/html", 503, "<html>down</html>", "", "<html>down</html>"},
		{"trailing garbage is text", "application/json", 200, `{"a":1} x`, "", `{"a":1} x`},
		{"empty body is nil", "", 200, "", "", nil},
		{"whitespace body is nil", "application/json", 200, "  \n", "", nil},
		{"retry-after passed through", "application/json", 429, `{}`, "3", map[string]any{}},
		{"retry-after http date", "application/json", 503, `{}`, "Wed, 21 Oct 2026 07:28:00 GMT", map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := server(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			resp, err := nethttp.New().Do(context.Background(), core.WireRequest{Method: "GET", URL: s.URL})
			require.NoError(t, err)
			assert.Equal(t, tt.status, resp.Status)
			assert.Equal(t, tt.retryAfter, resp.RetryAfter)
			assert.Equal(t, tt.want, resp.Body)
		})
	}
}

func TestDoBodyLimit(t *testing.T) {
	s := server(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `"`+strings.Repeat("a", 100)+`"`)
	})
	req := core.WireRequest{Method: "GET", URL: s.URL}

	_, err := nethttp.New(nethttp.WithMaxBodyBytes(50)).Do(context.Background(), req)
	require.Error(t, err)
	assert.True(t, errors.Is(err, nethttp.ErrBodyTooLarge), "got %v", err)

	resp, err := nethttp.New(nethttp.WithMaxBodyBytes(102)).Do(context.Background(), req)
	require.NoError(t, err, "a body exactly at the limit is read")
	assert.Equal(t, strings.Repeat("a", 100), resp.Body)
}

func TestDoAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	s := server(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)

	start := time.Now()
	_, err := nethttp.New().Do(context.Background(), core.WireRequest{Method: "GET", URL: s.URL, Timeout: 50 * time.Millisecond})
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestDoCancelledContext(t *testing.T) {
	release := make(chan struct{})
	s := server(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	_, err := nethttp.New().Do(ctx, core.WireRequest{Method: "POST", URL: s.URL, Body: map[string]any{}})
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), "got %v", err)
}

func TestDoNetworkErrors(t *testing.T) {
	// A port that was just free: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadURL := "http://" + l.Addr().String() + "/x"
	require.NoError(t, l.Close())

	tests := []struct {
		name string
		req  core.WireRequest
	}{
		{"connection refused", core.WireRequest{Method: "GET", URL: deadURL}},
		{"bad URL", core.WireRequest{Method: "GET", URL: "http://[::1"}},
		{"bad method", core.WireRequest{Method: "BAD METHOD", URL: deadURL}},
		{"unencodable body", core.WireRequest{Method: "POST", URL: deadURL, Body: map[string]any{"f": func() {}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp core.WireResponse
			require.NotPanics(t, func() { resp, err = nethttp.New().Do(context.Background(), tt.req) })
			require.Error(t, err)
			assert.Zero(t, resp.Status)
		})
	}
}

func TestDoReusesConnections(t *testing.T) {
	var conns atomic.Int32
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{}`)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	s.Start()
	defer s.Close()

	tr := nethttp.New()
	for i := 0; i < 5; i++ {
		_, err := tr.Do(context.Background(), core.WireRequest{Method: "POST", URL: s.URL, Body: map[string]any{"i": i}})
		require.NoError(t, err)
	}
	assert.Equal(t, int32(1), conns.Load(), "sequential calls share one keep-alive connection")
}

func TestDoDoesNotFollowRedirects(t *testing.T) {
	var hits atomic.Int32
	target := server(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	s := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", target.URL)
		w.WriteHeader(http.StatusFound)
	})
	resp, err := nethttp.New().Do(context.Background(), core.WireRequest{Method: "POST", URL: s.URL, Body: map[string]any{"appType": "EXTERNAL"}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusFound, resp.Status, "the 3xx is the answer")
	assert.Zero(t, hits.Load(), "the body-less GET a followed 302 would send never happens")
}

func TestWithHTTPClient(t *testing.T) {
	s := server(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"via":"custom"}`) })
	var used atomic.Bool
	c := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Store(true)
		return http.DefaultTransport.RoundTrip(r)
	})}
	resp, err := nethttp.New(nethttp.WithHTTPClient(c)).Do(context.Background(), core.WireRequest{Method: "GET", URL: s.URL})
	require.NoError(t, err)
	assert.True(t, used.Load())
	assert.Equal(t, map[string]any{"via": "custom"}, resp.Body)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1,2`, ``, `"x"`, `1e999`, "\xff", `{"a":1}{}`, `null`,
		"\ufeff{}", "\f{}", "\u00a0", strings.Repeat("[", 65) + strings.Repeat("]", 65), `{"a":[-1e400]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		v := nethttp.Decode(raw)
		raw = bytes.TrimPrefix(raw, []byte("\ufeff"))
		trimmed := bytes.Trim(raw, " \t\n\r")
		var floats any
		switch {
		case len(bytes.TrimSpace(raw)) == 0:
			assert.Nil(t, v)
		case !json.Valid(trimmed):
			assert.Equal(t, string(raw), v, "text that is not JSON is kept as it came (JSON whitespace only)")
		case nethttp.JSONDepth(trimmed) > core.MaxDepth:
			assert.Equal(t, string(raw), v, "nesting past core.MaxDepth is text, as for the JS decoder")
		case json.Unmarshal(trimmed, &floats) != nil:
			assert.Equal(t, string(raw), v, "a number outside float64 is text, as for the JS decoder")
		default:
			dec := json.NewDecoder(bytes.NewReader(trimmed))
			dec.UseNumber()
			var want any
			require.NoError(t, dec.Decode(&want))
			assert.Equal(t, want, v)
		}
	})
}

// TestDecodeReadsAsTheJSTransport pins the edges where Decode follows the JS fetch transport
// rather than encoding/json's leniency (each was a difference found by the fault suite).
func TestDecodeReadsAsTheJSTransport(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name string
		raw  string
		want any
	}{
		{"byte order mark dropped", "\ufeff{\"a\":\"b\"}", map[string]any{"a": "b"}},
		{"byte order mark alone is empty", "\ufeff ", nil},
		{"form feed is not JSON whitespace", "\f{}", "\f{}"},
		{"no-break space is not JSON whitespace", "\u00a0{}", "\u00a0{}"},
		{"only unicode space is empty", "\u00a0\f", nil},
		{"depth at core.MaxDepth", deep(core.MaxDepth), nestedArrays(core.MaxDepth)},
		{"depth past core.MaxDepth is text", deep(core.MaxDepth + 1), deep(core.MaxDepth + 1)},
		{"number past float64 is text", `{"x":1e400}`, `{"x":1e400}`},
		{"negative number past float64 is text", `[-1e400]`, `[-1e400]`},
		{"large id in range stays exact", `{"x":123456789012345678901234567890}`, map[string]any{"x": json.Number("123456789012345678901234567890")}},
		{"tiny number underflows to 0, as in JS", `[1e-400]`, []any{json.Number("1e-400")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, nethttp.Decode([]byte(tt.raw)))
		})
	}
}

func nestedArrays(n int) any {
	var v any = []any{}
	for i := 1; i < n; i++ {
		v = []any{v}
	}
	return v
}
