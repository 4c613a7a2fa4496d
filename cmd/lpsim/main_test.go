package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServesAndStops(t *testing.T) {
	dir := t.TempDir()
	scenarios := filepath.Join(dir, "sc.json")
	require.NoError(t, os.WriteFile(scenarios, []byte(`{"fromfile": {"availability": "NotAvailable"}}`), 0o600))

	outR, outW := io.Pipe()
	var errOut strings.Builder
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-scenarios", scenarios, "-account", "fromflag=loading:1"}, outW, &errOut)
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	require.True(t, lines.Scan())
	first := lines.Text()
	require.True(t, strings.HasPrefix(first, "lpsim: listening on http://127.0.0.1:"), first)
	base := strings.TrimPrefix(first, "lpsim: listening on ")

	post := func(acct, body string) (int, string) {
		resp, err := http.Post(base+"/api/account/"+acct+"/app/engagement/visitors/?v=1.0", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	status, body := post("fromfile", `{"appType":"EXTERNAL"}`)
	assert.Equal(t, 200, status)
	assert.Contains(t, body, `"status":"NotAvailable"`, "the scenario file applies")
	status, body = post("fromflag", `{"appType":"EXTERNAL"}`)
	assert.Equal(t, 500, status)
	assert.Contains(t, body, "Loading account: fromflag, vid: ", "the -account flag applies")
	status, _ = post("12345678", `{"appType":"EXTERNAL","engagementAttributes":[{"type":"personal","personal":{"firstname":"Hermenegild"}}]}`)
	assert.Equal(t, 200, status)

	var logged []string
	for i := 0; i < 3 && lines.Scan(); i++ {
		logged = append(logged, lines.Text())
	}
	require.Len(t, logged, 3)
	assert.Regexp(t, `^lpsim: \S+ POST /api/account/fromfile/app/engagement/visitors/ 200 \S+$`, logged[0])
	assert.Contains(t, logged[1], " 500 ")
	for _, l := range logged {
		assert.NotContains(t, l, "Hermenegild")
		assert.NotContains(t, l, "v=1.0", "no query strings in the log")
	}

	cancel()
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, errOut.String())
	case <-time.After(10 * time.Second):
		t.Fatal("lpsim did not stop")
	}
	_, err := http.Get(base + "/sim/v1/stats")
	assert.Error(t, err, "the listener is closed")
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"-account", "bad"},
		{"-account", "1=sometimes"},
		{"-scenarios", "/no/such/file.json"},
		{"-nosuchflag"},
		{"extra"},
	} {
		var out, errOut strings.Builder
		code := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, args...), &out, &errOut)
		assert.Equal(t, 2, code, "%v: %s", args, errOut.String())
		assert.Empty(t, out.String(), "nothing is served")
	}
	var out, errOut strings.Builder
	assert.Equal(t, 1, run(context.Background(), []string{"-addr", "256.0.0.1:0"}, &out, &errOut), "unusable address")
}

// TestBadInputsAreRefusedAtOnce: a scenario file that never ends and base URIs that are not a
// bare host[:port] are refused with a clear error, before serving (#9 finding 13).
func TestBadInputsAreRefusedAtOnce(t *testing.T) {
	cases := []struct {
		name string
		args []string
		msg  string
	}{
		{"scenarios from /dev/zero", []string{"-scenarios", "/dev/zero"}, "larger than 1048576 bytes"},
		{"base-uri with a scheme", []string{"-base-uri", "http://x"}, "bare host[:port]"},
		{"base-uri with a path", []string{"-base-uri", "host/path"}, "bare host[:port]"},
		{"base-uri blank", []string{"-base-uri", " "}, "bare host[:port]"},
		{"base-uri with a bad port", []string{"-base-uri", "host:99999"}, "bare host[:port]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var errOut strings.Builder
			code := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, c.args...), io.Discard, &errOut)
			assert.Equal(t, 2, code)
			assert.Contains(t, errOut.String(), c.msg)
		})
	}
	var errOut strings.Builder
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stops at once once serving: the good value is accepted
	assert.Equal(t, 0, run(ctx, []string{"-addr", "127.0.0.1:0", "-base-uri", "[::1]:8081"}, io.Discard, &errOut), errOut.String())
}

// TestLogCarriesNoVisitorIds: the request log names the route, never the vid or the sid.
func TestLogCarriesNoVisitorIds(t *testing.T) {
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, outW, io.Discard)
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	require.True(t, lines.Scan())
	base := strings.TrimPrefix(lines.Text(), "lpsim: listening on ")
	resp, err := http.Post(base+"/api/account/123/app/engagement/visitors/SecretVisitor9?v=1.0&sid=SecretSession9", "application/json", strings.NewReader(`{"appType":"EXTERNAL"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.True(t, lines.Scan())
	line := lines.Text()
	assert.Contains(t, line, "/api/account/123/app/engagement/visitors/{vid}")
	assert.NotContains(t, line, "SecretVisitor9")
	assert.NotContains(t, line, "SecretSession9")
	cancel()
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	assert.Equal(t, 0, <-done)
}

// TestSignalWhileReadingScenarios: a scenario file that blocks (a FIFO nobody writes) does
// not keep lpsim from stopping on a signal.
func TestSignalWhileReadingScenarios(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errOut strings.Builder
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-scenarios", fifo}, io.Discard, &errOut) }()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 1, code)
	case <-time.After(10 * time.Second):
		t.Fatal("lpsim did not stop while reading a blocking scenario file")
	}
}
