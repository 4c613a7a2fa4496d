// The benchmark's floor: the least any Worker in front of msdkgw does, in plain JS — read
// the body, fetch the same path from APPENGAGE_MSDKGW, return the answer. No validation,
// no Go. The gateway's latency is compared with this as well as with the direct call.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const upstream = await fetch(env.APPENGAGE_MSDKGW + url.pathname + url.search, {
      method: request.method,
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: await request.text(),
    });
    return new Response(await upstream.text(), { status: upstream.status, headers: { "Content-Type": "application/json" } });
  },
};
