// The exchange function the gateway's Go program makes its upstream calls (msdkgw and CSDS)
// through: jsbridge's contract, one HTTP exchange in one promise,
//
//   appengageUpstreamExchange(url, method, body, controller) → Promise<[status, retryAfter | null, text]>
//
// over the Workers fetch with redirects not followed, so no answer can send the gateway to a
// host other than the configured or CSDS-resolved one. wasm/gateway/workers.go picks it up by
// this name.
globalThis.appengageUpstreamExchange = async (url, method, body, controller) => {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
    body,
    signal: controller.signal,
    redirect: "manual",
  });
  return [res.status, res.headers.get("Retry-After"), await res.text()];
};
