//go:build workerd

package gateway_test

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/appengage/appengage/tests/gateway/harness"
)

// TestStoppedGoProgramIsReplaced runs gateway.mjs with the crashworker fixture on workerd:
// when the Go program stops, the request it was serving gets a 500 and the next request is
// served by a fresh instance. That 500 is made in gateway.mjs, not by the Go handler, and
// still carries its CORS headers for an allowed Origin, so a browser can read it.
func TestStoppedGoProgramIsReplaced(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"gateway.mjs", "upstream.mjs", "visitorcap.mjs", "wasm_exec.js", "runtime.mjs"} {
		b, err := os.ReadFile(filepath.Join(repo, "build", "gateway", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "app.wasm"), "./tests/gateway/crashworker")
	build.Dir = repo
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	mf, err := harness.StartMiniflare(repo, harness.GatewayOptions{Entry: filepath.Join(dir, "gateway.mjs"), Vars: map[string]string{"APPENGAGE_ORIGINS": "https://app.example.com"}})
	require.NoError(t, err)
	defer mf.Stop()
	defer func() {
		if t.Failed() {
			t.Logf("miniflare output:\n%s", mf.Output())
		}
	}()

	var header http.Header
	get := func(path string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, mf.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Origin", "https://app.example.com")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		header = resp.Header
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := get("/a")
	require.Equal(t, 200, status, body)
	status, body = get("/b")
	require.Equal(t, 200, status, body)
	assert.Equal(t, "served 2", strings.TrimSpace(body), "one instance served both")

	status, body = get("/crash")
	assert.Equal(t, 500, status, body)
	assert.Contains(t, body, "gateway stopped while serving the request")
	assert.Equal(t, "https://app.example.com", header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "Origin", header.Get("Vary"))

	status, body = get("/c")
	require.Equal(t, 200, status, body)
	assert.Equal(t, "served 1", strings.TrimSpace(body), "a fresh instance took over")
}
