"""The web process of `make run`: daphne's own command line (same flags), with
the limits daphne lacks for clients that are slow on purpose or by accident.

    python -m flowdeck.daphne_server -b 127.0.0.1 -p 8000 flowdeck.asgi:application

- **Request headers**: complete within ``FLOWDECK_HTTP_HEADER_TIMEOUT`` seconds
  (10) of the connection or of the request's first byte. Twisted's only timer
  is an idle timer that every byte resets, so headers sent a line every 5 s
  held a connection forever.
- **Request bodies**: complete within ``FLOWDECK_HTTP_BODY_TIMEOUT`` seconds (20)
  of the headers. Daphne hands a request to Django only once its whole body is
  in, so nothing in the application could bound this.
  Past either deadline the client gets ``408 Request Timeout`` and the
  connection is closed (aborted 15 s later if the client does not read even that).
- **Websocket send buffers**: when a socket's unsent data (twisted's write
  buffer; the kernel's own buffers come first) would pass
  ``FLOWDECK_WS_SEND_BUFFER_BYTES`` (4 MiB), nothing more is queued for it: it
  is closed with code 4008 ("too slow"; the console reconnects and catches up
  by seq) and dropped ``SLOW_CLOSE_GRACE`` seconds later if it does not answer
  the close. Before, three sockets that never read grew daphne by 74-89 MB.

The limits are read from Django's settings (flowdeck/settings.py), which the
application's import has configured by the time the server is built. HTTP is
served by twisted's HTTP/1.1 channel directly (daphne's HTTP/2 needs the tls and
http2 extras, which are not installed); the send-buffer check sees plain TCP and
unix transports, not TLS ones (terminate TLS in a proxy, docs/console.md).
"""
from __future__ import annotations

import logging
import sys

from daphne.cli import CommandLineInterface
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from twisted.web.http import HTTPChannel

log = logging.getLogger("flowdeck.daphne_server")
TOO_SLOW = 4008
SLOW_CLOSE_GRACE = 10.0  # seconds a too-slow client has to read up to the close frame
_TIMEOUT_RESPONSE = (b"HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     b"Content-Length: 22\r\nConnection: close\r\n\r\nrequest took too long\n")


def unsent_bytes(transport) -> int:
    """Bytes written to a twisted TCP (or unix) transport and not yet handed to the kernel;
    0 for a transport that does not say (then no limit applies)."""
    data = getattr(transport, "dataBuffer", None)
    if data is None:
        return 0
    return len(data) - getattr(transport, "offset", 0) + getattr(transport, "_tempDataLen", 0)


class DeadlineHTTPChannel(HTTPChannel):
    """Twisted's HTTP/1.1 channel, with a deadline for each request's headers and one for its body."""

    header_timeout = 10.0
    body_timeout = 20.0
    _deadline = None
    _started = False  # some bytes of the current request arrived

    def connectionMade(self):
        super().connectionMade()
        self._arm(self.header_timeout)

    def dataReceived(self, data):
        if data and not self._handlingRequest:
            if self._deadline is None:
                self._arm(self.header_timeout)
            self._started = True
        super().dataReceived(data)

    def allHeadersReceived(self):
        super().allHeadersReceived()
        self._arm(self.body_timeout)  # cancelled at once by allContentReceived when there is no body

    def allContentReceived(self):
        self._disarm()
        self._started = False
        super().allContentReceived()

    def connectionLost(self, reason):
        self._disarm()
        super().connectionLost(reason)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        if seconds and seconds > 0:
            self._deadline = self.callLater(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None and self._deadline.active():
            self._deadline.cancel()
        self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport is None or self._handlingRequest:
            return
        log.info("closing a slow HTTP client %s: its request took too long", self.transport.getPeer())
        if self._started:
            self.transport.write(_TIMEOUT_RESPONSE)
        self._abortingCall = self.callLater(self.abortTimeout, self.forceAbortClient)
        self.loseConnection()


class BoundedWebSocketProtocol(WebSocketProtocol):
    """daphne's websocket protocol, closing with 4008 a socket whose client does not keep up."""

    send_buffer_bytes = 4 * 1024 * 1024
    too_slow = False

    def serverSend(self, content, binary=False):
        if self.too_slow:
            return  # closing: drop what the application still sends
        if self.send_buffer_bytes > 0 and unsent_bytes(self.transport) + len(content) > self.send_buffer_bytes:
            self.too_slow = True
            log.warning("closing websocket %s with %d: %d bytes unsent (limit %d)", self.client_addr, TOO_SLOW,
                        unsent_bytes(self.transport), self.send_buffer_bytes)
            self.closeHandshakeTimeout = SLOW_CLOSE_GRACE
            self.sendClose(code=TOO_SLOW, reason="too slow: reconnect and catch up")
            return
        super().serverSend(content, binary)


class BoundedServer(Server):
    """daphne's Server; once run() has built its factories (ready_callable, before the reactor
    accepts anything), their protocols become the bounded ones."""

    def __init__(self, *args, ready_callable=None, **kwargs):
        super().__init__(*args, ready_callable=self._bound, **kwargs)
        self._then = ready_callable

    def _bound(self) -> None:
        from django.conf import settings
        channel = type("FlowdeckHTTPChannel", (DeadlineHTTPChannel,), {
            "header_timeout": settings.FLOWDECK_HTTP_HEADER_TIMEOUT,
            "body_timeout": settings.FLOWDECK_HTTP_BODY_TIMEOUT})
        self.http_factory.protocol = channel
        self.ws_factory.protocol = type("FlowdeckWebSocketProtocol", (BoundedWebSocketProtocol,), {
            "send_buffer_bytes": settings.FLOWDECK_WS_SEND_BUFFER_BYTES})
        log.info("limits: headers %ss, body %ss, websocket send buffer %d bytes",
                 channel.header_timeout, channel.body_timeout, settings.FLOWDECK_WS_SEND_BUFFER_BYTES)
        if self._then:
            self._then()


class FlowdeckCommandLine(CommandLineInterface):
    server_class = BoundedServer


def main(argv=None) -> None:
    FlowdeckCommandLine().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
