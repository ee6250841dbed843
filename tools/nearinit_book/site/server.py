"""A loopback web server for the built site that compresses as web hosts do (gzip for text), shared by the browser
tests (tests/test_browser.py) and the website bench (bench/site.py).

GitHub Pages, Read the Docs, Netlify and any nginx/Apache set-up send HTML, CSS, JavaScript, JSON and SVG
gzip-compressed to a browser that accepts it; Python's ``http.server`` does not. Serving the site as it will be
served makes "bytes transferred" mean what a reader downloads. Fonts and PNG images are already compressed and are
sent as they are.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import os
import pathlib
import threading

# Debian's Chromium, never a browser download; no traffic of its own (updates, sync, QUIC probes). Shared by the
# browser tests and the website bench.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Belt and braces behind the tests' request routers: no host name resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

COMPRESSIBLE = {".html", ".css", ".js", ".json", ".svg", ".txt", ".ipynb", ".map", ".xml"}


_CACHE: dict = {}  # (path, mtime, size) -> gzip bytes


class Handler(http.server.SimpleHTTPRequestHandler):
    compress = True

    def log_message(self, *args):
        pass

    def send_head(self):
        path = pathlib.Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        wants_gzip = "gzip" in (self.headers.get("Accept-Encoding") or "")
        if not (self.compress and wants_gzip and path.suffix in COMPRESSIBLE and path.is_file()):
            return super().send_head()
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        body = _CACHE.get(key)
        if body is None:
            body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
            _CACHE[key] = body
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(int(stat.st_mtime)))
        self.end_headers()
        return io.BytesIO(body)


def serve(directory: os.PathLike, *, compress: bool = True):
    """Start serving ``directory`` on an ephemeral loopback port; return (server, base URL). Stop: server.shutdown()."""
    handler = functools.partial(type("H", (Handler,), {"compress": compress}), directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_port}/"
