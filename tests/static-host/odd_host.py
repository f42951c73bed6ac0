"""A static web host with the habits of real ones, for tests/static_cross.rs:
the first path segment picks how it answers the rest, a file of DIR.

  python3 odd_host.py DIR      (prints "http://127.0.0.1:PORT/" once listening)

  /plain/...     the file as it is (404 when missing)
  /gzip/...      Content-Encoding: gzip, whether asked for or not
  /deflate/...   Content-Encoding: deflate (an encoding the verifiers refuse)
  /br/...        Content-Encoding: br, the body not even compressed
  /page404/...   a missing file answered 200 with the site's web page (text/html)
  /allhtml/...   every answer typed text/html
  /htmlx/...     every answer typed text/html-x (not a page: read as files)
"""

import gzip
import http.server
import os
import sys
import zlib

ROOT = os.path.abspath(sys.argv[1])
PAGE = b"<!doctype html><title>site</title><p>Welcome"


class Host(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        mode, _, rest = self.path.lstrip("/").partition("/")
        path = os.path.abspath(os.path.join(ROOT, rest.split("?")[0]))
        found = path.startswith(ROOT + os.sep) and os.path.isfile(path)
        if not found:
            if mode == "page404":
                return self.answer(200, PAGE, [("Content-Type", "text/html; charset=utf-8")])
            return self.answer(404, b"not found", [("Content-Type", "text/plain")])
        with open(path, "rb") as f:
            body = f.read()
        kind = ("Content-Type", {"allhtml": "TEXT/HTML; charset=utf-8", "htmlx": "text/html-x"}.get(mode, "application/octet-stream"))
        if mode == "gzip":
            return self.answer(200, gzip.compress(body), [kind, ("Content-Encoding", "gzip")])
        if mode == "deflate":
            return self.answer(200, zlib.compress(body), [kind, ("Content-Encoding", "deflate")])
        if mode == "br":
            return self.answer(200, body, [kind, ("Content-Encoding", "br")])
        return self.answer(200, body, [kind])


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Host)
print(f"http://127.0.0.1:{server.server_address[1]}/", flush=True)
server.serve_forever()
