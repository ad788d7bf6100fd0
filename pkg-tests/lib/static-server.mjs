// The lookaside store for the registry tests: the project's static server over ROOT with CORS
// headers, run as its own process (tests block their event loop in spawnSync while skopeo
// reads from it):  node static-server.mjs PORT ROOT
import { serveStatic } from '../../scripts/lib/serve.mjs';

const [port, root] = process.argv.slice(2);
await serveStatic({ mounts: { '/': root }, port: Number(port), headers: { 'access-control-allow-origin': '*' } });
