package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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
