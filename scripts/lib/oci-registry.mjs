// A read-only registry front of our own over an OCI image layout, for `npm start` on machines
// without Debian's Distribution registry: `/v2/` answers like a registry, manifests by
// `repository:tag` (the layout's ref names) or by digest, blobs by digest, the catalog and tag
// lists (from the ref names), and `/lookaside/…` serves a lookaside signature store. It never
// writes; anything else is 404.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize, sep } from 'node:path';

const DIGEST = /^sha256:([a-f0-9]{64})$/;

/** Serves `layout` (and `lookaside`) on 127.0.0.1; resolves with { url, stop }. */
export async function serveLayout({ layout, lookaside, port = 0 }) {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const byName = new Map(index.manifests.map((m) => [m.annotations?.['org.opencontainers.image.ref.name'], m.digest]));
  const blob = (digest) => {
    const m = DIGEST.exec(digest);
    const file = m && join(layout, 'blobs', 'sha256', m[1]);
    return file && existsSync(file) ? readFileSync(file) : null;
  };
  const server = createServer((req, res) => {
    const headers = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'Docker-Content-Digest, Content-Type', 'docker-distribution-api-version': 'registry/2.0' };
    const send = (status, body, extra = {}) => res.writeHead(status, { ...headers, ...extra }).end(req.method === 'HEAD' ? undefined : body);
    if (req.method === 'OPTIONS') return send(204, null, { 'access-control-allow-methods': 'GET, HEAD', 'access-control-allow-headers': 'Accept, Authorization' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'read-only');
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/v2/' || path === '/v2') return send(200, '{}', { 'content-type': 'application/json' });
    if (path.startsWith('/lookaside/') && lookaside) {
      let file;
      try {
        file = normalize(join(lookaside, decodeURIComponent(path.slice('/lookaside/'.length))));
      } catch {
        return send(400, 'bad path');
      }
      if (file.startsWith(lookaside + sep) && existsSync(file) && statSync(file).isFile()) return send(200, readFileSync(file), { 'content-type': 'application/octet-stream' });
      return send(404, 'not found');
    }
    const json = (body) => send(200, JSON.stringify(body), { 'content-type': 'application/json' });
    const names = [...byName.keys()].filter(Boolean).map((n) => n.split(':'));
    if (path === '/v2/_catalog') return json({ repositories: [...new Set(names.map(([r]) => r))].sort() });
    const tags = /^\/v2\/(.+)\/tags\/list$/.exec(path);
    if (tags) {
      const list = names.filter(([r]) => r === tags[1]).map(([, t]) => t).sort();
      if (list.length === 0) return send(404, JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: `${tags[1]} is not in the demo layout` }] }), { 'content-type': 'application/json' });
      return json({ name: tags[1], tags: list });
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    const notFound = (code) => send(404, JSON.stringify({ errors: [{ code, message: `${path} is not in the demo layout` }] }), { 'content-type': 'application/json' });
    if (!m) return notFound('NAME_UNKNOWN');
    const [, name, kind, ref] = m;
    const digest = kind === 'manifests' && !DIGEST.test(ref) ? byName.get(`${name}:${ref}`) : ref;
    const bytes = digest ? blob(digest) : null;
    if (bytes === null) return notFound(kind === 'manifests' ? 'MANIFEST_UNKNOWN' : 'BLOB_UNKNOWN');
    let type = 'application/octet-stream';
    if (kind === 'manifests') {
      try {
        type = JSON.parse(bytes).mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
      } catch {
        return notFound('MANIFEST_UNKNOWN');
      }
    }
    return send(200, bytes, { 'content-type': type, 'content-length': bytes.length, 'docker-content-digest': digest });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, stop: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }) };
}
