// What the latency benchmarks share: the plain-JS fetch client they compare the ChatApi with
// (what an app would write by hand with fetch and JSON for LivePerson's Create Session,
// reusing the ids it gets back; withSignal adds a timeout signal, as the ChatApi's attempts
// carry one), and the interleaved loop that runs clients against each other in one process.
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

/**
 * Runs the [name, fn] pairs of order against each other: 100 warm-up calls each, then calls
 * calls each in blocks of 50, the order rotated every block so that each sees the same load.
 * Resolves with {name: [ms of each call]}.
 */
export async function interleaved(order, calls) {
  const out = Object.fromEntries(order.map(([name]) => [name, []]));
  for (let i = 0; i < 100; i++) for (const [, fn] of order) await fn();
  for (let done = 0; done < calls; done += 50) {
    const k = (done / 50) % order.length;
    for (const [name, fn] of [...order.slice(k), ...order.slice(0, k)]) {
      for (let i = 0; i < 50; i++) { const t0 = performance.now(); await fn(); out[name].push(performance.now() - t0); }
    }
  }
  return out;
}

/** The value at fraction f (0 ≤ f < 1) of xs in sorted order. */
export const quantile = (xs, f) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length * f)]; };
/** The median of xs. */
export const p50 = (xs) => quantile(xs, 0.5);

/**
 * Rounds of ChatApis against the plain client, for A/B runs of a ChatApi option: each of
 * runs rounds starts a simulator-backed ChatApi per variant ([name, extra createChatApi
 * options]) and a plain client, runs them interleaved (see interleaved) and hands
 * report(round, {name: p50 ms, ..., plain: p50 ms}) the medians.
 */
export async function chatApiRounds(createChatApi, variants, { calls, runs }, report) {
  const { startSim, seedRequest } = await import('../tests/node/sim.mjs');
  const { vid, sid, ...request } = seedRequest();
  const sim = await startSim();
  try {
    for (let r = 0; r < runs; r++) {
      const apis = [];
      for (const [name, options] of variants) {
        apis.push([name, await createChatApi({ accountId: `${name}${r}`.slice(0, 20), domain: sim.url, ...options })]);
      }
      const out = await interleaved([
        ...apis.map(([name, api]) => [name, () => api.getEngagement(request)]),
        ['plain', plainClient(sim.url, `plain${r}`, request)],
      ], calls);
      for (const [, api] of apis) api.close();
      report(r + 1, Object.fromEntries(Object.entries(out).map(([name, times]) => [name, p50(times)])));
    }
  } finally {
    await sim.stop();
  }
}
