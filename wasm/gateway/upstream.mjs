// The fetch the gateway's Go program uses for upstream calls (msdkgw and CSDS): the Workers
// fetch with redirects not followed, so no answer can send the gateway to a host other than
// the configured or CSDS-resolved one. wasm/gateway/workers.go picks it up by this name.
globalThis.appengageUpstreamFetch = (input, init) => fetch(input, { ...init, redirect: "manual" });
