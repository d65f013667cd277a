"""A local HTTP server that replays canned answers, for testing live clients without the internet.

    with ReplayServer({"/api/x.json": Reply(200, body=b"{}")}) as server:
        requests.get(server.url + "/api/x.json")
        assert server.requests[0].headers["User-Agent"] == "..."

Routes map a path (matched without its query string, unless the route itself has one) to

- a ``Reply``: the same answer every time;
- a list of ``Reply``: one per request, in order; the last one repeats once the list is used up;
- a callable ``(RecordedRequest) -> Reply``: for answers that depend on the request
  (``conditional()`` builds one that honours If-None-Match / If-Modified-Since).

Every request is recorded (method, path, query, headers, arrival time) before it is answered.
The server binds 127.0.0.1 on a free port and answers each connection on its own thread, so
clients with several threads really run concurrently against it.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (slow servers, timeouts)
    cut_after: int | None = None  # send only this many body bytes, then hang up (a broken transfer)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # as sent; look-ups via header() are case-insensitive
    time: float  # time.monotonic() when the request line and headers had arrived

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


Responder = Reply | Sequence[Reply] | Callable[[RecordedRequest], Reply]


def conditional(body: bytes, *, etag: str | None = None, last_modified: str | None = None, **headers: str):
    """A responder for an unchanged document: 304 when the client already has it, else 200."""
    validators = {k: v for k, v in (("ETag", etag), ("Last-Modified", last_modified)) if v}

    def respond(request: RecordedRequest) -> Reply:
        if etag and request.header("If-None-Match") == etag:
            return Reply(304, headers=validators)
        if last_modified and request.header("If-Modified-Since") == last_modified:
            return Reply(304, headers=validators)
        return Reply(200, body=body, headers={**validators, **headers})

    return respond


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up early (a timeout test, a broken transfer) is expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class ReplayServer:
    def __init__(self, routes: dict[str, Responder] | None = None):
        self._routes: dict[str, Responder] = dict(routes or {})
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self._httpd = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._thread: threading.Thread | None = None

    # -- set-up ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, responder: Responder) -> None:
        with self._lock:
            self._routes[path] = responder
            self._served.pop(path, None)

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- inspection ------------------------------------------------------------------------
    def requests_for(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # -- serving ---------------------------------------------------------------------------
    def _reply_for(self, request: RecordedRequest, raw_path: str) -> Reply:
        with self._lock:
            self.requests.append(request)
            key = raw_path if raw_path in self._routes else request.path
            responder = self._routes.get(key)
            if responder is None:
                return Reply(
                    404, body=f"no route for {request.path}".encode(), headers={"Content-Type": "text/plain"}
                )
            if isinstance(responder, Reply):
                return responder
            if callable(responder):
                pass  # called below, outside the lock
            else:
                index = self._served.get(key, 0)
                self._served[key] = index + 1
                return responder[min(index, len(responder) - 1)]
        return responder(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real APIs and requests' pools use

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                arrived = time.monotonic()
                parts = urlsplit(self.path)
                request = RecordedRequest(
                    method="GET",
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers=dict(self.headers.items()),
                    time=arrived,
                )
                reply = server._reply_for(request, self.path)
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.status != 304:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.status != 304 and reply.body:
                    self.wfile.write(
                        reply.body[: reply.cut_after] if reply.cut_after is not None else reply.body
                    )
                if reply.cut_after is not None:
                    self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # keep test output quiet; the server records requests instead

        return Handler
