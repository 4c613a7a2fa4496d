// Package gateway is the appengage edge gateway: an http.Handler that serves the same REST
// surface as LivePerson's msdkgw (Create and Update Session, and a CSDS Domain API that
// names the gateway itself), so a ChatApi pointed at the gateway works unchanged.
//
// Every request is checked with the core before anything leaves the gateway: the account
// must be on the allow-list, the origin on the CORS allow-list, the body under the size cap,
// the vid/sid well formed and the body valid (bad input gets LivePerson's documented 400/401
// bodies and is never forwarded). Valid requests are forwarded with core.Client, making one
// upstream attempt, only to the msdkgw host configured or resolved through CSDS for the
// account (core's resolver): nothing in a request can choose the upstream host. The
// upstream's answer — status, LivePerson's error body, Retry-After — is passed through, so
// the client's retry policy is the only one (docs/gateway.md "One retry layer").
//
// New visitors are capped per client (the client IP) and per minute through VisitorLimiter;
// the slot is reserved before a request is forwarded.
//
// The package builds natively (cmd/gateway serves it with net/http) and for js/wasm
// (wasm/gateway serves it on Cloudflare Workers); what differs between the two, the HTTP
// transport, the CSDS answer cache and the visitor counter, sits behind core.Transport,
// DomainCache and VisitorLimiter.
package gateway
