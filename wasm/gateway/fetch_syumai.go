//go:build js && wasm && upstream_syumai

package main

import (
	"net/http"

	"github.com/syumai/workers/cloudflare/fetch"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/nethttp"
)

// newFetchTransport, built with -tags upstream_syumai (make bench-gateway-fetch), is the
// candidate upstream transport measured against the default one (fetch_jsbridge.go): the
// native adapter (nethttp, the plain Go server's code) over github.com/syumai/workers' fetch,
// called
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
