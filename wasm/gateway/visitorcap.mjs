// VisitorCap is the Durable Object behind the gateway's visitor cap: one object per client
// key (the client IP), counting the new visitors that client created in a fixed one-minute
// window. A Durable Object runs one request at a time, so the count is exact across all the
// gateway's isolates. The count lives in memory: if the object is evicted (after it has been
// idle), the client starts a fresh window, which only ever errs towards serving.
//
//   POST /reserve?limit=N  count one visitor if that stays within N  → {allowed, retryAfterMs}
//   POST /charge?limit=N   count one visitor unconditionally; allowed = room for another
//
// The same rules, natively: gateway.MemoryLimiter.
const WINDOW_MS = 60_000;

export class VisitorCap {
  constructor() {
    this.start = 0;
    this.count = 0;
  }

  async fetch(request) {
    const url = new URL(request.url);
    const op = url.pathname.slice(1);
    const limit = Number(url.searchParams.get("limit"));
    if (request.method !== "POST" || (op !== "reserve" && op !== "charge") || !Number.isInteger(limit) || limit < 1) {
      return new Response("VisitorCap: POST /reserve or /charge with ?limit=N (N >= 1)", { status: 400 });
    }
    const now = Date.now();
    if (now - this.start >= WINDOW_MS || now < this.start) {
      this.start = now;
      this.count = 0;
    }
    const retryAfterMs = this.start + WINDOW_MS - now;
    if (op === "reserve") {
      if (this.count >= limit) return Response.json({ allowed: false, retryAfterMs });
      this.count++;
      return Response.json({ allowed: true, retryAfterMs: 0 });
    }
    this.count++;
    return Response.json(this.count >= limit ? { allowed: false, retryAfterMs } : { allowed: true, retryAfterMs: 0 });
  }
}
