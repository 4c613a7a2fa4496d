//go:build js && wasm

package fetch

import (
	"context"
	"strconv"
	"syscall/js"
	"testing"
	"time"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/jsbridge/internal/promise"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsEval builds test values in JS. Tests only: the module itself never evaluates code.
func jsEval(t *testing.T, src string) js.Value {
	t.Helper()
	return js.Global().Get("Function").New("return (" + src + ")").Invoke()
}

func await(t *testing.T, p js.Value) js.Value {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := promise.Await(ctx, p)
	require.NoError(t, err)
	return v
}

// exchangeOver is the real JS half of the transport, web/src/exchange.js, loaded as the
// package loads it (go test runs in this package's directory).
func exchangeOver(t *testing.T) js.Value {
	t.Helper()
	mod := await(t, jsEval(t, `import(require("url").pathToFileURL(require("path").resolve("../../../web/src/exchange.js")).href)`))
	return mod.Get("exchangeOver")
}

// fakeFetch is a JS fetch made in the test: it records each call and answers with a real
// Response object built from the given status, headers and body, after delayMs.
const fakeFetch = `(status, headers, body, delayMs) => {
	const calls = [];
	const fetch = (url, init) => {
		calls.push({ url, method: init.method, headers: init.headers, body: init.body, redirect: init.redirect, signal: init.signal });
		return new Promise((resolve, reject) => {
			const t = setTimeout(() => resolve(new Response(body, { status, headers })), delayMs);
			init.signal.addEventListener('abort', () => { clearTimeout(t); reject(init.signal.reason); });
		});
	};
	return { fetch, calls };
}`

func transportOver(t *testing.T, fetch js.Value) *Transport {
	t.Helper()
	tr, err := New(exchangeOver(t).Invoke(fetch))
	require.NoError(t, err)
	t.Cleanup(tr.Close)
	return tr
}

func TestFetchTransportExchange(t *testing.T) {
	fake := jsEval(t, fakeFetch).Invoke(200, map[string]any{"Content-Type": "application/octet-stream", "Retry-After": "3"}, `{"status":"Available","n":1}`, 0)
	tr := transportOver(t, fake.Get("fetch"))
	resp, err := tr.Do(context.Background(), core.WireRequest{Method: "POST", URL: "https://va.v.liveperson.net/x?v=1.0",
		Body: map[string]any{"appType": "EXTERNAL", "list": []any{1.0, "a"}}, MaxBody: core.MaxResponseBody})
	require.NoError(t, err)
	assert.Equal(t, 200, resp.Status)
	assert.Equal(t, "3", resp.RetryAfter)
	assert.Equal(t, map[string]any{"status": "Available", "n": 1.0}, resp.Body, "JSON whatever the Content-Type")
	assert.Equal(t, `{"status":"Available","n":1}`, resp.Text, "the server's own text travels beside the tree")
	call := fake.Get("calls").Index(0)
	assert.Equal(t, "POST", call.Get("method").String())
	assert.Equal(t, `{"appType":"EXTERNAL","list":[1,"a"]}`, call.Get("body").String())
	assert.Equal(t, "application/json", call.Get("headers").Get("Content-Type").String())
	assert.Equal(t, "application/json", call.Get("headers").Get("Accept").String())
	assert.True(t, call.Get("headers").Get("X-HTTP-Method-Override").IsUndefined())
	assert.Equal(t, "manual", call.Get("redirect").String(), "redirects are never followed")
}

func TestFetchTransportForwardsTheMethodOverride(t *testing.T) {
	fake := jsEval(t, fakeFetch).Invoke(200, map[string]any{}, `{}`, 0)
	tr := transportOver(t, fake.Get("fetch"))
	_, err := tr.Do(context.Background(), core.WireRequest{Method: "POST", MethodOverride: "PUT", URL: "https://x.test/", Body: map[string]any{}, MaxBody: 100})
	require.NoError(t, err)
	call := fake.Get("calls").Index(0)
	assert.Equal(t, "POST", call.Get("method").String())
	assert.Equal(t, "PUT", call.Get("headers").Get("X-HTTP-Method-Override").String())
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
		resp, err := tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: "http://127.0.0.1:1/x", MaxBody: core.MaxResponseBody})
		require.NoError(t, err, "any status is a response")
		assert.Equal(t, 500, resp.Status)
		assert.Equal(t, tt.want, resp.Body)
		assert.True(t, fake.Get("calls").Index(0).Get("body").IsUndefined(), "GET has no body")
	}
}

func TestFetchTransportAbortsOnTimeoutAndCancel(t *testing.T) {
	fake := jsEval(t, fakeFetch).Invoke(200, map[string]any{}, "{}", 5000)
	tr := transportOver(t, fake.Get("fetch"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := tr.Do(ctx, core.WireRequest{Method: "GET", URL: "https://x.test/", Timeout: 30 * time.Millisecond})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)
	signal := fake.Get("calls").Index(0).Get("signal")
	assert.True(t, signal.Get("aborted").Bool(), "the fetch was aborted")
	assert.Equal(t, "TimeoutError", signal.Get("reason").Get("name").String(), "with the reason the host shows")

	ctx, cancel = context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	_, err = tr.Do(ctx, core.WireRequest{Method: "GET", URL: "https://x.test/"})
	assert.ErrorIs(t, err, context.Canceled)
	signal = fake.Get("calls").Index(1).Get("signal")
	assert.True(t, signal.Get("aborted").Bool())
	assert.Equal(t, "AbortError", signal.Get("reason").Get("name").String(), "a cancelled call is not an attempt timeout")
}

func TestFetchTransportNeverAbortsASettledRoundTrip(t *testing.T) {
	fake := jsEval(t, fakeFetch).Invoke(200, map[string]any{}, "{}", 0)
	tr := transportOver(t, fake.Get("fetch"))
	for i := 0; i < 3; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		resp, err := tr.Do(ctx, core.WireRequest{Method: "GET", URL: "https://x.test/", Timeout: 40 * time.Millisecond, MaxBody: 100})
		require.NoError(t, err)
		assert.Equal(t, 200, resp.Status)
		cancel() // the attempt's context ends after its answer, as it always does
	}
	for i := 0; i < 3; i++ {
		assert.False(t, fake.Get("calls").Index(i).Get("signal").Get("aborted").Bool(), "a settled round trip is never aborted later")
	}
}

func TestFetchTransportNetworkErrorAndBadFetch(t *testing.T) {
	failing := jsEval(t, `() => Promise.reject(new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") }))`)
	tr := transportOver(t, failing)
	_, err := tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: "https://x.test/", MaxBody: 100})
	assert.EqualError(t, err, "TypeError: fetch failed (connect ECONNREFUSED)")

	for _, src := range []string{`() => 42`, `() => { throw new Error("sync") }`, `() => Promise.resolve({ status: "x" })`,
		`() => Promise.resolve({ get status() { throw new Error("getter") } })`} {
		tr := transportOver(t, jsEval(t, src))
		_, err := tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: "https://x.test/", MaxBody: 100})
		assert.Error(t, err, src)
	}
	_, err = New(jsEval(t, `"not a function"`))
	assert.Error(t, err)
	_, err = New(jsEval(t, `10n`))
	assert.Error(t, err)
}

// A port that calls back with values of the wrong types gets an error, never a panic.
func TestFetchTransportSurvivesABadPort(t *testing.T) {
	port := jsEval(t, `(() => { let done; return { connect(d) { done = d; }, send(id) { setTimeout(() => done(id, "x", 1n, {}), 0); }, abort() {} }; })()`)
	tr, err := New(port)
	require.NoError(t, err)
	defer tr.Close()
	_, err = tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: "https://x.test/", MaxBody: 100})
	assert.EqualError(t, err, "fetch did not return a usable Response")
}

// servers starts real HTTP servers on 127.0.0.1 in this Node process: "redirect" answers
// every request with the given status and a Location on "target", which counts the requests
// that reach it; "endless" streams a body that never ends; "declared" declares 50 MB.
const servers = `(status) => new Promise((resolve) => {
	const http = require("http");
	const state = { targetHits: 0, redirectHits: 0, endlessBytes: 0, closedEarly: false };
	const target = http.createServer((req, res) => { state.targetHits++; res.end('{"status":"NotAvailable","visitorId":"stolen","sessionId":"s","pageId":"p"}'); });
	const redirect = http.createServer((req, res) => {
		state.redirectHits++;
		res.writeHead(status, { Location: "http://127.0.0.1:" + target.address().port + "/steal" });
		res.end();
	});
	const endless = http.createServer((req, res) => {
		res.writeHead(200, { "Content-Type": "application/json" });
		const chunk = Buffer.alloc(64 * 1024, 32);
		const pump = () => { while (!res.destroyed && res.write(chunk)) state.endlessBytes += chunk.length; if (!res.destroyed) res.once("drain", pump); };
		res.on("close", () => { state.closedEarly = true; });
		pump();
	});
	const declared = http.createServer((req, res) => { res.writeHead(200, { "Content-Length": String(50 << 20) }); res.write("{"); });
	let listening = 0;
	const all = [target, redirect, endless, declared];
	for (const s of all) s.listen(0, "127.0.0.1", () => { if (++listening === all.length) resolve({
		state,
		url: (s) => "http://127.0.0.1:" + ({ target, redirect, endless, declared })[s].address().port,
		close: () => { for (const s of all) { s.closeAllConnections(); s.close(); } },
	}); });
})`

func startServers(t *testing.T, status int) js.Value {
	t.Helper()
	s := await(t, jsEval(t, servers).Invoke(status))
	t.Cleanup(func() { s.Call("close") })
	return s
}

func realFetch(t *testing.T) *Transport { return transportOver(t, js.Global().Get("fetch")) }

// Issue 9 finding 1: a redirect is reported as its status, never followed, so the request
// and its data never reach the Location host.
func TestFetchTransportReportsRedirectsFromARealServer(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			s := startServers(t, status)
			tr := realFetch(t)
			resp, err := tr.Do(context.Background(), core.WireRequest{Method: "POST", URL: s.Call("url", "redirect").String() + "/x",
				Body: map[string]any{"personal": "data"}, MaxBody: core.MaxResponseBody})
			require.NoError(t, err)
			assert.Equal(t, status, resp.Status)
			assert.Equal(t, 0, s.Get("state").Get("targetHits").Int(), "the Location host got nothing")

			// Through the client: a server error with the status, not retried, nothing stored.
			c, err := core.NewClient(core.Config{AccountID: "a1", Domain: s.Call("url", "redirect").String(), Transport: tr,
				Retry: core.RetryPolicy{Delays: []time.Duration{time.Millisecond, time.Millisecond}}})
			require.NoError(t, err)
			_, err = c.GetEngagement(context.Background(), core.Request{})
			var ce *core.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, core.CodeServer, ce.Code)
			assert.Equal(t, status, ce.Status)
			assert.Equal(t, 2, s.Get("state").Get("redirectHits").Int(), "one round trip for the call: not retried")
			assert.Equal(t, 0, s.Get("state").Get("targetHits").Int())
			sess, err := c.Session(context.Background())
			require.NoError(t, err)
			assert.True(t, sess.IsZero(), "nothing stored from a redirect")
		})
	}
}

// Issue 9 finding 9: the body is read as a stream and the download stops at the cap; the
// oversized answer is an error the client does not retry.
func TestFetchTransportStopsAtTheBodyCap(t *testing.T) {
	s := startServers(t, 307)
	tr := realFetch(t)
	for _, server := range []string{"endless", "declared"} {
		_, err := tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: s.Call("url", server).String() + "/", MaxBody: core.MaxResponseBody})
		var big *core.BodyTooLargeError
		require.ErrorAs(t, err, &big, server)
		assert.Equal(t, 200, big.Status)
		assert.Equal(t, int64(core.MaxResponseBody), big.Limit)
	}
	assert.Less(t, s.Get("state").Get("endlessBytes").Float(), float64(64<<20), "the endless body was not read on and on")

	var hits int
	counting := core.TransportFunc(func(ctx context.Context, req core.WireRequest) (core.WireResponse, error) {
		hits++
		return tr.Do(ctx, core.WireRequest{Method: "GET", URL: s.Call("url", "endless").String() + "/", MaxBody: req.MaxBody})
	})
	c, err := core.NewClient(core.Config{AccountID: "a1", Domain: "https://x.test", Transport: counting,
		Retry: core.RetryPolicy{Delays: []time.Duration{time.Millisecond, time.Millisecond}}})
	require.NoError(t, err)
	_, err = c.GetEngagement(context.Background(), core.Request{})
	var ce *core.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, core.CodeServer, ce.Code)
	assert.Equal(t, 1, hits, "an oversized answer is not retried")
}

// A fetch whose Response has no body stream (a minimal polyfill) hands over the whole text;
// the cap still holds.
func TestFetchTransportCapsABodyWithoutAStream(t *testing.T) {
	fetch := jsEval(t, `async () => ({ status: 200, type: 'basic', headers: new Headers(), body: null, text: async () => 'x'.repeat(2000) })`)
	tr := transportOver(t, fetch)
	_, err := tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: "https://x.test/", MaxBody: 100})
	var big *core.BodyTooLargeError
	require.ErrorAs(t, err, &big)
	assert.Equal(t, 200, big.Status)
	assert.Equal(t, int64(100), big.Limit)

	resp, err := tr.Do(context.Background(), core.WireRequest{Method: "GET", URL: "https://x.test/", MaxBody: 2000})
	require.NoError(t, err)
	assert.Len(t, resp.Text, 2000)
}

// A body named by a BodyID is encoded once and sent again for the same id; another id or
// none is encoded afresh (the contract is the core's: one id, one unchanged body).
func TestFetchTransportEncodesABodyIDOnce(t *testing.T) {
	fake := jsEval(t, fakeFetch).Invoke(200, map[string]any{}, `{}`, 0)
	tr := transportOver(t, fake.Get("fetch"))
	a := map[string]any{"appType": "EXTERNAL", "consumerSections": []any{"a"}}
	b := map[string]any{"appType": "EXTERNAL", "consumerSections": []any{"b"}}
	for _, req := range []core.WireRequest{
		{Body: a, BodyID: 7}, {Body: a, BodyID: 7}, {Body: b, BodyID: 8}, {Body: a, BodyID: 7}, {Body: b}, {Body: a},
	} {
		req.Method, req.URL, req.MaxBody = "POST", "https://va.v.liveperson.net/x?v=1.0", core.MaxResponseBody
		_, err := tr.Do(context.Background(), req)
		require.NoError(t, err)
	}
	calls := fake.Get("calls")
	var sent []string
	for i := 0; i < calls.Length(); i++ {
		sent = append(sent, calls.Index(i).Get("body").String())
	}
	ta, tb := `{"appType":"EXTERNAL","consumerSections":["a"]}`, `{"appType":"EXTERNAL","consumerSections":["b"]}`
	assert.Equal(t, []string{ta, ta, tb, ta, tb, ta}, sent)
}
