// A stand-in for Workers KV (no KV service runs here): workerd's kvNamespace binding speaks
// HTTP to the service it names (GET/PUT /<url-encoded key>); this worker keeps the values in
// memory, and lists them at /_dump for the tests.
const store = new Map();
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/_dump') return Response.json(Object.fromEntries(store));
    const key = decodeURIComponent(url.pathname.slice(1));
    if (request.method === 'PUT') {
      store.set(key, await request.text());
      return new Response(null, { status: 200 });
    }
    if (request.method === 'GET') return store.has(key) ? new Response(store.get(key)) : new Response(null, { status: 404 });
    return new Response(null, { status: 405 });
  },
};
