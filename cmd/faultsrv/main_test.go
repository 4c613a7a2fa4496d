package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServesStatsAndStops(t *testing.T) {
	outR, outW := io.Pipe()
	var errOut strings.Builder
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, nil, outW, &errOut)
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	require.True(t, lines.Scan())
	first := lines.Text()
	require.Regexp(t, `^faultsrv: listening on http://127\.0\.0\.1:\d+$`, first)
	base := strings.TrimPrefix(first, "faultsrv: listening on ")

	resp, err := http.Post(base+"/api/account/redirect_307/app/engagement/visitors/?v=1.0", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "net/http's default client follows the 307 to the target")

	resp, err = http.Get(base + "/_faults/stats?account=redirect_307")
	require.NoError(t, err)
	var st map[string]int
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	resp.Body.Close()
	assert.Equal(t, map[string]int{"attempts": 1, "fresh": 1, "redirectTargetHits": 1}, st,
		"http.Post follows the 307, so the target counts it: the counter works")

	cancel()
	assert.Equal(t, 0, <-done)
	assert.Empty(t, errOut.String())
	_, _ = io.Copy(io.Discard, outR)
}

func TestRefusesArguments(t *testing.T) {
	var errOut strings.Builder
	assert.Equal(t, 2, run(context.Background(), []string{"-addr", "0.0.0.0:80"}, io.Discard, &errOut))
	assert.Contains(t, errOut.String(), "takes no arguments")
}
