// The benchmark's baseline: a plain pass-through worker that streams upstream responses as they
// are (no verification), run in the same workerd as the gate.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const upstream = await fetch(new URL(url.pathname + url.search, env.UPSTREAM), { headers: { accept: request.headers.get('accept') ?? '*/*' } });
    return new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
  },
};
