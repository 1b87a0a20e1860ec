// Starts the fake Wix (the standalone wixtest command, with its inspection
// endpoints) and
// points the official SDK at it. The SDK hard-codes https://www.wixapis.com
// and https://edge.wixapis.com, so globalThis.fetch is wrapped to send those
// origins to the fake; everything else passes through untouched.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wixOrigins = ['https://www.wixapis.com', 'https://edge.wixapis.com'];
const realFetch = globalThis.fetch;

// startFake builds and starts the fake on 127.0.0.1:<free port>. It builds
// a binary rather than using "go run", so that killing it kills the server.
export async function startFake({ redirectURIs = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'wixauth-conformance-'));
  const bin = join(dir, 'wixtest');
  execFileSync('go', ['build', '-o', bin, './wixtest/cmd/wixtest'], { cwd: root, stdio: 'inherit' });
  const args = ['-addr', '127.0.0.1:0', ...redirectURIs.flatMap((u) => ['-redirect-uri', u])];
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('wixtest did not start within 20s')), 20_000);
    proc.once('exit', (code) => reject(new Error(`wixtest exited with ${code}`)));
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const m = line.match(/serving fake Wix API at (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  proc.removeAllListeners('exit');

  const hosts = []; // which Wix origin each SDK call went to, for the report
  globalThis.fetch = (input, init) => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const origin = wixOrigins.find((o) => href.startsWith(o + '/'));
    if (!origin) return realFetch(input, init);
    const target = url + href.slice(origin.length);
    hosts.push({ origin, path: new URL(target).pathname });
    if (input instanceof Request) return realFetch(new Request(target, input), init);
    return realFetch(target, init);
  };

  return {
    url,
    hosts,
    // The fake's inspection endpoints (wixtest.Server.InspectHandler).
    async get(path) {
      const res = await realFetch(url + path);
      if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
      return res.json();
    },
    async post(path) {
      const res = await realFetch(url + path, { method: 'POST' });
      if (!res.ok) throw new Error(`POST ${path}: ${res.status}`);
      return res.json();
    },
    async stop() {
      globalThis.fetch = realFetch;
      proc.kill('SIGTERM');
      await new Promise((resolve) => (proc.exitCode !== null ? resolve() : proc.once('exit', resolve)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// browse plays the browser on a hosted page: one request, no redirect
// following, so the test sees where the page sends the browser.
export async function browse(url, form) {
  const init = { redirect: 'manual' };
  if (form) {
    init.method = 'POST';
    init.body = new URLSearchParams(form);
  }
  const res = await realFetch(url, init);
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}
