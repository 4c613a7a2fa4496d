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
// served by a fresh instance.
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

	mf, err := harness.StartMiniflare(repo, harness.GatewayOptions{Entry: filepath.Join(dir, "gateway.mjs")})
	require.NoError(t, err)
	defer mf.Stop()
	defer func() {
		if t.Failed() {
			t.Logf("miniflare output:\n%s", mf.Output())
		}
	}()

	get := func(path string) (int, string) {
		resp, err := http.Get(mf.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
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

	status, body = get("/c")
	require.Equal(t, 200, status, body)
	assert.Equal(t, "served 1", strings.TrimSpace(body), "a fresh instance took over")
}
