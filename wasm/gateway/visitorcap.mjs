// VisitorCap is the Durable Object behind the gateway's visitor cap: one object per client
// key (the client IP), counting the new visitors that client created in a fixed one-minute
// window. A Durable Object runs one request at a time, so the count is exact across all the
// gateway's isolates, and concurrent requests cannot overshoot it: the gateway reserves
// before it forwards and releases when the upstream created no visitor. The count lives in
// memory: if the object is evicted (after it has been idle), the client starts a fresh
// window, which only ever errs towards serving.
//
//   POST /reserve?limit=N          count one visitor if that stays within N
//                                  → {allowed, retryAfterMs, windowMs}
//   POST /release?window=windowMs  give one back, if that window is still the current one
//                                  → {released}
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
    if (request.method !== "POST" || (op !== "reserve" && op !== "release")) {
      return new Response("VisitorCap: POST /reserve?limit=N or /release?window=MS", { status: 400 });
    }
    if (op === "release") {
      const window = Number(url.searchParams.get("window"));
      if (!Number.isSafeInteger(window)) return new Response("VisitorCap: window must be an integer", { status: 400 });
      const released = window === this.start && this.count > 0;
      if (released) this.count--;
      return Response.json({ released });
    }
    const limit = Number(url.searchParams.get("limit"));
    if (!Number.isInteger(limit) || limit < 1) {
      return new Response("VisitorCap: limit must be an integer >= 1", { status: 400 });
    }
    const now = Date.now();
    if (now - this.start >= WINDOW_MS || now < this.start) {
      this.start = now;
      this.count = 0;
    }
    if (this.count >= limit) {
      return Response.json({ allowed: false, retryAfterMs: this.start + WINDOW_MS - now, windowMs: this.start });
    }
    this.count++;
    return Response.json({ allowed: true, retryAfterMs: 0, windowMs: this.start });
  }
}
