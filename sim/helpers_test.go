package sim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/sim"
)

// clock is a settable clock for session lifetimes and flap schedules.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// start runs a simulator with opts on 127.0.0.1 (httptest's address).
func start(t testing.TB, opts sim.Options) (*sim.Server, *httptest.Server) {
	t.Helper()
	s, err := sim.New(opts)
	require.NoError(t, err)
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs
}

// answer is a decoded HTTP answer.
type answer struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// call sends body (a string as is, anything else as JSON, nil for none) and decodes the
// answer.
func call(t testing.TB, method, url string, body any, header ...string) answer {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(t, err)
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &a.body)
	}
	return a
}

// visitorsURL is the Create/Update Session URL of account acct.
func visitorsURL(base, acct, vid, query string) string {
	u := base + "/api/account/" + acct + "/app/engagement/visitors/" + vid
	if query != "" {
		u += "?" + query
	}
	return u
}

// createBody is the smallest valid Create Session body.
var createBody = map[string]any{"appType": "EXTERNAL"}

// create makes a Create Session and requires a 200.
func create(t testing.TB, base, acct, vid, sid string) map[string]any {
	t.Helper()
	q := "v=1.0"
	if sid != "" {
		q += "&sid=" + sid
	}
	a := call(t, "POST", visitorsURL(base, acct, vid, q), createBody)
	require.Equal(t, 200, a.status, a.raw)
	return a.body
}

// requireErrorBody checks LivePerson's error body shape and returns it.
func requireErrorBody(t testing.TB, a answer, status, internalCode int) map[string]any {
	t.Helper()
	require.Equal(t, status, a.status, a.raw)
	require.Len(t, a.body, 3, a.raw)
	require.IsType(t, float64(0), a.body["time"])
	require.IsType(t, "", a.body["message"])
	require.Equal(t, float64(internalCode), a.body["internalCode"], a.raw)
	return a.body
}
