// A small static file server for the demo and the browser tests: only the listed directories
// of the repository are served, with the right MIME types (wasm must be application/wasm for
// instantiateStreaming).
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves `mounts` ({ '/url-prefix/': '/abs/dir' }), `index` for '/' and `pages` ({ '/path':
 * '/abs/file.html' }), with `headers` added to every answer (CORS, for a lookaside store).
 * Resolves with the server and its URL once it listens.
 */
export function serveStatic({ mounts, index, pages = {}, host = '127.0.0.1', port = 0, headers = {} }) {
  const server = createServer((req, res) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    const url = new URL(req.url, 'http://x');
    let file = null;
    let path;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad path\n');
      return;
    }
    if (path === '/' && index) file = index;
    else if (Object.hasOwn(pages, path)) file = pages[path];
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (file || !path.startsWith(prefix)) continue;
      const candidate = normalize(join(dir, path.slice(prefix.length)));
      if (candidate.startsWith(dir + sep)) file = candidate;
    }
    let st = null;
    try { st = file && statSync(file); } catch { st = null; }
    if (!st?.isFile() || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(st ? 405 : 404, { 'content-type': 'text/plain' }).end(st ? 'method not allowed\n' : 'not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': st.size,
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      resolve({ server, url: `http://${host}:${p}/` });
    });
  });
}
