// A minimal browser for the SDK's browser-only paths: the hidden iframe of
// getMemberTokensForDirectLogin() and of sessions.syncToWixPages(), and
// localStorage. An iframe "loads" its src with one real request to the fake
// and, where the page posts a message to its parent, delivers it to the
// window's listeners as a browser would: only when the target origin is
// "*" or the app's origin. The SDK's own code runs unchanged on top.
import { browse } from './fake.mjs';

const NAMES = ['window', 'document', 'localStorage'];

export function installDOM(appOrigin) {
  const saved = NAMES.map((n) => Object.getOwnPropertyDescriptor(globalThis, n));
  const listeners = new Set();
  const storage = new Map();
  const loads = []; // every src an iframe loaded, with what it posted
  const window = {
    location: { origin: appOrigin, href: appOrigin + '/' },
    addEventListener: (name, fn) => name === 'message' && listeners.add(fn),
    removeEventListener: (name, fn) => listeners.delete(fn),
  };
  const body = {
    children: new Set(),
    appendChild(el) {
      this.children.add(el);
      el.parentElement = body;
      el.load();
      return el;
    },
    contains(el) {
      return this.children.has(el);
    },
    removeChild(el) {
      this.children.delete(el);
    },
  };
  const document = {
    body,
    createElement(tag) {
      if (tag !== 'iframe') throw new Error(`dom.mjs: no <${tag}>`);
      const contentWindow = {};
      const el = {
        style: {},
        src: '',
        contentWindow,
        async load() {
          const page = await browse(el.src);
          const m = page.html.match(/postMessage\((\{.*?\}),\s*("[^"]*")\)/);
          const entry = { src: el.src, status: page.status, posted: null };
          loads.push(entry);
          if (m) {
            const [data, target] = [JSON.parse(m[1]), JSON.parse(m[2])];
            entry.posted = { data, target };
            if (target === '*' || target === appOrigin) {
              for (const fn of [...listeners]) fn({ data, origin: new URL(el.src).origin, source: contentWindow });
            }
          }
          el.onload?.();
        },
      };
      return el;
    },
  };
  const store = {
    getItem: (k) => (storage.has(k) ? storage.get(k) : null),
    setItem: (k, v) => storage.set(k, String(v)),
    removeItem: (k) => storage.delete(k),
  };
  for (const [name, value] of [['window', window], ['document', document], ['localStorage', store]]) {
    Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  return {
    loads,
    storage,
    uninstall() {
      NAMES.forEach((n, i) => (saved[i] ? Object.defineProperty(globalThis, n, saved[i]) : delete globalThis[n]));
    },
  };
}
