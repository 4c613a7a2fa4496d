// VisitorCap is the Durable Object behind the gateway's visitor cap: one object per client
// key (the client IP), counting the new visitors that client created in a fixed one-minute
// window. A Durable Object runs one request at a time, so the count is exact across all the
// gateway's isolates, and concurrent requests cannot overshoot it: the gateway reserves
// before it forwards and settles after the answer. It also remembers, for 30 minutes, the
// visitor ids the upstream confirmed for this client, whose calls reserve nothing (a
// returning visitor cannot create a visitor). Everything lives in memory: if the object is
// evicted (after it has been idle), the client starts afresh, which only ever errs towards
// serving. Visitor ids travel in the X-Appengage-Vid header, never in the URL.
//
//   POST /reserve?limit=N            X-Appengage-Vid: the vid the request names, or empty
//        → {allowed, known, retryAfterMs, windowMs}
//   POST /settle?window=MS[&giveBack=1]  X-Appengage-Vid: the vid the upstream confirmed, or empty
//        → {released}
//
// The same rules, natively: gateway.MemoryLimiter.
const WINDOW_MS = 60_000;
const KNOWN_TTL_MS = 30 * 60_000; // gateway.KnownVisitorTTL
const MAX_KNOWN = 1000; // gateway's maxKnownPerClient

export class VisitorCap {
  constructor() {
    this.start = 0;
    this.count = 0;
    this.known = new Map(); // vid → when confirmed (ms)
  }

  async fetch(request) {
    const url = new URL(request.url);
    const op = url.pathname.slice(1);
    if (request.method !== "POST" || (op !== "reserve" && op !== "settle")) {
      return new Response("VisitorCap: POST /reserve?limit=N or /settle?window=MS", { status: 400 });
    }
    const vid = request.headers.get("X-Appengage-Vid") ?? "";
    const now = Date.now();
    if (op === "settle") {
      const window = Number(url.searchParams.get("window"));
      if (!Number.isSafeInteger(window)) return new Response("VisitorCap: window must be an integer", { status: 400 });
      const released = url.searchParams.get("giveBack") === "1" && window === this.start && this.count > 0;
      if (released) this.count--;
      if (vid !== "") this.remember(vid, now);
      return Response.json({ released });
    }
    const limit = Number(url.searchParams.get("limit"));
    if (!Number.isInteger(limit) || limit < 1) {
      return new Response("VisitorCap: limit must be an integer >= 1", { status: 400 });
    }
    const seen = vid === "" ? undefined : this.known.get(vid);
    if (seen !== undefined && now - seen < KNOWN_TTL_MS) {
      return Response.json({ allowed: true, known: true, retryAfterMs: 0, windowMs: this.start });
    }
    if (now - this.start >= WINDOW_MS || now < this.start) {
      this.start = now;
      this.count = 0;
    }
    if (this.count >= limit) {
      return Response.json({ allowed: false, known: false, retryAfterMs: this.start + WINDOW_MS - now, windowMs: this.start });
    }
    this.count++;
    return Response.json({ allowed: true, known: false, retryAfterMs: 0, windowMs: this.start });
  }

  remember(vid, now) {
    if (this.known.size >= MAX_KNOWN) {
      for (const [k, t] of this.known) if (now - t >= KNOWN_TTL_MS) this.known.delete(k);
      if (this.known.size >= MAX_KNOWN) this.known.clear();
    }
    this.known.set(vid, now);
  }
}
