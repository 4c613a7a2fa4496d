// The exchange function the Go fetch transport calls: one HTTP round trip over the host's
// fetch.

/**
 * Wraps fetch into the exchange function of the Go transport: one HTTP exchange in one
 * promise of [status, Retry-After or null, body text], so that an exchange costs Go a few
 * calls across the boundary. Go builds the URL and the JSON body, owns the AbortController
 * and decides everything else.
 */
export function exchangeOver(fetchFn, { methodOverride = false } = {}) {
  return (url, method, body, controller) => {
    const headers = body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' };
    if (methodOverride && method === 'PUT') {
      // LivePerson's gateways list only GET, POST and PATCH for cross-origin calls; their own
      // examples send the report as a POST carrying the real method.
      headers['X-HTTP-Method-Override'] = 'PUT';
      method = 'POST';
    }
    return fetchFn(url, { method, headers, body, signal: controller.signal })
      .then((res) => res.text().then((text) => [res.status, res.headers.get('Retry-After'), text]));
  };
}
