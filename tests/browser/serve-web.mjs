// serve-web.mjs — serve the page (web/) to Chromium by request interception,
// with the server's Content-Security-Policy, for tests that need no server:
// the API answers come from the test.
//
//   await context.route('**/*', webRoute(url => answer | null));
//   await page.goto(`${ORIGIN}/draws/…`);
//
// `answer` is {status?, json} or {status?, contentType, body}; null answers
// 404, as the server does for an unknown endpoint.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');
// localhost: a secure context (WebCrypto), like the tests' real server on 127.0.0.1
export const ORIGIN = 'http://localhost:8765';
// the server's policy (src/server/router.rs): no inline script, nothing from elsewhere
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const TYPES = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.svg': 'image/svg+xml', '.json': 'application/json' };

export function webRoute(api) {
  return route => {
    const url = new URL(route.request().url());
    const headers = { 'content-security-policy': CSP };
    if (url.origin !== ORIGIN) return route.abort();
    if (url.pathname.startsWith('/api/')) {
      const a = api(url);
      if (!a) return route.fulfill({ status: 404, headers, contentType: 'application/json', body: '{"error":"not in this test"}' });
      if ('json' in a) return route.fulfill({ status: a.status || 200, headers, contentType: 'application/json', body: JSON.stringify(a.json) });
      return route.fulfill({ status: a.status || 200, headers, contentType: a.contentType, body: a.body });
    }
    const file = path.join(WEB, path.normalize(url.pathname));
    const inWeb = file.startsWith(WEB + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile();
    const served = inWeb ? file : path.join(WEB, 'index.html'); // every page path is the page
    return route.fulfill({ status: 200, headers, contentType: TYPES[path.extname(served)] || 'application/octet-stream', body: fs.readFileSync(served) });
  };
}
