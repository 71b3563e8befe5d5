"""The web process as `make run` starts it (flowdeck/supervisord.conf's [program:web]
command, on a free port and the test database), and websocket clients for it: the
`websockets` library's, and a raw one that can stop reading."""
from __future__ import annotations

import base64
import configparser
import os
import shlex
import socket
import struct
import sys
import time
from pathlib import Path

from django.test import Client

from tests.support.stack import ROOT, Proc

CONF = ROOT / "flowdeck" / "supervisord.conf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def web_command(port: int) -> list[str]:
    """[program:web]'s command, with supervisord's %(here)s and %(ENV_FLOWDECK_PORT)s filled in."""
    parser = configparser.RawConfigParser()
    parser.read(CONF)
    line = parser.get("program:web", "command")
    line = line.replace("%(here)s", str(CONF.parent)).replace("%(ENV_FLOWDECK_PORT)s", str(port))
    args = shlex.split(line)
    if not Path(args[0]).exists():
        args[0] = sys.executable  # a checkout whose venv lives elsewhere
    return args


class Web:
    """The web process, listening on ``url``; ``proc.output()`` is its log."""

    def __init__(self, env: dict, extra_env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = Proc("web", web_command(self.port), {**env, **(extra_env or {})})
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline or not self.proc.alive():
                    self.proc.stop()
                    raise RuntimeError(f"the web process did not start:\n{self.proc.output()[-3000:]}")
                time.sleep(0.2)

    def stop(self) -> None:
        self.proc.stop()

    @property
    def pid(self) -> int:
        return self.proc.popen.pid


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def ws_headers(web: Web, cookie: str) -> dict:
    return {"Cookie": cookie, "Origin": web.url}


class RawWebSocket:
    """A websocket client on a bare socket with a small receive buffer: after the handshake it
    reads only when asked, so the server sees a client that does not read."""

    def __init__(self, web: Web, path: str, cookie: str, rcvbuf: int = 8192):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", web.port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{web.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                           f"Origin: {web.url}\r\nCookie: {cookie}\r\n\r\n").encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(1)  # byte by byte: nothing after the handshake is read
            if not chunk:
                raise ConnectionError(f"handshake refused: {self.buffer!r}")
            self.buffer += chunk
        assert self.buffer.startswith(b"HTTP/1.1 101"), self.buffer
        self.buffer = b""

    def _read(self, n: int, timeout: float) -> bytes:
        self.sock.settimeout(timeout)
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("closed by the server without a close frame")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def frame(self, timeout: float = 30) -> tuple[int, bytes]:
        """The next frame, (opcode, payload) (the server's frames are not masked)."""
        first, second = self._read(2, timeout)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read(2, timeout))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read(8, timeout))[0]
        return first & 0x0F, self._read(length, timeout)

    def read_until_close(self, timeout: float = 30) -> tuple[int | None, int]:
        """Read everything up to the server's close frame: (its close code, how many data frames came first)."""
        frames = 0
        while True:
            opcode, payload = self.frame(timeout)
            if opcode == 8:
                return (struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None), frames
            if opcode in (1, 2):
                frames += 1

    def close(self) -> None:
        self.sock.close()
