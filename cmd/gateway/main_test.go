package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/sim"
)

func TestServesTheSimulatorAndStops(t *testing.T) {
	s, err := sim.New(sim.Options{})
	require.NoError(t, err)
	upstream := httptest.NewServer(s)
	defer upstream.Close()
	env := map[string]string{"APPENGAGE_MSDKGW": upstream.URL, "APPENGAGE_ACCOUNTS": "12345678"}

	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:0", func(k string) string { return env[k] }, w, io.Discard) }()
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "gateway: listening on ")
	require.True(t, ok, line)

	resp, err := http.Post(url+"/api/account/12345678/app/engagement/visitors/?v=1.0", "application/json", strings.NewReader(`{"appType":"EXTERNAL"}`))
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "Available", body["status"])

	refused, err := http.Post(url+"/api/account/999/app/engagement/visitors/?v=1.0", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	refused.Body.Close()
	assert.Equal(t, 403, refused.StatusCode)

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop")
	}
}

func TestRefusesBadConfiguration(t *testing.T) {
	env := map[string]string{"APPENGAGE_VISITOR_CAP": "many"}
	err := run(context.Background(), "127.0.0.1:0", func(k string) string { return env[k] }, io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "APPENGAGE_VISITOR_CAP")
}
