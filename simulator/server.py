# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP plumbing: a threading HTTP/1.1 server bound to loopback only, turning sockets into ``app.Request``s."""

import ipaddress
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .app import Request

MAX_BODY = 16 * 1024 * 1024


class NotLoopbackError(ValueError):
    """The simulator only ever listens on a loopback address."""


def loopback_address(host):
    """Normalise ``host`` to a loopback IP literal, or raise NotLoopbackError.

    Only IP literals and ``localhost`` are accepted: names are not resolved, so nothing can redirect the
    simulator to a public interface.
    """
    candidate = (host or "").strip()
    if candidate.lower() == "localhost":
        return "127.0.0.1"
    if candidate.startswith("[") and candidate.endswith("]"):
        candidate = candidate[1:-1]
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise NotLoopbackError(
            "refusing to listen on %r: the simulator binds to loopback addresses only "
            "(127.0.0.0/8, ::1 or localhost)" % host
        )
    return str(address)


def base_url(host, port):
    shown = "[%s]" % host if ":" in host else host
    return "http://%s:%d/client/v4" % (shown, port)


class Handler(BaseHTTPRequestHandler):
    """Reads one request, asks the application, writes (or withholds) the answer."""

    protocol_version = "HTTP/1.1"
    # Buffer the answer and send it in one go (with TCP_NODELAY): no Nagle / delayed-ACK stalls on keep-alive.
    wbufsize = -1

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self):
        return "cloudflare"

    def do_GET(self):  # pylint: disable=invalid-name
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""

    def _serve(self):
        split = urlsplit(self.path)
        raw_body = self._read_body()
        request = Request(
            method=self.command,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in self.headers.items()},
            raw_body=raw_body,
            client=self.client_address[0],
        )
        answer = self.server.app.handle(request)
        if answer.drop:
            self.close_connection = True  # pylint: disable=attribute-defined-outside-init
            return
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)
        self.wfile.flush()

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Silence http.server's own access log: the application logs (without secrets) unless --quiet."""


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, app):
        self.app = app
        super().__init__(address, Handler)

    def handle_error(self, request, client_address):
        """Clients hanging up mid-answer are normal in fault tests; anything else is reported."""
        if isinstance(sys.exc_info()[1], (ConnectionError, socket.timeout)):
            return
        super().handle_error(request, client_address)


class SimulatorServer6(SimulatorServer):
    address_family = socket.AF_INET6


def make_server(host, port, app):
    """Bind (and listen) on a loopback ``host``; ``port`` 0 picks a free port."""
    address = loopback_address(host)
    server_class = SimulatorServer6 if ":" in address else SimulatorServer
    return server_class((address, port), app)
