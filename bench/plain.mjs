// The plain-JS fetch client every latency benchmark compares the ChatApi with: what an app
// would write by hand with fetch and JSON for LivePerson's Create Session, reusing the ids it
// gets back. withSignal adds a timeout signal, as the ChatApi's attempts carry one.
/** Returns an async function making one call for account against base with request. */
export function plainClient(base, account, request, { withSignal = false } = {}) {
  let ids = { vid: '', sid: '' };
  return async () => {
    const url = `${base}/api/account/${account}/app/engagement/visitors/${encodeURIComponent(ids.vid)}?v=1.0${ids.sid ? `&sid=${encodeURIComponent(ids.sid)}` : ''}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(request),
      ...(withSignal ? { signal: AbortSignal.timeout(30000) } : {}),
    });
    const body = JSON.parse(await res.text());
    if (res.status !== 200) throw new Error(`plain: HTTP ${res.status}`);
    ids = { vid: body.visitorId, sid: body.sessionId };
    return body;
  };
}
