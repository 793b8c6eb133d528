"""``paledot view --serve``: the viewer page from a local HTTP server (the standard library's), with
each frame rendered when the page asks for it.

Routes: ``/`` the page (its data without embedded frames); ``/frame.png?time=T`` the frame at
any time ``T`` paledot reads (ISO UTC, ``ET:<s>`` ...), rendered with the spec's scene and seed,
as the page's box of it stretched as paledot's PNG (see :mod:`paledot.view.frames`);
``/data.json`` the page's data. Listens on 127.0.0.1 only. Renders are cached (a few dozen).
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .._io.errors import PaledotError
from ..cameras import load_camera
from ..time.timescales import to_et
from . import frames as fr
from .spec import ViewSpec

#: Frames kept rendered (PNG bytes), most recent last.
CACHE_FRAMES = 64


class ViewServer(ThreadingHTTPServer):
    """The server: the page, built once, and frames rendered on demand for ``spec``."""

    daemon_threads = True

    def __init__(self, spec: ViewSpec, port: int = 0, progress: bool = False):
        from .data import build_view
        from .page import page_html

        self.spec = spec
        self.camera = load_camera(spec.camera)
        self.data = build_view(spec, embed_frames=False, progress=progress)
        self.page = page_html(self.data).encode("utf-8")
        d = self.data["box"]
        self.box, self.bin = (d["x0"], d["y0"], d["w"], d["h"]), d["bin"]
        self._cache: OrderedDict[float, bytes] = OrderedDict()
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def frame_png(self, when: str) -> bytes:
        """The PNG of the page's box of the frame at ``when`` (any paledot time text)."""
        et = float(to_et(when)[0])
        with self._lock:
            if et in self._cache:
                self._cache.move_to_end(et)
                return self._cache[et]
        frame, _ = fr.render_at(self.spec, et, self.camera)
        png = fr.png_of(fr.box_pixels(frame, self.box, self.bin))
        with self._lock:
            self._cache[et] = png
            while len(self._cache) > CACHE_FRAMES:
                self._cache.popitem(last=False)
        return png


class _Handler(BaseHTTPRequestHandler):
    server: ViewServer

    def log_message(self, format, *args):  # noqa: A002  (quiet: one line per error only)
        pass

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802  (the standard library's name)
        url = urlsplit(self.path)
        if url.path in ("/", "/index.html"):
            return self._send(HTTPStatus.OK, self.server.page, "text/html; charset=utf-8")
        if url.path == "/data.json":
            from .page import _json

            return self._send(HTTPStatus.OK, _json(self.server.data).encode(), "application/json")
        if url.path == "/frame.png":
            when = parse_qs(url.query).get("time", [""])[0]
            if not when:
                return self._send(HTTPStatus.BAD_REQUEST, b"give ?time=T\n", "text/plain")
            try:
                png = self.server.frame_png(when)
            except PaledotError as exc:
                return self._send(HTTPStatus.BAD_REQUEST, f"{exc}\n".encode(), "text/plain; charset=utf-8")
            return self._send(HTTPStatus.OK, png, "image/png")
        return self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")


def serve(spec: ViewSpec, port: int = 8022, progress: bool = True) -> int:
    """Serve ``spec``'s page until interrupted; returns the exit status (0)."""
    try:
        server = ViewServer(spec, port, progress)
    except OSError as exc:
        raise PaledotError(f"cannot listen on 127.0.0.1 port {port}: {exc.strerror or exc}") from None
    print(f"serving {server.url} (Ctrl-C stops)", file=sys.stdout, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
