"""A real HTTP server on loopback for tests.

Tests talk to it over real sockets, so whatever they exercise (the SSRF-safe fetcher, timeouts, byte
caps, redirects) is the real network path, not a mock. Usage::

    with serve() as web:
        web.route("/article", b"<html>...</html>")
        web.redirect("/old", "/article")
        web.handle("/slow", trickle(interval=0.2))
        ...fetch web.url("/article")...
        assert web.requests[0].headers["user-agent"] == "..."

`serve(host="::1")` binds IPv6 loopback; `serve(tls=(certfile, keyfile))` speaks HTTPS and records the
SNI name each client sent in `web.sni_names`. The `web` fixture below can be imported into a conftest.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received. Header names are lower-cased; `path` includes the query."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


class Exchange:
    """What a handler callable gets: the request, and a way to write the response bit by bit."""

    def __init__(self, handler: _Handler, stopping: threading.Event) -> None:
        self._handler = handler
        self.stopping = stopping
        self.method = handler.command
        self.path = handler.path
        self.headers = {k.lower(): v for k, v in handler.headers.items()}
        self.body = handler.request_body
        self.bytes_written = 0

    def start(self, status: int = 200, headers: dict[str, str] | None = None, *, content_type: str = HTML) -> None:
        """Send the status line and headers. Without a Content-Length the connection closes at the end."""
        headers = {"Content-Type": content_type, **(headers or {})}
        if not any(name.lower() == "content-length" for name in headers):
            headers["Connection"] = "close"
            self._handler.close_connection = True
        self._handler.send_response(status)
        for name, value in headers.items():
            self._handler.send_header(name, value)
        self._handler.end_headers()
        self._handler.wfile.flush()

    def write(self, data: bytes) -> None:
        """Write part of the body now. Raises OSError once the client has gone away."""
        self._handler.wfile.write(data)
        self._handler.wfile.flush()
        self.bytes_written += len(data)

    def sleep(self, seconds: float) -> bool:
        """Wait, but wake up when the server stops. Returns False if the server is stopping."""
        return not self.stopping.wait(seconds)


Handler = Callable[[Exchange], None]


@dataclass
class _Route:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    handler: Handler | None = None


class WebServer:
    """The running server: register routes, read the request log, build URLs."""

    def __init__(self, server: ThreadingHTTPServer, scheme: str) -> None:
        self._server = server
        self._routes: dict[str, _Route] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.requests: list[RecordedRequest] = []
        self.sni_names: list[str | None] = []
        self.errors: list[BaseException] = []  # exceptions raised in handlers (not client hang-ups)
        self.host: str = server.server_address[0]
        self.port: int = server.server_address[1]
        netloc_host = f"[{self.host}]" if ":" in self.host else self.host
        self.base_url = f"{scheme}://{netloc_host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str = HTML,
    ) -> None:
        """Answer `path` with a fixed response (Content-Length set)."""
        if isinstance(body, str):
            body = body.encode()
        self._routes[path] = _Route(status, {"Content-Type": content_type, **(headers or {})}, body)

    def handle(self, path: str, handler: Handler) -> None:
        """Answer `path` by calling `handler(exchange)` in the server's thread for that connection."""
        self._routes[path] = _Route(handler=handler)

    def redirect(self, path: str, location: str, *, status: int = 302) -> None:
        self.route(path, status=status, headers={"Location": location})

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers that trickle or hang
        self._server.shutdown()
        self._server.server_close()

    # Called by the request handler.
    def _dispatch(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        handler.request_body = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            self.requests.append(RecordedRequest(handler.command, handler.path, headers, handler.request_body))
        route = self._routes.get(urlsplit(handler.path).path)
        if route is None:
            route = _Route(404, {"Content-Type": "text/plain"}, b"not found")
        if route.handler is not None:
            with contextlib.suppress(OSError):  # the client hung up: many tests do that on purpose
                route.handler(Exchange(handler, self._stopping))
            handler.close_connection = True
            return
        handler.send_response(route.status)
        for name, value in route.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(route.body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(route.body)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive like real servers; streamed responses close explicitly
    server: _Server
    request_body: bytes = b""

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()  # see `serve`: done here, in this connection's thread
        super().setup()

    def do_GET(self) -> None:
        self.server.web._dispatch(self)

    do_HEAD = do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog is 5: a burst of connects beyond it is dropped by the kernel and tried
    # again a second later, which no real web server (a backlog of hundreds) would do to its clients.
    request_queue_size = 128
    web: WebServer

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients hanging up and failed TLS handshakes are expected in tests; anything else is a bug,
        # kept in `errors` so a test can assert there was none.
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, OSError):
            self.web.errors.append(error)
            super().handle_error(request, client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


@contextmanager
def serve(host: str = "127.0.0.1", port: int = 0, *, tls: tuple[str, str] | None = None) -> Iterator[WebServer]:
    """Run a server on `host` (127.0.0.1 or ::1) and a free port until the block ends.

    `tls=(certfile, keyfile)` serves HTTPS; the SNI name of each handshake is appended to `sni_names`.
    """
    server_class = _Server6 if ":" in host else _Server
    server = server_class((host, port), _Handler)
    web = WebServer(server, "https" if tls else "http")
    server.web = web
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)

        def record_sni(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
            web.sni_names.append(name)

        context.sni_callback = record_sni
        # Handshake in the connection's thread, not in the accept loop, so one bad client blocks nobody.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield web
    finally:
        web.stop()
        thread.join(timeout=5)


@pytest.fixture
def web() -> Iterator[WebServer]:
    """A fresh loopback HTTP server per test."""
    with serve() as server:
        yield server


# Ready-made handlers for the awkward servers the fetcher must survive.


def trickle(interval: float = 0.2, chunk: bytes = b"x", *, content_type: str = HTML) -> Handler:
    """Send headers, then `chunk` every `interval` seconds forever (until the client leaves)."""

    def handler(ex: Exchange) -> None:
        ex.start(content_type=content_type)
        while ex.sleep(interval):
            ex.write(chunk)

    return handler


def hang(*, content_type: str | None = None) -> Handler:
    """Never answer (or, with a content type, send headers and then never a body byte)."""

    def handler(ex: Exchange) -> None:
        if content_type is not None:
            ex.start(content_type=content_type)
        while ex.sleep(0.1):
            pass

    return handler


def stream(
    chunks: Callable[[], Iterator[bytes]],
    *,
    headers: dict[str, str] | None = None,
    content_type: str = HTML,
    sent: list[int] | None = None,
) -> Handler:
    """Send the chunks a generator yields, as fast as the client reads. `sent` gets the bytes written."""

    def handler(ex: Exchange) -> None:
        ex.start(headers=headers, content_type=content_type)
        try:
            for chunk in chunks():
                if ex.stopping.is_set():
                    return
                ex.write(chunk)
        finally:
            if sent is not None:
                sent.append(ex.bytes_written)

    return handler
