package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/gateway"
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

// TestServerBoundsEveryRead: the plain server cuts off a client that trickles its request
// headers (the handler bounds the body itself: gateway's TestSlowBodyIsTimedOut).
func TestServerBoundsEveryRead(t *testing.T) {
	cfg, err := gateway.ConfigFromEnv(func(string) string { return "" }, "")
	require.NoError(t, err)
	srv := newServer(http.NotFoundHandler(), cfg)
	assert.Positive(t, srv.ReadHeaderTimeout)
	assert.Greater(t, srv.ReadTimeout, cfg.BodyTimeout, "the whole request, headers and body")
	assert.Greater(t, srv.WriteTimeout, cfg.Deadline, "an answer can still be written after the deadline's 504")

	srv.ReadHeaderTimeout = 200 * time.Millisecond // shortened for the test; the rule is the same
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\n")) // and never the rest
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second))) // a guard, not the assertion
	_, err = io.ReadAll(conn)
	assert.NoError(t, err, "the server closed the connection rather than waiting for the headers")
}
