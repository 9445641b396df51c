"""The real server (``streamlit run app.py``) answers only at its own address, connects to
nothing outside this machine, and removes uploads a killed server left behind
(formcheck/app/server.py, formcheck/app/scratch.py).

The no-outbound test runs the server under a network audit (netaudit/sitecustomize.py: a
``sys.addaudithook`` that logs every socket connect, send-to, bind and name lookup the
server process attempts) and drives every page in Chromium, the live page's camera
included (Chromium's own fake camera), then a cross-origin WebSocket that Streamlit refuses
(the path that looked up checkip.amazonaws.com each time), then asserts that nothing
outside this machine was contacted or looked up, by the server or by the page.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browserkit import ROOT, launch_chromium, run_app, wait_for_app
from test_live_browser import LIVE, lan_address, start

from formcheck.app.scratch import OWNER, owner_line

AUDIT = Path(__file__).resolve().parent / "netaudit"
SAMPLE = ROOT / "sample_videos" / "glute_bridge_side_clean.mp4"
NETWORK_EVENTS = {
    "socket.connect",
    "socket.sendto",
    "socket.sendmsg",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "socket.getnameinfo",
}
WS_HEADERS = [
    ("Connection", "Upgrade"),
    ("Upgrade", "websocket"),
    ("Sec-WebSocket-Version", "13"),
    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
]


def ask(
    connect: str,
    port: int,
    path: str,
    host: str | None,
    method: str = "GET",
    headers: list[tuple[str, str]] | None = None,
) -> tuple[int, str]:
    """One raw HTTP request to ``connect``:``port`` with this exact Host (None: none);
    the status and (unless a WebSocket was opened) the body."""
    conn = http.client.HTTPConnection(connect, port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        if host is not None:
            conn.putheader("Host", host)
        for name, value in headers or []:
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        body = "" if response.status == 101 else response.read().decode("utf-8", "replace")
        return response.status, body
    finally:
        conn.close()


def websocket(
    connect: str, port: int, host: str | None, origin: str | None = None
) -> tuple[int, str]:
    """Open ``/_stcore/stream`` (the app's WebSocket): 101 when it opens."""
    headers = WS_HEADERS + ([("Origin", origin)] if origin else [])
    return ask(connect, port, "/_stcore/stream", host, headers=headers)


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def plant(root: Path, name: str, owner: str | None) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "upload.mp4").write_bytes(b"a user's clip")
    if owner is not None:
        (folder / OWNER).write_text(owner + "\n")
    return folder


# ---------------------------------------------------------------------------------------
# Host check, on the server as started from the README and in the LAN setup
# ---------------------------------------------------------------------------------------


class Guarded:
    def __init__(self, url: str, bind: str, tmp: Path, log: Path, planted: dict[str, Path]):
        self.url, self.port, self.bind, self.tmp, self.log, self.planted = (
            url,
            port_of(url),
            bind,
            tmp,
            log,
            planted,
        )


@pytest.fixture(scope="module", params=["127.0.0.1", "0.0.0.0"], ids=["localhost", "lan"])
def guarded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Guarded]:
    """The app bound to 127.0.0.1 (as the config's localhost), or to 0.0.0.0 (the LAN
    setup), with its own temp folder holding upload folders left behind."""
    bind = request.param
    if bind == "0.0.0.0" and lan_address() is None:
        pytest.skip("no non-loopback network interface")
    tmp = tmp_path_factory.mktemp("tmpdir")
    planted = {
        "killed": plant(tmp, "formcheck-killed01", f"{dead_pid()} 12345"),
        "running": plant(tmp, "formcheck-running1", owner_line()),  # this test process
        "unowned": plant(tmp, "formcheck-screenshots", None),
    }
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with run_app(log, address=bind, env={"TMPDIR": str(tmp)}) as url:
        yield Guarded(url, bind, tmp, log, planted)


SERVED, REFUSED = "served", "refused"
#: (where to connect, Host header, answer) with {port}, {lan} and {name} filled in; the
#: rows for one bind address ("127.0.0.1" or "0.0.0.0") are those listing it.
HOSTS = [
    ("127.0.0.1", "localhost:{port}", SERVED, {"127.0.0.1", "0.0.0.0"}),
    ("127.0.0.1", "127.0.0.1:{port}", SERVED, {"127.0.0.1", "0.0.0.0"}),
    ("127.0.0.1", "[::1]:{port}", SERVED, {"127.0.0.1", "0.0.0.0"}),
    ("127.0.0.1", "LOCALHOST:{port}", SERVED, {"127.0.0.1"}),
    ("127.0.0.1", "evil.example:{port}", REFUSED, {"127.0.0.1", "0.0.0.0"}),
    ("127.0.0.1", "localhost.evil.example:{port}", REFUSED, {"127.0.0.1"}),
    ("127.0.0.1", "127.0.0.1.nip.io:{port}", REFUSED, {"127.0.0.1"}),
    ("127.0.0.1", "localhost:{other}", REFUSED, {"127.0.0.1"}),
    ("127.0.0.1", "localhost", REFUSED, {"127.0.0.1"}),
    ("127.0.0.1", None, REFUSED, {"127.0.0.1"}),
    ("127.0.0.1", "{lan}:{port}", REFUSED, {"127.0.0.1"}),
    ("{lan}", "{lan}:{port}", SERVED, {"0.0.0.0"}),
    ("{lan}", "{name}.local:{port}", SERVED, {"0.0.0.0"}),
    ("{lan}", "evil.example:{port}", REFUSED, {"0.0.0.0"}),
    ("{lan}", "192.0.2.254:{port}", REFUSED, {"0.0.0.0"}),
]


def fill(text: str | None, guarded: Guarded) -> str | None:
    if text is None:
        return None
    return text.format(
        port=guarded.port,
        other=guarded.port + 1,
        lan=lan_address() or "192.0.2.1",
        name=socket.gethostname().split(".")[0].lower(),
    )


def test_only_requests_for_this_servers_address_are_answered(guarded: Guarded) -> None:
    """``/``, the health check and the app's WebSocket, for each Host: 200/200/101 when it
    is this server's address, else 403 with one plain line."""
    seen = []
    for connect, host_, answer, binds in HOSTS:
        if guarded.bind not in binds:
            continue
        where, host = fill(connect, guarded), fill(host_, guarded)
        assert where is not None
        got = (
            ask(where, guarded.port, "/", host),
            ask(where, guarded.port, "/_stcore/health", host),
            websocket(where, guarded.port, host),
        )
        statuses = [status for status, _ in got]
        if answer == SERVED:
            assert statuses == [200, 200, 101], (host, got)
        else:
            assert statuses == [403, 403, 403], (host, got)
            for _, body in got:
                assert body.startswith("Refused") and body.count("\n") == 1, (host, body)
        seen.append((where, host, statuses))
    print(f"\nbound to {guarded.bind}:")  # the figures for the notes (pytest -s)
    for where, host, statuses in seen:
        print(f"  to {where}, Host {host!r}: {statuses}")


#: Every kind of route: (method, path, its answer for this server's address).
ROUTES = [
    ("GET", "/review", 200),  # a page
    ("GET", "/_stcore/host-config", 200),
    ("GET", "/_stcore/metrics", 200),
    ("GET", "/static/favicon.png", 200),  # Streamlit's static files
    ("GET", "/app/static/x", 200),
    ("GET", "/media/none.mp4", 404),  # media (the annotated video)
    ("OPTIONS", "/_stcore/upload_file/session/file", 204),  # uploads
    ("GET", "/component/none/index.html", 404),  # components (the WebRTC one)
    ("GET", "/_stcore/bidi-components/none", 404),
]


def test_every_route_is_behind_the_host_check(guarded: Guarded) -> None:
    for method, path, status in ROUTES:
        good = ask("127.0.0.1", guarded.port, path, f"localhost:{guarded.port}", method)
        bad = ask("127.0.0.1", guarded.port, path, f"evil.example:{guarded.port}", method)
        assert good[0] == status, (path, good)
        assert bad[0] == 403 and bad[1].startswith("Refused"), (path, bad)


def test_leftover_uploads_are_removed_at_start(guarded: Guarded) -> None:
    """Before the first request: the folder of a killed server goes; a running server's,
    and a formcheck-* folder that isn't a scratch folder, stay."""
    assert not guarded.planted["killed"].exists()
    assert (guarded.planted["running"] / "upload.mp4").is_file()
    assert (guarded.planted["unowned"] / "upload.mp4").is_file()
    assert "Removed 1 upload folder(s)" in guarded.log.read_text()


# ---------------------------------------------------------------------------------------
# No connection leaves the machine
# ---------------------------------------------------------------------------------------


def own_addresses() -> set[str]:
    """This machine's addresses (loopback, every interface's)."""
    import ifaddr

    found = {"127.0.0.1", "::1", "0.0.0.0", "::"}
    for adapter in ifaddr.get_adapters():
        for item in adapter.ips:
            found.add(item.ip if isinstance(item.ip, str) else item.ip[0])
    if (lan := lan_address()) is not None:
        found.add(lan)
    return found


def is_local(host: str, own: set[str]) -> bool:
    if host in {"", "unix", "localhost"} or host in own:
        return True
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False  # a name that isn't localhost: a DNS lookup
    return ip.is_loopback or ip.is_unspecified


def read_audit(path: Path) -> tuple[list[dict[str, Any]], list[list[Any]]]:
    """The audit's first-seen events and the tally written at exit."""
    events, tally = [], []
    for line in path.read_text().splitlines():
        row = json.loads(line)
        if "tally" in row:
            tally.extend(row["tally"])
        else:
            events.append(row)
    return events, tally


def test_no_connection_leaves_the_machine(playwright_instance: Any, tmp_path: Path) -> None:
    from test_review_browser import review

    audit = tmp_path / "netaudit.jsonl"
    log = tmp_path / "streamlit.log"
    env = {
        "PYTHONPATH": os.pathsep.join([str(AUDIT), str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "FORMCHECK_NET_AUDIT": str(audit),
        "TMPDIR": str(tmp_path),
    }
    requested: list[str] = []
    with run_app(log, env=env) as url:
        port = port_of(url)
        browser = launch_chromium(playwright_instance, ["--use-fake-device-for-media-stream"])
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.on("request", lambda r: requested.append(r.url))
            pg = context.new_page()
            pg.set_default_timeout(60_000)
            # Home (the live page), its camera: the stream goes to the server and back.
            pg.goto(url + LIVE)
            wait_for_app(pg, "#fc-count")
            start(pg)
            frame = pg.frame_locator('iframe[title*="webrtc_streamer"]')
            frame.locator("video").first.wait_for()
            handle = pg.locator('iframe[title*="webrtc_streamer"]').element_handle()
            assert handle is not None
            content = handle.content_frame()
            assert content is not None
            content.wait_for_function(
                "() => [...document.querySelectorAll('video')].some("
                "v => v.videoWidth > 0 && v.currentTime > 0)",
                timeout=180_000,
            )
            # Review an upload, then the library.
            if SAMPLE.is_file():
                text = review(pg, url, SAMPLE)
                assert "reps" in text and "upload deleted" in text
            pg.goto(url + "/library")
            wait_for_app(pg)
            context.close()
        finally:
            browser.close()
        # Cross-origin WebSockets (Streamlit refuses them after asking whether the origin
        # is this machine) and requests for another host (the guard refuses them).
        for _ in range(3):
            assert (
                websocket("127.0.0.1", port, f"localhost:{port}", "http://evil.example")[0] == 403
            )
            assert websocket("127.0.0.1", port, f"evil.example:{port}")[0] == 403
            assert ask("127.0.0.1", port, "/", f"evil.example:{port}")[0] == 403
    # The server has exited (SIGTERM), so the tally is written.
    assert "Rejecting WebSocket connection from disallowed origin" in log.read_text()
    events, tally = read_audit(audit)
    assert tally, "the audited server wrote no tally"
    assert ["socket.bind", "127.0.0.1", str(port), 1] in tally  # the audit saw the server
    own = own_addresses()
    outside = [e for e in events if e["event"] in NETWORK_EVENTS and not is_local(e["host"], own)]
    assert outside == [], outside
    away = [u for u in requested if not u.startswith(url) and not u.startswith(("data:", "blob:"))]
    assert away == [], away
    assert any(u.startswith(url + "/_stcore/") or u.startswith(url + "/static/") for u in requested)
    print("\naudit tally (event, host, port, times):")  # the figures for the notes (pytest -s)
    for row in tally:
        print("  ", row)
    print(f"  page requests: {len(requested)}, all to {url}")
