"""The http node's allow-list (engine.httpcall.host_allowed): the table of verdicts
documented in docs/reliability.md, and end to end: a run aimed at a forbidden
host fails with HostNotAllowed without opening a connection; values substituted
into the URL cannot move the call to another host."""
from __future__ import annotations

import http.server
import threading

import httpx
import pytest

from engine.httpcall import host_allowed
from engine.models import StepRun, WorkflowRun
from engine.services.runs import run_start
from tests.support.flows import chain, drain, node, publish

DEFAULT = ["127.0.0.1", "localhost", "::1"]   # settings.FLOWDECK_HTTP_ALLOWED_HOSTS in development

ALLOWED = [
    "http://127.0.0.1:8001/charge",
    "https://127.0.0.1/",
    "http://localhost/",
    "HTTP://LOCALHOST:8000/x",               # scheme and host are case-insensitive
    "http://[::1]:8000/",
    "http://[0:0:0:0:0:0:0:1]/",             # ::1 written out
    "http://[::ffff:127.0.0.1]/",            # IPv4-mapped: matched as the IPv4 it is
    "http://evil.example\\@127.0.0.1/",      # httpx (the client) connects to 127.0.0.1; so does the check
    "http://user:pw@127.0.0.1/",             # credentials are not the host
]
REFUSED = [
    "http://10.0.0.1/",                      # private range
    "http://192.168.1.1/", "http://172.16.0.1/",
    "http://169.254.169.254/latest/meta-data/",   # cloud metadata
    "http://[::ffff:169.254.169.254]/",      # the same, IPv4-mapped
    "http://metadata.google.internal/",
    "http://localhost.evil.example/",        # a name that starts like an allowed one
    "http://127.0.0.1.nip.io/",              # a name that resolves to loopback elsewhere: names match as written
    "http://127.0.0.1@evil.example/",        # userinfo trick: the host is evil.example
    "http://127.0.0.1:80@evil.example/",
    "http://evil.example#@127.0.0.1/",       # fragment trick: the host is evil.example
    "http://evil.example?@127.0.0.1/",
    "file:///etc/passwd", "gopher://127.0.0.1:25/", "ftp://127.0.0.1/", "dict://127.0.0.1:11211/",
    "javascript:alert(1)", "//127.0.0.1/", "127.0.0.1", "http:///127.0.0.1/", "",
    "http://2130706433/",                    # decimal 127.0.0.1: resolvers accept it, the allow-list does not guess
    "http://0x7f000001/", "http://0x7f.0.0.1/", "http://0177.0.0.1/", "http://127.1/",   # hex, octal, short
    "http://0.0.0.0/",                       # reaches this host on Linux; not on the list
    "http://127.0.0.2/",                     # loopback, but only 127.0.0.1 is listed
    "http://[::]/", "http://[fe80::1]/", "http://[fd00::1]/", "http://[::2]/",
    "http://localhost./",                    # trailing dot: not the listed name
    "http://ⓛocalhost/",                      # IDNA trickery (httpx refuses the name)
    "http://%6c%6fcalhost/",                 # percent-encoded host
    "http://127.0.0.1\tevil/",               # control characters (httpx refuses the URL)
]


@pytest.mark.parametrize("url", ALLOWED)
def test_allowed_by_the_default_list(url):
    assert host_allowed(url, DEFAULT)


@pytest.mark.parametrize("url", REFUSED)
def test_refused_by_the_default_list(url):
    assert not host_allowed(url, DEFAULT)


@pytest.mark.parametrize("url,allowed,verdict", [
    ("http://api.example.com/", [".example.com"], True),          # ".suffix": subdomains
    ("http://a.b.example.com/", [".example.com"], True),
    ("http://example.com/", [".example.com"], False),              # ...but not the bare name
    ("http://evilexample.com/", [".example.com"], False),
    ("http://127.0.0.1/", [".0.0.1"], False),                      # a suffix never matches an IP literal
    ("http://10.1.2.3/", ["10.0.0.0/8"], True),                   # CIDR
    ("http://[::ffff:10.1.2.3]/", ["10.0.0.0/8"], True),
    ("http://11.0.0.1/", ["10.0.0.0/8"], False),
    ("http://2130706433/", ["127.0.0.0/8"], False),               # non-canonical numbers match no network
    ("http://[fd00::5]/", ["fd00::/8"], True),
    ("http://127.0.0.1/", ["fd00::/8", "garbage", ""], False),    # bad entries match nothing
    ("http://anything.example/", ["*"], True),                     # explicit opt-out (a system check warns)
    ("file:///etc/passwd", ["*"], False),                          # ...still http(s) only
    ("http://SHOP.Internal/", [" shop.internal "], True),          # entries are trimmed and case-insensitive
])
def test_allow_list_entries(url, allowed, verdict):
    assert host_allowed(url, allowed) is verdict


def test_check_and_call_parse_the_url_the_same_way():
    # The check takes the same httpx.URL object the client is given.
    assert host_allowed(httpx.URL("http://127.0.0.1/"), DEFAULT)
    assert not host_allowed(httpx.URL("http://10.0.0.1/"), DEFAULT)


# --- End to end -----------------------------------------------------------------------------

class _Recorder(http.server.BaseHTTPRequestHandler):
    paths: list[str] = []

    def do_POST(self):   # noqa: N802 - http.server's naming
        self.paths.append(self.path)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    _Recorder.paths = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _Recorder.paths
    server.shutdown()
    server.server_close()


def _http_run(key, url, run_input):
    publish(key, chain(node("call", "http", method="POST", url=url, body={"echo": "input"},
                            retry={"max_attempts": 3, "initial_interval": 0.1})))
    run, _ = run_start(definition_key=key, input=run_input)
    drain(run.id)
    return WorkflowRun.objects.get(pk=run.id), StepRun.objects.get(run=run, node_id="call")


@pytest.mark.django_db
@pytest.mark.parametrize("url,run_input", [
    ("http://169.254.169.254/latest/meta-data/", {}),
    ("http://10.0.0.1:{port}/", {}),
    ("http://{{ input.host }}/", {"host": "169.254.169.254"}),
    ("http://{{ input.host }}:{port}/", {"host": "127.0.0.1@10.0.0.1"}),   # quoted: "%40" is no userinfo
    ("{{ input.url }}", {"url": "http://127.0.0.1:{port}/"}),             # quoted: no scheme left
    ("http://2130706433:{port}/", {}),
])
def test_a_forbidden_target_fails_the_step_without_a_connection(monkeypatch, local_server, url, run_input):
    port, paths = local_server
    opened = []
    monkeypatch.setattr(httpx.Client, "request", lambda self, *a, **k: opened.append(a) or pytest.fail("called"))
    url = url.replace("{port}", str(port))
    run_input = {k: v.replace("{port}", str(port)) for k, v in run_input.items()}
    run, step = _http_run("forbidden", url, run_input)
    assert run.status == "aborted" and step.error["type"] == "HostNotAllowed", (run.status, step.error)
    assert step.attempt == 1   # HostNotAllowed is final: retrying cannot make the host allowed
    assert opened == [] and paths == []


@pytest.mark.django_db
def test_substituted_values_are_quoted_into_the_path_of_an_allowed_host(local_server):
    port, paths = local_server
    run, step = _http_run("allowed", f"http://127.0.0.1:{port}/hook/{{{{ input.path }}}}",
                          {"path": "../../admin@evil.example/?x=1#y"})
    assert run.status == "completed", (run.status, step.error)
    assert paths == ["/hook/..%2F..%2Fadmin%40evil.example%2F%3Fx%3D1%23y"]
