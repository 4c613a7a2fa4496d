//go:build js && wasm && !upstream_syumai

package main

import (
	"syscall/js"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/jsbridge"
)

// newFetchTransport is the upstream core.Transport on Workers: jsbridge's fetch transport
// (the ChatApi's), which cancels an attempt through an AbortController when its context ends
// and releases its callbacks whichever way a promise settles, over appengageUpstreamExchange
// from upstream.mjs (one promise per exchange, the body as one string, redirects not
// followed: an upstream redirect must not send the gateway to another host).
//
// It stays the default because the alternative, nethttp over github.com/syumai/workers'
// fetch (fetch_syumai.go, -tags upstream_syumai), measured worse on workerd
// (make bench-gateway-fetch, docs/benchmarks/gateway.md): syumai's fetch turns every request
// and response body into a JS stream whose callbacks and buffers it never releases (about
// 11 KB per request), so a reused Go instance reaches its 16 MiB soft limit and collects
// continuously — +1 to +3 ms added p50, +2 to +4 ms CPU per request, 17 MB instead of
// 11.6 MB after 541 requests — and it cannot abort an attempt (no AbortSignal).
func newFetchTransport() (core.Transport, error) {
	return jsbridge.NewFetchTransport(js.Global().Get("appengageUpstreamExchange"))
}
