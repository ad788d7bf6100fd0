// A token server for the Distribution registry's token authentication, run as its own process:
//   node token-server.mjs PORT KEY.pem CERT.pem USER:PASS SERVICE ISSUER
// It issues ES256 JWTs (the certificate in the x5c header, which the registry checks against its
// rootcertbundle) for the scopes asked, to the one user whose basic credentials it is given;
// anonymous requests and wrong passwords get 401. GET /count reports how many tokens it issued.
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [port, keyFile, certFile, user, service, issuer] = process.argv.slice(2);
const key = createPrivateKey(readFileSync(keyFile));
const cert = new X509Certificate(readFileSync(certFile));
const b64url = (b) => Buffer.from(b).toString('base64url');
let issued = 0;

createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/count') return res.end(String(issued));
  if (url.pathname !== '/token') return res.writeHead(404).end();
  if (req.headers.authorization !== `Basic ${Buffer.from(user).toString('base64')}`) {
    return res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"credentials required"}');
  }
  const access = url.searchParams.getAll('scope').flatMap((scope) => {
    const [type, name, actions] = scope.split(':');
    return type && name && actions ? [{ type, name, actions: actions.split(',') }] : [];
  });
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'ES256', x5c: [cert.raw.toString('base64')] };
  const claims = { iss: issuer, sub: user.split(':')[0], aud: url.searchParams.get('service') ?? service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  issued++;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${input}.${b64url(signature)}`, expires_in: 300 }));
}).listen(Number(port), '127.0.0.1');
