package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/sim"
)

// cli runs the CLI's main logic in-process and returns exit code, stdout and stderr.
func cli(ctx context.Context, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(ctx, args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestExitCodes(t *testing.T) {
	simulator, err := sim.New(sim.Options{Scenarios: map[string]sim.Scenario{
		"ratelimited": {RateLimitCalls: 100},
		"failing":     {FailCalls: 100},
		"nohost":      {CSDS: sim.CSDSEmpty},
		"slow":        {DelayMs: 3000},
	}})
	require.NoError(t, err)
	hs := httptest.NewServer(simulator)
	defer hs.Close()
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := "http://" + l.Addr().String()
	require.NoError(t, l.Close())

	dir := t.TempDir()
	badRequest := writeFile(t, dir, "bad.json", `{"appType":"WEB","engagementAttributes":[{"type":"impDisplay"}]}`)
	notJSON := writeFile(t, dir, "notjson.json", `{appType`)
	sde := writeFile(t, dir, "sde.json", `[{"type":"lead","lead":{"topic":"upgrade","value":49.5}}]`)
	sessionFile := filepath.Join(dir, "session.json")
	csds := "--csds=" + hs.URL
	fast := "--retry-delays=1ms"

	tests := []struct {
		name      string
		args      []string
		code      int
		stderrHas string
		cancelled bool
		stdoutHas string
	}{
		{name: "get ok", args: []string{"get", "--account", "12345678", csds, "--request", "../../testdata/seed-request.json"}, code: 0, stdoutHas: `"status": "Available"`},
		{name: "get with session file", args: []string{"get", "--account", "12345678", csds, "--session-file", sessionFile, "--section", "billing"}, code: 0, stdoutHas: `"visitorId"`},
		{name: "update ok from session file", args: []string{"update", "--account", "12345678", csds, "--session-file", sessionFile, "--sde", sde}, code: 0},
		{name: "help", args: []string{"help"}, code: 0},
		{name: "no command", args: nil, code: 2},
		{name: "unknown command", args: []string{"fetch"}, code: 2, stderrHas: "appengage: usage: unknown command"},
		{name: "unknown flag", args: []string{"get", "--acount", "1"}, code: 2, stderrHas: "appengage: usage:"},
		{name: "account missing", args: []string{"get", csds}, code: 2, stderrHas: "--account"},
		{name: "domain and csds", args: []string{"get", "--account", "1", csds, "--domain", hs.URL}, code: 2},
		{name: "retries and delays", args: []string{"get", "--account", "1", csds, "--retries", "1", fast}, code: 2},
		{name: "bad delay", args: []string{"get", "--account", "1", csds, "--retry-delays", "soon"}, code: 2},
		{name: "update without attributes", args: []string{"update", "--account", "1", csds, "--page", "1"}, code: 2},
		{name: "update with half the ids", args: []string{"update", "--account", "1", csds, "--vid", "v", "--sde", sde}, code: 2},
		{name: "bad account id", args: []string{"get", "--account", "bad-id", csds}, code: 3, stderrHas: "appengage: validation: "},
		{name: "bad request file", args: []string{"get", "--account", "1", csds, "--request", badRequest}, code: 3, stderrHas: "engagementAttributes[0]"},
		{name: "request file not JSON", args: []string{"get", "--account", "1", csds, "--request", notJSON}, code: 3, stderrHas: "request"},
		{name: "malformed vid", args: []string{"get", "--account", "1", csds, "--vid", "a b"}, code: 3, stderrHas: "vid"},
		{name: "update without session", args: []string{"update", "--account", "1", csds, "--sde", sde}, code: 3, stderrHas: "GetEngagement"},
		{name: "unauthorized", args: []string{"update", "--account", "1", csds, "--vid", "nobody", "--sid", "nothing", "--page", "1", "--sde", sde}, code: 4, stderrHas: "appengage: unauthorized: "},
		{name: "not found", args: []string{"get", "--account", "1", "--domain", notFound.URL, "--retries", "0"}, code: 5, stderrHas: "HTTP 404"},
		{name: "bad request", args: []string{"update", "--account", "12345678", csds, "--session-file", sessionFile, "--page", "1", "--sde", sde}, code: 6, stderrHas: "pageId"},
		{name: "rate limited", args: []string{"get", "--account", "ratelimited", csds, "--retries", "0"}, code: 7, stderrHas: "HTTP 429"},
		{name: "server", args: []string{"get", "--account", "failing", csds, fast}, code: 8, stderrHas: "HTTP 503"},
		{name: "network", args: []string{"get", "--account", "1", "--domain", dead, fast}, code: 9, stderrHas: "appengage: network: "},
		{name: "domain lookup", args: []string{"get", "--account", "nohost", csds}, code: 10, stderrHas: "appengage: domain_lookup: "},
		{name: "csds unreachable", args: []string{"get", "--account", "1", "--csds", dead, "--retries", "0"}, code: 10},
		{name: "timeout", args: []string{"get", "--account", "slow", csds, "--timeout", "100ms"}, code: 11, stderrHas: "appengage: timeout: "},
		{name: "aborted", args: []string{"get", "--account", "slow", csds}, code: 12, cancelled: true, stderrHas: "appengage: aborted: "},
		{name: "session file unwritable", args: []string{"get", "--account", "1", csds, "--session-file", filepath.Join(dir, "no", "such", "dir.json")}, code: 1, stderrHas: "appengage: internal: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancelled {
				time.AfterFunc(100*time.Millisecond, cancel)
			}
			code, out, errOut := cli(ctx, tt.args...)
			assert.Equal(t, tt.code, code, "stdout: %s\nstderr: %s", out, errOut)
			if tt.stderrHas != "" {
				assert.Contains(t, errOut, tt.stderrHas)
			}
			if tt.stdoutHas != "" {
				assert.Contains(t, out, tt.stdoutHas)
			}
			if code > 2 {
				assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line per error: %q", errOut)
				assert.True(t, strings.HasPrefix(errOut, "appengage: "), errOut)
			}
		})
	}
	st := simulator.Stats("12345678")
	assert.Equal(t, 1, st.SDETypes["lead"], "the update reached the simulator")
}

func TestGetPrintsTheResponseTree(t *testing.T) {
	simulator, err := sim.New(sim.Options{})
	require.NoError(t, err)
	hs := httptest.NewServer(simulator)
	defer hs.Close()
	sessionFile := filepath.Join(t.TempDir(), "s.json")

	code, out, errOut := cli(context.Background(), "get", "--account", "cli", "--domain", hs.URL, "--session-file", sessionFile)
	require.Equal(t, 0, code, errOut)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, "Available", got["status"])
	details := got["engagementDetails"].(map[string]any)
	assert.Equal(t, "3346848610", details["campaignId"], "ids stay strings")
	assert.Equal(t, float64(900), details["validForSeconds"])
	assert.Contains(t, out, "\n  \"", "indented")

	var stored map[string]string
	raw, err := os.ReadFile(sessionFile)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &stored))
	assert.Equal(t, got["visitorId"], stored["visitorId"])
	fi, err := os.Stat(sessionFile)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	code, out, _ = cli(context.Background(), "get", "--account", "cli", "--domain", hs.URL, "--session-file", sessionFile)
	require.Equal(t, 0, code)
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, stored["visitorId"], got["visitorId"], "the session file carries the visitor to the next run")
	assert.Equal(t, 1, simulator.Stats("cli").Visitors)

	imp := writeFile(t, t.TempDir(), "imp.json", `{"type":"impDisplay","campaign":3346848610,"engId":3562981110,"revision":44,"eContext":[{"type":"engagementContext","id":"1"}]}`)
	code, _, errOut = cli(context.Background(), "update", "--account", "cli", "--domain", hs.URL, "--session-file", sessionFile, "--imp", imp)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, 1, simulator.Stats("cli").Impressions["impDisplay"])
}

func TestRetryFlags(t *testing.T) {
	tests := []struct {
		args []string
		want []time.Duration
	}{
		{nil, []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second}},
		{[]string{"--retries", "0"}, []time.Duration{}},
		{[]string{"--retries", "2"}, []time.Duration{5 * time.Second, 10 * time.Second}},
		{[]string{"--retries", "5"}, []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second, 15 * time.Second, 15 * time.Second}},
		{[]string{"--retry-delays", "1ms, 2s"}, []time.Duration{time.Millisecond, 2 * time.Second}},
	}
	for _, tt := range tests {
		c := newCommon("get", &bytes.Buffer{})
		require.NoError(t, c.parse(append([]string{"--account", "1"}, tt.args...)))
		p, err := c.retryPolicy()
		require.NoError(t, err)
		assert.Equal(t, tt.want, p.Delays, "%v", tt.args)
	}
}

func TestRequestFromStdin(t *testing.T) {
	var got []sim.Received
	simulator, err := sim.New(sim.Options{OnRequest: func(r sim.Received) { got = append(got, r) }})
	require.NoError(t, err)
	hs := httptest.NewServer(simulator)
	defer hs.Close()
	seed, err := os.ReadFile("../../testdata/seed-request.json")
	require.NoError(t, err)

	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"get", "--account", "stdin", "--domain", hs.URL, "--request", "-", "--section", "Extra"},
		bytes.NewReader(seed), &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	require.Len(t, got, 1)
	assert.Equal(t, "123", got[0].VisitorID, "the example's vid is sent as given")
	assert.Equal(t, "456", got[0].Query.Get("sid"))
	body := got[0].Body.(map[string]any)
	assert.Equal(t, []any{"Support", "English", "Other", "Extra"}, body["consumerSections"], "--section appends")
	assert.Equal(t, "EXTERNAL", body["appType"])
}

// TestBounds: every number the CLI takes has an upper bound and every file it reads a size
// limit, each refused with a clear error naming the option instead of a panic, a huge
// allocation or an endless read (#9 finding 13).
func TestBounds(t *testing.T) {
	dir := t.TempDir()
	big := writeFile(t, dir, "big.json", `{"appType":"EXTERNAL","x":"`+strings.Repeat("a", 2<<20)+`"}`)
	deep := writeFile(t, dir, "deep.json", strings.Repeat(`{"a":`, 100)+"1"+strings.Repeat("}", 100))
	cases := []struct {
		name string
		args []string
		exit int
		msg  string
	}{
		{"retries at int64 max", []string{"get", "--account", "1", "--retries", "9223372036854775807"}, exitUsage, "--retries must be from 0 to 10"},
		{"retries 500000000", []string{"get", "--account", "1", "--retries", "500000000"}, exitUsage, "--retries must be from 0 to 10"},
		{"retries negative", []string{"get", "--account", "1", "--retries", "-2"}, exitUsage, "--retries"},
		{"too many retry delays", []string{"get", "--account", "1", "--retry-delays", strings.TrimSuffix(strings.Repeat("1s,", 11), ",")}, exitUsage, "at most 10 pauses"},
		{"huge retry delay", []string{"get", "--account", "1", "--retry-delays", "1000h"}, exitUsage, "at most 10m0s"},
		{"negative attempt timeout", []string{"get", "--account", "1", "--attempt-timeout", "-5s"}, exitUsage, "--attempt-timeout must be from 0"},
		{"huge attempt timeout", []string{"get", "--account", "1", "--attempt-timeout", "100h"}, exitUsage, "--attempt-timeout"},
		{"huge timeout", []string{"get", "--account", "1", "--timeout", "1000h"}, exitUsage, "--timeout must be from 0"},
		{"request from /dev/zero", []string{"get", "--account", "1", "--domain", "http://127.0.0.1:9", "--request", "/dev/zero"}, exitValidation, "larger than 1048576 bytes"},
		{"request too large", []string{"get", "--account", "1", "--domain", "http://127.0.0.1:9", "--request", big}, exitValidation, "larger than 1048576 bytes"},
		{"request too deep", []string{"get", "--account", "1", "--domain", "http://127.0.0.1:9", "--request", deep}, exitValidation, "nested more than 64 levels"},
		{"sde from /dev/zero", []string{"update", "--account", "1", "--domain", "http://127.0.0.1:9", "--vid", "v", "--sid", "s", "--page", "1", "--sde", "/dev/zero"}, exitValidation, "larger than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := cli(context.Background(), c.args...)
			assert.Equal(t, c.exit, code, stderr)
			assert.Contains(t, stderr, c.msg)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line, no goroutine trace: %s", stderr)
		})
	}
}

// TestStrictFlag: unknown request fields pass through by default and are refused with
// --strict.
func TestStrictFlag(t *testing.T) {
	var got any
	simulator, err := sim.New(sim.Options{OnRequest: func(r sim.Received) { got = r.Body }})
	require.NoError(t, err)
	hs := httptest.NewServer(simulator)
	defer hs.Close()
	req := writeFile(t, t.TempDir(), "req.json", `{"appType":"EXTERNAL","appDetails":{"appName":"Trader"}}`)
	code, _, stderr := cli(context.Background(), "get", "--account", "1", "--domain", hs.URL, "--request", req)
	require.Equal(t, exitOK, code, stderr)
	raw, _ := json.Marshal(got)
	assert.Contains(t, string(raw), `"appName":"Trader"`, "passed through unchanged")
	code, _, stderr = cli(context.Background(), "get", "--account", "1", "--domain", hs.URL, "--request", req, "--strict")
	assert.Equal(t, exitValidation, code)
	assert.Contains(t, stderr, "appDetails.appName")
}

// TestSessionFileThatIsNotOursIsLeftAlone: --session-file pointing at another JSON file is
// an error, and the file keeps its content.
func TestSessionFileThatIsNotOursIsLeftAlone(t *testing.T) {
	simulator, err := sim.New(sim.Options{})
	require.NoError(t, err)
	hs := httptest.NewServer(simulator)
	defer hs.Close()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"package.json": `{"name":"my-app","version":"1.0.0"}`,
		"array.json":   `[1,2,3]`,
		"null.json":    `null`,
		"typed.json":   `{"visitorId":5}`,
		"notes.txt":    "remember the milk\n",
	} {
		t.Run(name, func(t *testing.T) {
			p := writeFile(t, dir, name, content)
			code, _, stderr := cli(context.Background(), "get", "--account", "1", "--domain", hs.URL, "--session-file", p)
			assert.NotEqual(t, exitOK, code)
			assert.Contains(t, stderr, "not an appengage session file")
			after, err := os.ReadFile(p)
			require.NoError(t, err)
			assert.Equal(t, content, string(after))
		})
	}
	// A session file the CLI wrote is reused.
	p := filepath.Join(dir, "session.json")
	code, out1, stderr := cli(context.Background(), "get", "--account", "1", "--domain", hs.URL, "--session-file", p)
	require.Equal(t, exitOK, code, stderr)
	code, out2, stderr := cli(context.Background(), "get", "--account", "1", "--domain", hs.URL, "--session-file", p)
	require.Equal(t, exitOK, code, stderr)
	var a, b map[string]any
	require.NoError(t, json.Unmarshal([]byte(out1), &a))
	require.NoError(t, json.Unmarshal([]byte(out2), &b))
	assert.Equal(t, a["visitorId"], b["visitorId"])
}
