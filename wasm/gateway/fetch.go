//go:build js && wasm && !upstream_jsbridge

package main

import (
	"net/http"

	"github.com/syumai/workers/cloudflare/fetch"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/nethttp"
)

// newFetchTransport is the upstream core.Transport on Workers: the native adapter (nethttp,
// the same code as the plain Go server's) over github.com/syumai/workers' fetch. Redirects
// are not followed — fetch runs with redirect "manual" and the http.Client returns a 3xx as
// the answer — so no upstream answer can send the gateway to another host (it is answered
// 502). syumai's fetch takes no AbortSignal, so an attempt that outlives its context is
// abandoned by contextRoundTripper rather than aborted; workerd cancels the subrequest when
// the gateway's request ends, which follows at once.
func newFetchTransport() (core.Transport, error) {
	rt := fetch.NewClient().HTTPClient(fetch.RedirectModeManual).Transport
	client := &http.Client{
		Transport:     contextRoundTripper{inner: rt},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return nethttp.New(nethttp.WithHTTPClient(client), nethttp.WithUserAgent("appengage-gateway/1")), nil
}

// contextRoundTripper ends a round trip when the request's context ends (the attempt
// timeout, the gateway's deadline), which syumai's fetch transport does not watch.
type contextRoundTripper struct{ inner http.RoundTripper }

func (c contextRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := c.inner.RoundTrip(req)
		done <- result{resp, err}
	}()
	select {
	case r := <-done:
		return r.resp, r.err
	case <-req.Context().Done():
		go func() {
			if r := <-done; r.resp != nil {
				r.resp.Body.Close()
			}
		}()
		return nil, req.Context().Err()
	}
}
