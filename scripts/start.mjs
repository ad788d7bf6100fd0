#!/usr/bin/env node
// npm start: installs what is missing, builds if needed, and serves the demo page.
//   PORT=8080 npm start
import { join } from 'node:path';
import { root, say } from './lib/util.mjs';
import { build } from './build.mjs';
import { serveStatic } from './lib/serve.mjs';

try {
  await build();
} catch (e) {
  console.error(`npm start: build failed: ${e.message}`);
  process.exit(1);
}
const port = Number(process.env.PORT ?? 8080);
const { server, url } = await serveStatic({
  port,
  index: join(root, 'www', 'demo', 'index.html'),
  mounts: { '/pkg/': join(root, 'pkg'), '/www/': join(root, 'www') },
}).catch((e) => {
  console.error(`npm start: cannot listen on 127.0.0.1:${port}: ${e.message} (set PORT to another port)`);
  process.exit(1);
});
say(`sigwall demo: ${url}   (Ctrl-C stops it)`);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    say('stopping');
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
