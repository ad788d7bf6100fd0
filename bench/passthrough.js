// The benchmark's baselines, run in the same workerd as the gate:
// - by default, a plain pass-through worker that streams upstream responses as they are (no
//   verification);
// - with `?tee`, a reference that is not a gate: the body is split with `tee()`, one branch
//   piped natively into `crypto.DigestStream` and the other returned natively. No byte passes
//   through JS and nothing is withheld, so it bounds what any gate that hashes on the
//   isolate's thread can reach here.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const upstream = await fetch(new URL(url.pathname, env.UPSTREAM), { headers: { accept: request.headers.get('accept') ?? '*/*' } });
    if (!url.searchParams.has('tee') || !upstream.body) {
      return new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
    }
    const [hashed, served] = upstream.body.tee();
    hashed.pipeTo(new crypto.DigestStream('SHA-256')).catch(() => {});
    return new Response(served, { status: upstream.status, headers: upstream.headers });
  },
};
