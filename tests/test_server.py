"""The app server's guards (formcheck/app/server.py): which Host headers are this server's,
the middleware's answers, Streamlit's address look-ups switched off, and the start-up hook.

The real server, a real browser and a network audit are in tests/browser/test_server_browser.py.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import tempfile
from pathlib import Path
from typing import Any

import pytest

from formcheck.app import scratch, server
from formcheck.app.server import allowed_names, browser_urls, host_allowed, split_host

LOCAL = allowed_names("localhost", None)
LAN = allowed_names("0.0.0.0", None, "MyPC")
NAMED = allowed_names("mypc.lan", "formcheck.home")

#: (Host header, scheme, (local address, port) the request came in on, names, answered)
HOSTS: list[tuple[str | None, str, tuple[str, int] | None, frozenset[str], bool]] = [
    # bound to localhost (the default config)
    ("localhost:8501", "http", ("127.0.0.1", 8501), LOCAL, True),
    ("LocalHost:8501", "http", ("127.0.0.1", 8501), LOCAL, True),
    ("localhost.:8501", "http", ("127.0.0.1", 8501), LOCAL, True),
    ("127.0.0.1:8501", "http", ("127.0.0.1", 8501), LOCAL, True),
    ("[::1]:8501", "http", ("127.0.0.1", 8501), LOCAL, True),
    ("127.0.0.1:8501", "ws", ("127.0.0.1", 8501), LOCAL, True),
    ("evil.example:8501", "http", ("127.0.0.1", 8501), LOCAL, False),  # DNS rebinding
    ("evil.example:8501", "ws", ("127.0.0.1", 8501), LOCAL, False),
    ("localhost.evil.example:8501", "http", ("127.0.0.1", 8501), LOCAL, False),
    ("127.0.0.1.nip.io:8501", "http", ("127.0.0.1", 8501), LOCAL, False),
    ("localhost:8502", "http", ("127.0.0.1", 8501), LOCAL, False),  # another port
    ("localhost", "http", ("127.0.0.1", 8501), LOCAL, False),  # port 80 is not ours
    ("192.168.1.5:8501", "http", ("127.0.0.1", 8501), LOCAL, False),  # not this address
    ("", "http", ("127.0.0.1", 8501), LOCAL, False),
    (None, "http", ("127.0.0.1", 8501), LOCAL, False),
    ("::1:8501", "http", ("127.0.0.1", 8501), LOCAL, False),  # IPv6 unbracketed
    ("[::1:8501", "http", ("127.0.0.1", 8501), LOCAL, False),
    ("[evil]:8501", "http", ("127.0.0.1", 8501), LOCAL, False),
    ("localhost:0", "http", ("127.0.0.1", 8501), LOCAL, False),
    ("localhost:99999", "http", ("127.0.0.1", 8501), LOCAL, False),
    ("localhost: 8501", "http", ("127.0.0.1", 8501), LOCAL, False),
    ("localhost:8501@evil.example", "http", ("127.0.0.1", 8501), LOCAL, False),
    (":8501", "http", ("127.0.0.1", 8501), LOCAL, False),
    # default ports may be left out
    ("localhost", "https", ("127.0.0.1", 443), LOCAL, True),
    ("localhost", "wss", ("127.0.0.1", 443), LOCAL, True),
    ("localhost", "http", ("127.0.0.1", 80), LOCAL, True),
    ("localhost", "https", ("127.0.0.1", 80), LOCAL, False),
    # bound to 0.0.0.0 (the LAN setup): the address the request came in on, the host name
    ("192.168.1.5:8501", "https", ("192.168.1.5", 8501), LAN, True),
    ("192.168.1.5:8501", "https", ("::ffff:192.168.1.5", 8501), LAN, True),  # dual stack
    ("[fd00::2]:8501", "https", ("fd00::2", 8501), LAN, True),
    ("mypc:8501", "https", ("192.168.1.5", 8501), LAN, True),
    ("mypc.local:8501", "https", ("192.168.1.5", 8501), LAN, True),
    ("localhost:8501", "https", ("127.0.0.1", 8501), LAN, True),
    ("192.168.1.6:8501", "https", ("192.168.1.5", 8501), LAN, False),
    ("evil.example:8501", "https", ("192.168.1.5", 8501), LAN, False),
    ("mypc.evil.example:8501", "https", ("192.168.1.5", 8501), LAN, False),
    # bound to a name; a browser.serverAddress set by hand
    ("mypc.lan:8501", "http", ("192.168.1.5", 8501), NAMED, True),
    ("formcheck.home:8501", "http", ("192.168.1.5", 8501), NAMED, True),
    ("mypc:8501", "http", ("192.168.1.5", 8501), NAMED, False),  # only bound to all
    ("evil.example:8501", "http", ("192.168.1.5", 8501), NAMED, False),
    # no local address known (not a TCP socket): names and loopback only
    ("localhost:8501", "http", None, LOCAL, True),
    ("192.168.1.5:8501", "http", None, LOCAL, False),
]


def run_async(coro: Any) -> Any:
    """Run ``coro`` to its end in a thread of its own: the browser tests' Playwright keeps an
    event loop running in this thread when the whole suite runs, and asyncio.run() refuses
    to start a second one there."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.mark.parametrize(("host", "scheme", "local", "names", "answered"), HOSTS)
def test_host_allowed(
    host: str | None,
    scheme: str,
    local: tuple[str, int] | None,
    names: frozenset[str],
    answered: bool,
) -> None:
    assert host_allowed(host, scheme=scheme, server=local, names=names) is answered


def test_split_host() -> None:
    rows = [
        ("localhost:8501", ("localhost", 8501)),
        ("EXAMPLE.org", ("example.org", None)),
        ("[::1]", ("::1", None)),
        ("[::1]:80", ("::1", 80)),
        ("10.0.0.1:65535", ("10.0.0.1", 65535)),
        ("10.0.0.1:65536", None),
        ("[::1]x", None),
        ("a:b:c", None),
    ]
    for text, parsed in rows:
        assert split_host(text) == parsed, text


def test_allowed_names() -> None:
    assert allowed_names("localhost", None) == {"localhost"}
    assert allowed_names("127.0.0.1", None) == {"localhost"}  # IPs are checked as IPs
    assert allowed_names(None, None, "box") == {"localhost", "box", "box.local"}  # unset: all
    assert allowed_names("::", None, "Box.lan") == {"localhost", "box.lan", "box.local"}
    assert allowed_names("mypc.lan.", "https://nope", None) == {"localhost", "mypc.lan"}
    assert allowed_names("localhost", "Formcheck.Home:8501") == {"localhost", "formcheck.home"}


def run_guard(scope: dict[str, Any], names: frozenset[str] = LOCAL) -> tuple[bool, list[dict]]:
    """Send ``scope`` through the middleware: whether the app behind it saw it, what was sent."""
    seen: list[dict] = []
    sent: list[dict] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope)

    async def receive() -> dict:
        return {"type": "websocket.connect"}

    async def send(message: dict) -> None:
        sent.append(message)

    guard = server.HostGuard(inner)
    original = server.configured_names
    server.configured_names = lambda: names  # type: ignore[assignment]
    try:
        run_async(guard(scope, receive, send))
    finally:
        server.configured_names = original  # type: ignore[assignment]
    return bool(seen), sent


def scope_for(kind: str, host: str | None, extensions: dict | None = None) -> dict[str, Any]:
    headers = [] if host is None else [(b"host", host.encode())]
    scope: dict[str, Any] = {
        "type": kind,
        "scheme": "ws" if kind == "websocket" else "http",
        "server": ("127.0.0.1", 8501),
        "headers": [*headers, (b"origin", b"http://evil.example")],
    }
    if extensions is not None:
        scope["extensions"] = extensions
    return scope


def test_the_guard_passes_this_servers_requests() -> None:
    for kind in ("http", "websocket"):
        passed, sent = run_guard(scope_for(kind, "localhost:8501"))
        assert passed and sent == [], kind
    passed, _ = run_guard({"type": "lifespan"})
    assert passed


def test_the_guard_refuses_other_hosts_with_one_plain_line() -> None:
    passed, sent = run_guard(scope_for("http", "evil.example:8501"))
    assert not passed
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 403
    assert (b"content-type", b"text/plain; charset=utf-8") in sent[0]["headers"]
    body = sent[1]["body"].decode()
    assert body.count("\n") == 1 and "'evil.example:8501'" in body and body.startswith("Refused")
    # no Host at all
    passed, sent = run_guard(scope_for("http", None))
    assert not passed and sent[0]["status"] == 403 and "no Host header" in sent[1]["body"].decode()
    # a long Host is cut short in the answer
    passed, sent = run_guard(scope_for("http", "a" * 5000 + ".example:8501"))
    assert not passed and len(sent[1]["body"]) < 300


def test_the_guard_refuses_a_websocket_before_it_opens() -> None:
    # uvicorn offers the HTTP denial response: a 403 with the line
    passed, sent = run_guard(
        scope_for("websocket", "evil.example:8501", {"websocket.http.response": {}})
    )
    assert not passed
    assert [m["type"] for m in sent] == [
        "websocket.http.response.start",
        "websocket.http.response.body",
    ]
    assert sent[0]["status"] == 403 and sent[1]["body"].startswith(b"Refused")
    # without it: closed before accepting (servers answer that with 403)
    passed, sent = run_guard(scope_for("websocket", "evil.example:8501"))
    assert not passed and [m["type"] for m in sent] == ["websocket.close"]


def test_streamlit_looks_up_no_address_once_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused cross-origin WebSocket asks Streamlit whether the origin is this machine:
    that asked checkip.amazonaws.com (and "connected" a UDP socket to 8.8.8.8) every time."""
    import socket

    from streamlit import net_util
    from streamlit.web.server import server_util

    calls: list[str] = []

    class NoSocket(socket.socket):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            calls.append("socket")
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(
        net_util, "_make_blocking_http_get", lambda url, timeout=5: calls.append(url)
    )
    monkeypatch.setattr(socket, "socket", NoSocket)
    monkeypatch.setattr(net_util, "_external_ip", None)
    monkeypatch.setattr(net_util, "_internal_ip", None)
    # (these make the test fail without stay_offline: both functions are Streamlit's own here)
    assert server_util.is_url_from_allowed_origins("http://evil.example") is False
    assert calls == ["socket", "http://checkip.amazonaws.com", "https://checkip.amazonaws.com"]

    calls.clear()
    monkeypatch.setattr(net_util, "get_external_ip", net_util.get_external_ip)  # restored after
    monkeypatch.setattr(net_util, "get_internal_ip", net_util.get_internal_ip)
    server.stay_offline()
    assert server_util.is_url_from_allowed_origins("http://evil.example") is False
    assert server_util.is_url_from_allowed_origins("http://localhost:8501") is True
    assert net_util.get_external_ip() is None and net_util.get_internal_ip() is None
    assert calls == []


def test_browser_urls() -> None:
    rows = [
        (("localhost", 8501, False, ["10.0.0.5"]), ["http://localhost:8501"]),
        (("127.0.0.1", 8501, False, []), ["http://127.0.0.1:8501"]),
        (("0.0.0.0", 8501, True, ["10.0.0.5", "192.168.1.5"]),
         ["https://localhost:8501", "https://10.0.0.5:8501", "https://192.168.1.5:8501"]),
        ((None, 8502, False, []), ["http://localhost:8502"]),
        (("::", 8501, True, []), ["https://localhost:8501"]),
        (("fd00::2", 8501, True, []), ["https://[fd00::2]:8501"]),
        (("mypc.lan", 8501, True, []), ["https://mypc.lan:8501"]),
    ]  # fmt: skip
    for (address, port, https, lan), urls in rows:
        assert browser_urls(address, port, https, lan) == urls


def test_lan_addresses_are_ipv4_and_not_loopback() -> None:
    for address in server.lan_addresses():
        assert address.count(".") == 3 and not address.startswith(("127.", "169.254."))


def test_banner() -> None:
    text = server.banner(["http://localhost:8501"], 0)
    assert "open http://localhost:8501" in text and "network" not in text
    text = server.banner(["http://localhost:8501", "http://10.0.0.5:8501"], 2)
    assert "network: http://10.0.0.5:8501" in text and "needs HTTPS" in text
    assert "Removed 2 upload folder(s)" in text
    assert "needs HTTPS" not in server.banner(
        ["https://localhost:8501", "https://10.0.0.5:8501"], 0
    )


@pytest.mark.parametrize("headless", [True, False])
def test_the_start_hook(
    headless: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before the first request: leftovers go, the address is printed, and the browser
    opens unless headless (as plain ``streamlit run`` does)."""
    from streamlit import cli_util, config

    options = {
        "server.address": "localhost",
        "server.port": 8599,
        "server.sslCertFile": None,
        "server.headless": headless,
    }
    monkeypatch.setattr(config, "get_option", lambda key: options[key])
    opened: list[str] = []
    monkeypatch.setattr(cli_util, "open_browser", opened.append)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    left = tmp_path / "formcheck-left"
    left.mkdir()
    (left / scratch.OWNER).write_text("999999999 1\n")  # no such process

    async def start() -> None:
        async with server.lifespan(None):
            assert not left.exists()

    run_async(start())
    err = capsys.readouterr().err
    assert "formcheck is running: open http://localhost:8599" in err
    assert "Removed 1 upload folder(s)" in err
    assert opened == ([] if headless else ["http://localhost:8599"])
