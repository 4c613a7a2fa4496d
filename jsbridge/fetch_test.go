//go:build js && wasm

package jsbridge

import (
	"context"
	"syscall/js"
	"testing"
	"time"

	"github.com/appengage/appengage/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeFetch is a JS fetch made in the test: it records each call and answers with a real
// Response object built from the given status, headers and body, after delayMs.
const fakeFetch = `(status, headers, body, delayMs) => {
	const calls = [];
	const fetch = (url, init) => {
		calls.push({ url, method: init.method, headers: init.headers, body: init.body });
		return new Promise((resolve, reject) => {
			const t = setTimeout(() => resolve(new Response(body, { status, headers })), delayMs);
			init.signal.addEventListener('abort', () => { clearTimeout(t); reject(new DOMException('aborted', 'AbortError')); });
		});
	};
	return { fetch, calls };
}`

// exchangeOver is the loader's exchangeOver (web/src/chatapi.js), the function the transport
// calls; the tests wrap their fake fetch in it as the loader wraps the real one.
const exchangeOver = `(fetchFn) => (url, method, body, controller) => fetchFn(url, {
	method,
	headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
	body,
	signal: controller.signal,
}).then((res) => res.text().then((text) => [res.status, res.headers.get('Retry-After'), text]))`

func transportOver(t *testing.T, fetch js.Value) *FetchTransport {
	t.Helper()
	tr, err := NewFetchTransport(jsEval(t, exchangeOver).Invoke(fetch))
	require.NoError(t, err)
	return tr
}

func TestFetchTransportExchange(t *testing.T) {
	fake := jsEval(t, fakeFetch).Invoke(200, map[string]any{"Content-Type": "application/octet-stream", "Retry-After": "3"}, `{"status":"Available","n":1}`, 0)
	tr := transportOver(t, fake.Get("fetch"))
	resp, err := tr.Do(context.Background(), core.WireRequest{Method: "POST", URL: "https://va.v.liveperson.net/x?v=1.0",
		Body: map[string]any{"appType": "EXTERNAL", "list": []any{1.0, "a"}}})
	require.NoError(t, err)
	assert.Equal(t, 200, resp.Status)
	assert.Equal(t, "3", resp.RetryAfter)
	assert.Equal(t, map[string]any{"status": "Available", "n": 1.0}, resp.Body, "JSON whatever the Content-Type")
	call := fake.Get("calls").Index(0)
	assert.Equal(t, "POST", call.Get("method").String())
	assert.Equal(t, `{"appType":"EXTERNAL","list":[1,"a"]}`, call.Get("body").String())
	assert.Equal(t, "application/json", call.Get("headers").Get("Content-Type").String())
	assert.Equal(t, "application/json", call.Get("headers").Get("Accept").String())
}

func TestFetchTransportBodies(t *testing.T) {
	for _, tt := range []struct {
		body string
		want any
	}{
		{"", nil},
		{"not json", "not json"},
		{`{"time":1,"message":"Loading account: a, vid: v","internalCode":20}`, map[string]any{"time": 1.0, "message": "Loading account: a, vid: v", "internalCode": 20.0}},
	} {
		fake := jsEval(t, fakeFetch).Invoke(500, map[string]any{}, tt.body, 0)
		tr := transportOver(t, fake.Get("fetch"))
		resp, err := tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: "http://127.0.0.1:1/x"})
		require.NoError(t, err, "any status is a response")
		assert.Equal(t, 500, resp.Status)
		assert.Equal(t, tt.want, resp.Body)
		assert.True(t, fake.Get("calls").Index(0).Get("body").IsUndefined(), "GET has no body")
	}
}

func TestFetchTransportRefusesPlainHTTPBeyondLoopback(t *testing.T) {
	fake := jsEval(t, fakeFetch).Invoke(200, map[string]any{}, "{}", 0)
	tr := transportOver(t, fake.Get("fetch"))
	for _, url := range []string{"http://va.v.liveperson.net/x", "http://127.0.0.1.evil.com/x", "ftp://127.0.0.1/x", "//127.0.0.1/x"} {
		_, err := tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: url})
		assert.Error(t, err, url)
	}
	for _, url := range []string{"http://127.0.0.1:8080/x", "http://[::1]:80/x", "http://localhost/x", "https://example.com/x"} {
		_, err := tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: url})
		assert.NoError(t, err, url)
	}
	assert.Equal(t, 4, fake.Get("calls").Length(), "refused URLs were never fetched")
}

func TestFetchTransportAbortsOnTimeoutAndCancel(t *testing.T) {
	fake := jsEval(t, fakeFetch).Invoke(200, map[string]any{}, "{}", 5000)
	tr := transportOver(t, fake.Get("fetch"))
	start := time.Now()
	_, err := tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: "https://x.test/", Timeout: 30 * time.Millisecond})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	_, err = tr.Do(ctx, core.WireRequest{Method: "GET", URL: "https://x.test/"})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestFetchTransportNetworkErrorAndBadFetch(t *testing.T) {
	failing := jsEval(t, `() => Promise.reject(new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") }))`)
	tr := transportOver(t, failing)
	_, err := tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: "https://x.test/"})
	assert.EqualError(t, err, "TypeError: fetch failed (connect ECONNREFUSED)")

	for _, src := range []string{`() => 42`, `() => { throw new Error("sync") }`, `() => Promise.resolve({ status: "x" })`,
		`() => Promise.resolve({ get status() { throw new Error("getter") } })`} {
		tr := transportOver(t, jsEval(t, src))
		_, err := tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: "https://x.test/"})
		assert.Error(t, err, src)
	}
	_, err = NewFetchTransport(jsEval(t, `"not a function"`))
	assert.Error(t, err)
}

func TestFetchTransportPlainHTTPOnlyToLoopback(t *testing.T) {
	for _, tt := range []struct {
		url     string
		allowed bool
	}{
		{"https://va.v.liveperson.net/x", true},
		{"http://127.0.0.1:8081/x", true},
		{"http://127.9.9.9/x", true},
		{"http://localhost:8081/x", true},
		{"http://LOCALHOST./x", true},
		{"http://[::1]:8081/x", true},
		{"http://[::ffff:127.0.0.1]/x", true},
		{"http://va.v.liveperson.net/x", false},
		{"http://10.0.0.1/x", false},
		{"http://localhost.evil.com/x", false},
		{"http://127.0.0.1.evil.com/x", false},
		{"http://user@evil.com/x", false},
		{"http://127.0.0.1@evil.com/x", false},
		{"ftp://127.0.0.1/x", false},
	} {
		t.Run(tt.url, func(t *testing.T) {
			fake := jsEval(t, fakeFetch).Invoke(200, map[string]any{}, `{}`, 0)
			tr := transportOver(t, fake.Get("fetch"))
			_, err := tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: tt.url})
			if tt.allowed {
				require.NoError(t, err)
				assert.Equal(t, 1, fake.Get("calls").Length())
				return
			}
			require.Error(t, err)
			assert.Equal(t, core.CodeValidation, core.ErrorCode(err))
			assert.Equal(t, 0, fake.Get("calls").Length(), "nothing is sent")
		})
	}
}
