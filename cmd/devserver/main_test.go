package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
}

func testServer(t *testing.T) *httptest.Server {
	t.Helper()
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "demo", "index.html"), "<!doctype html><title>demo</title>")
	writeFile(t, filepath.Join(root, "demo", "app.js"), "export {}")
	writeFile(t, filepath.Join(root, "demo", ".secret"), "no")
	writeFile(t, filepath.Join(root, "web", "chatapi.wasm"), "\x00asm")
	writeFile(t, filepath.Join(root, "web", "browser.js"), "export {}")
	writeFile(t, filepath.Join(root, "web", "node_modules", "x", "index.js"), "no")
	writeFile(t, filepath.Join(root, "pages", "snippet.html"), "<script>inline()</script>")
	h, err := newHandler(config{
		Demo: filepath.Join(root, "demo"), Package: filepath.Join(root, "web"),
		Simulator: "http://127.0.0.1:9999/", AccountID: "acct_1",
		Mounts: []mount{{prefix: "/test/", dir: filepath.Join(root, "pages")}},
	})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func TestServesDemoPackageAndMounts(t *testing.T) {
	srv := testServer(t)
	tests := []struct {
		path        string
		status      int
		contentType string
		csp         bool
	}{
		{"/", 200, "text/html; charset=utf-8", true},
		{"/app.js", 200, "text/javascript; charset=utf-8", true},
		{"/appengage/chatapi.wasm", 200, "application/wasm", true},
		{"/appengage/browser.js", 200, "text/javascript; charset=utf-8", true},
		{"/test/snippet.html", 200, "text/html; charset=utf-8", false},
		{"/.secret", 404, "", true},
		{"/appengage/node_modules/x/index.js", 404, "", true},
		{"/appengage/", 404, "", true},
		{"/missing.js", 404, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, _ := get(t, srv.URL+tc.path)
			assert.Equal(t, tc.status, resp.StatusCode)
			if tc.contentType != "" {
				assert.Equal(t, tc.contentType, resp.Header.Get("Content-Type"))
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if tc.csp {
				assert.Contains(t, csp, "script-src 'self' 'wasm-unsafe-eval'")
				assert.Contains(t, csp, "connect-src 'self' http://127.0.0.1:9999")
				assert.Contains(t, csp, "worker-src 'none'")
				assert.NotContains(t, csp, "blob:")
				assert.NotContains(t, csp, "unsafe-inline")
			} else {
				assert.Empty(t, csp)
			}
			if tc.status == 200 {
				assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			}
		})
	}
}

func TestConfigJSONNamesTheSimulator(t *testing.T) {
	srv := testServer(t)
	resp, body := get(t, srv.URL+"/config.json")
	require.Equal(t, 200, resp.StatusCode)
	var got map[string]string
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	assert.Equal(t, map[string]string{"simulator": "http://127.0.0.1:9999", "accountId": "acct_1"}, got)
}

func TestOnlyGetAndHead(t *testing.T) {
	srv := testServer(t)
	resp, err := http.Post(srv.URL+"/app.js", "text/plain", strings.NewReader("x"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

func TestRejectsBadConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		cfg  config
	}{
		{"simulator not a URL", config{Demo: dir, Package: dir, Simulator: "127.0.0.1:8081"}},
		{"simulator ftp", config{Demo: dir, Package: dir, Simulator: "ftp://127.0.0.1"}},
		{"missing demo folder", config{Demo: filepath.Join(dir, "nope"), Package: dir, Simulator: "http://127.0.0.1:1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newHandler(tc.cfg)
			assert.Error(t, err)
		})
	}
}

func TestRefusesNonLoopbackAddress(t *testing.T) {
	err := serve("0.0.0.0:0", http.NotFoundHandler())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "127.0.0.1 only")
}

func TestMountFlag(t *testing.T) {
	var m mounts
	require.NoError(t, m.Set("/test=tests/pages"))
	assert.Equal(t, "/test/=tests/pages", m.String())
	assert.Error(t, m.Set("test=dir"))
	assert.Error(t, m.Set("/x="))
}
