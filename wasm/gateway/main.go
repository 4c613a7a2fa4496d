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
	// Collect at 3x the live heap (a few MB) instead of 2x: less collector CPU per request,
	// and with the soft limit an instance stays under about 16 MB, so the instances
	// gateway.mjs keeps fit in an isolate's 128 MB (docs/benchmarks/gateway.md).
	debug.SetGCPercent(200)
	debug.SetMemoryLimit(16 << 20)
	h, err := newHandler()
	if err != nil {
		fmt.Println("appengage gateway:", err)
		workers.ServeNonBlock(misconfigured(err))
	} else {
		workers.ServeNonBlock(wholeBodies(h))
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
