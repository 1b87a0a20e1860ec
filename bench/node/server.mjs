// The official JavaScript path, for bench/run: a Node.js server that keeps a
// visitor's Wix tokens in a cookie and runs @wix/sdk's OAuthStrategy on every
// request, the way Wix's headless templates do: createClient with the
// cookie's tokens, auth.generateVisitorTokens(), and the cookie written back
// only when the tokens changed (the cheapest variant of the pattern).
//
//   WIX_API_URL=http://127.0.0.1:9797 PORT=0 node server.mjs
//
// The SDK's token endpoint is fixed to https://www.wixapis.com, so fetch is
// wrapped to send those calls to the fake (wixtest) at WIX_API_URL. Once
// listening it sends itself one request without a cookie (a new visitor:
// visitor tokens from the fake) and prints
//
//   addr 127.0.0.1:PORT
//   cookie wix_session=...
//
// for wrk's fixed Cookie header. GET /_bench/stats answers the number of
// calls that reached the fake.
import http from 'node:http';
import { createClient, OAuthStrategy } from '@wix/sdk';

const WIX_ORIGIN = 'https://www.wixapis.com';
const fake = (process.env.WIX_API_URL || 'http://127.0.0.1:9797').replace(/\/$/, '');
const clientId = process.env.WIX_CLIENT_ID || 'wixtest-client-id';
const cookieName = 'wix_session';

let fakeCalls = 0;
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (url.startsWith(WIX_ORIGIN)) {
    url = fake + url.slice(WIX_ORIGIN.length);
    fakeCalls++;
  }
  return realFetch(url, init);
};

function readCookie(header, name) {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

const server = http.createServer(async (req, res) => {
  if (req.url === '/_bench/stats') {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ tokenCalls: fakeCalls }));
    return;
  }
  try {
    let tokens;
    const raw = readCookie(req.headers.cookie, cookieName);
    if (raw) {
      try { tokens = JSON.parse(raw); } catch { tokens = undefined; }
    }
    const wixClient = createClient({ auth: OAuthStrategy({ clientId, tokens }) });
    const fresh = await wixClient.auth.generateVisitorTokens(tokens);
    if (fresh !== tokens) {
      wixClient.auth.setTokens(fresh);
      res.setHeader('Set-Cookie', `${cookieName}=${encodeURIComponent(JSON.stringify(fresh))}; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400`);
    }
    const t = wixClient.auth.getTokens();
    if (!t.accessToken.value || !t.refreshToken.value) throw new Error('no tokens');
    res.setHeader('Vary', 'Cookie');
    res.end('ok');
  } catch (e) {
    res.statusCode = 503;
    res.end(String(e));
  }
});

server.keepAliveTimeout = 65000;
server.listen(Number(process.env.PORT || 0), '127.0.0.1', async () => {
  const a = server.address();
  const base = `http://${a.address}:${a.port}`;
  const res = await realFetch(base + '/');
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith(cookieName + '='));
  if (res.status !== 200 || !cookie) {
    console.error(`node-sdk: seeding a visitor failed: ${res.status} ${await res.text()}`);
    process.exit(1);
  }
  console.log(`addr ${a.address}:${a.port}`);
  console.log(`cookie ${cookie}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
