//go:build js && wasm

// Command gateway is the appengage edge gateway as a Cloudflare Worker: the gateway package's
// handler served by github.com/syumai/workers, with the Workers-specific ports (fetch as the
// upstream transport, the Cache API for CSDS answers, a Durable Object as the visitor
// counter). Every Workers import of the project lives in this package.
//
// The Go program serves many requests, one at a time: gateway.mjs keeps instances for reuse
// (see docs/gateway.md), so main sets the handler, signals readiness and stays parked.
package main

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"

	"github.com/appengage/appengage/gateway"
)

func main() {
	// The live heap is small (a few MB) and every request leaves garbage behind: collecting
	// at 5x the live heap instead of 2x cuts the collector's CPU per request (see
	// docs/benchmarks/gateway.md); the soft limit keeps each instance small, as several may
	// live in one isolate (128 MB in all).
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(32 << 20)
	h, err := newHandler()
	if err != nil {
		fmt.Println("appengage gateway:", err)
		workers.ServeNonBlock(misconfigured(err))
	} else {
		workers.ServeNonBlock(h)
	}
	workers.Ready()
	select {} // requests arrive as callbacks from gateway.mjs
}

// newHandler builds the gateway from the Worker's vars and bindings.
func newHandler() (http.Handler, error) {
	cfg, err := gateway.ConfigFromEnv(cloudflare.Getenv, gateway.DefaultClientIPHeader)
	if err != nil {
		return nil, err
	}
	if cfg.Transport, err = newFetchTransport(); err != nil {
		return nil, err
	}
	cfg.Domains = newCacheDomains()
	cfg.Limiter = durableLimiter{binding: limiterBinding}
	cfg.Logf = func(format string, args ...any) { fmt.Printf(format+"\n", args...) }
	return gateway.New(cfg)
}

// misconfigured answers every request 500, so a deployment with bad vars fails loudly
// instead of forwarding with defaults. The problem itself goes to the Worker's log only
// (it may name the allowed accounts).
func misconfigured(err error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("appengage gateway: not serving, misconfigured:", err)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, `{"time":%d,"message":"gateway misconfigured: see the Worker's logs","internalCode":18}`+"\n", time.Now().UnixMilli())
	})
}
