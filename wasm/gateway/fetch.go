//go:build js && wasm && !upstream_jsbridge

package main

import (
	"net/http"

	"github.com/syumai/workers/cloudflare/fetch"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/nethttp"
)

// newFetchTransport is the upstream core.Transport on Workers: the native adapter (nethttp,
// the same code as the plain Go server's) over github.com/syumai/workers' fetch, called
// directly rather than through an http.Client, which would link net/http's whole client
// (HTTP/2, TLS) into the Worker for nothing (docs/benchmarks/gateway.md). Redirects are not
// followed — fetch runs with redirect "manual" and a 3xx is the answer — so no upstream
// answer can send the gateway to another host (it is answered 502). syumai's fetch takes no
// AbortSignal, so an attempt that outlives its context (the attempt timeout) is abandoned
// rather than aborted; workerd cancels the subrequest when the gateway's request ends, which
// follows at once.
func newFetchTransport() (core.Transport, error) {
	client := fetch.NewClient()
	init := &fetch.RequestInit{Redirect: fetch.RedirectModeManual}
	return nethttp.NewWithExchange(func(req *http.Request) (*http.Response, error) {
		return withContext(req.Context(), func() (*http.Response, error) {
			return client.Do(&fetch.Request{Request: req}, init)
		})
	}, nethttp.WithUserAgent("appengage-gateway/1")), nil
}
