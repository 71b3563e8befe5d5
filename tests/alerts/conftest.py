"""The alerts tests' receivers: a local webhook server (a thread on 127.0.0.1, port 0) recording every
POST, answering 500 on /fail; and Django's locmem email backend."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Receiver:
    def __init__(self):
        self.received: list[dict] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.received.append({"path": self.path, "body": json.loads(body or b"null")})
                code = 500 if self.path.startswith("/fail") else 200
                self.send_response(code)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"receiver down" if code == 500 else b"ok")

            def log_message(self, *args):   # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def bodies(self, path: str) -> list:
        with self._lock:
            return [r["body"] for r in self.received if r["path"] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.FLOWDECK_ALERT_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.FLOWDECK_PUBLIC_URL = "https://flowdeck.example.com"
    settings.FLOWDECK_ALERT_TIMEOUT = 2.0
    r = Receiver()
    yield r
    r.close()
