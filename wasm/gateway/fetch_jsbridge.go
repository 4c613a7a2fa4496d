//go:build js && wasm && upstream_jsbridge

package main

import (
	"syscall/js"

	"github.com/appengage/appengage/core"
	"github.com/appengage/appengage/jsbridge"
)

// newFetchTransport, built with -tags upstream_jsbridge for the comparison in
// docs/benchmarks/gateway.md only: jsbridge's fetch transport (the ChatApi's) over
// appengageUpstreamExchange from upstream.mjs.
func newFetchTransport() (core.Transport, error) {
	return jsbridge.NewFetchTransport(js.Global().Get("appengageUpstreamExchange"))
}
