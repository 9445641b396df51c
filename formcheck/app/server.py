"""The app server: it answers only at its own address, looks nothing up on the internet,
and clears the uploads a killed server left behind. ``app.py`` builds it from these parts.

``streamlit run app.py`` finds ``app = st.App(...)`` in app.py (Streamlit 1.60 runs such a
file as an ASGI app on uvicorn) and serves the pages script (:data:`PAGES`) with
:class:`HostGuard` in front of every route: the pages, the ``/_stcore/stream`` WebSocket,
health, static files, media and uploads, from the first request on. :func:`stay_offline`
runs when app.py is imported, and :func:`lifespan` before the server answers anything.

- **Host check (DNS rebinding).** A web page on another site can point its own host name
  at 127.0.0.1 and then talk to this server as if it were that site. The browser still
  sends that site's name as ``Host``, so a request is answered only when its Host is this
  server's address with its port: ``localhost``, a loopback IP (127.0.0.1, [::1]), the
  ``server.address`` it was started with, a ``browser.serverAddress`` set by hand, or an IP
  literal equal to the local address the request came in on (the LAN address when bound to
  0.0.0.0; a page can't make a browser send an IP it doesn't own as Host). Bound to all
  interfaces, this computer's host name (and ``NAME.local``) is accepted too. Anything else
  gets 403 and one plain line.
- **No lookups.** Streamlit asks checkip.amazonaws.com for this computer's public address
  (``net_util.get_external_ip``) to print an "External URL" and, on every refused
  cross-origin WebSocket, to widen its origin allow-list; it finds the LAN address by
  "connecting" a UDP socket to 8.8.8.8 (``get_internal_ip``). Both are replaced by
  functions that answer None. Its welcome banner, which calls them before app.py is even
  imported, is switched off in .streamlit/config.toml (``logger.hideWelcomeMessage``):
  :func:`lifespan` prints the addresses instead, from the local interfaces.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from formcheck.app import scratch

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

#: The Streamlit script with the pages (app.py serves it).
PAGES: Final = Path(__file__).resolve().parent / "main.py"
#: Bind addresses that mean every interface.
WILDCARDS: Final = frozenset({"", "0.0.0.0", "::"})
#: What a refused request gets (a line, not a page).
REFUSED: Final = (
    "Refused: this formcheck server answers only at its own address "
    "(localhost, or the --server.address it was started with), not at {host}.\n"
)

IP = ipaddress.IPv4Address | ipaddress.IPv6Address


def _ip(text: str) -> IP | None:
    """``text`` as an IP address (an IPv4-mapped IPv6 one as IPv4), or None."""
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def split_host(value: str) -> tuple[str, int | None] | None:
    """A Host header's name (lower case, IPv6 without brackets) and port (None when absent),
    or None when it is not a valid Host."""
    value = value.strip().lower()
    port_text: str | None
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        host, rest = value[1:end], value[end + 1 :]
        if _ip(host) is None or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:] if rest else None
    elif value.count(":") > 1:
        return None  # a bare IPv6 address: Host must bracket it
    else:
        host, colon, port = value.partition(":")
        port_text = port if colon else None
    host = host.rstrip(".")  # "localhost." is the same name
    if not host:
        return None
    if port_text is None:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        return None
    return host, int(port_text)


def host_allowed(
    host_header: str | None,
    *,
    scheme: str,
    server: tuple[str, int] | None,
    names: Iterable[str],
) -> bool:
    """Whether a request with this ``Host`` is addressed to this server.

    ``server`` is the (local address, port) the request came in on (the ASGI scope's
    ``server``); ``names`` the host names that mean this server (:func:`allowed_names`).
    """
    if not host_header:
        return False
    parsed = split_host(host_header)
    if parsed is None:
        return False
    host, port = parsed
    if server is not None:
        default = 443 if scheme in {"https", "wss"} else 80
        if (default if port is None else port) != server[1]:
            return False
    if host in names:
        return True
    ip = _ip(host)
    if ip is None:
        return False
    if ip.is_loopback:
        return True
    return server is not None and ip == _ip(server[0])


def allowed_names(
    address: str | None, browser_address: str | None, hostname: str | None = None
) -> frozenset[str]:
    """The host names that mean this server: ``localhost``; ``address`` (server.address)
    when it is a name; ``browser_address`` (browser.serverAddress, when set by hand); and,
    bound to every interface, ``hostname`` and ``hostname.local`` (mDNS)."""
    names = {"localhost"}
    bind = (address or "").strip().lower()
    if bind in WILDCARDS:
        if hostname:
            names |= {hostname.lower(), hostname.lower().split(".")[0] + ".local"}
    elif _ip(bind) is None:
        names.add(bind.rstrip("."))
    if browser_address:
        parsed = split_host(browser_address)
        if parsed is not None:
            names.add(parsed[0])
    return frozenset(names)


@lru_cache(maxsize=4)
def _names_for(address: str | None, browser_address: str | None) -> frozenset[str]:
    return allowed_names(address, browser_address, socket.gethostname())


def configured_names() -> frozenset[str]:
    """:func:`allowed_names` for the running server's config."""
    from streamlit import config

    browser = None
    if config.is_manually_set("browser.serverAddress"):
        browser = str(config.get_option("browser.serverAddress"))
    return _names_for(config.get_option("server.address"), browser)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class HostGuard:
    """ASGI middleware: refuse (403, one plain line) any HTTP request or WebSocket whose
    Host is not this server's address (:func:`host_allowed`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        server = scope.get("server")
        local = (str(server[0]), int(server[1])) if server else None
        if host_allowed(
            host, scheme=scope.get("scheme", "http"), server=local, names=configured_names()
        ):
            await self.app(scope, receive, send)
            return
        shown = "no Host header" if host is None else repr(host[:100])
        body = REFUSED.format(host=shown).encode()
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 403, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await receive()  # websocket.connect
        if "websocket.http.response" in scope.get("extensions", {}):
            await send({"type": "websocket.http.response.start", "status": 403, "headers": headers})
            await send({"type": "websocket.http.response.body", "body": body})
        else:
            await send({"type": "websocket.close", "code": 1008})  # the server answers 403


def _no_address() -> str | None:
    return None


def stay_offline() -> None:
    """Make Streamlit's address look-ups answer None instead of going on the network."""
    from streamlit import net_util

    net_util.get_external_ip = _no_address  # it asked checkip.amazonaws.com
    net_util.get_internal_ip = _no_address  # it "connected" a UDP socket to 8.8.8.8


def lan_addresses() -> list[str]:
    """This computer's IPv4 addresses on its networks, from its interfaces (no packet sent)."""
    try:
        import ifaddr  # comes with aioice, which streamlit-webrtc needs
    except ImportError:
        return []
    found = []
    for adapter in ifaddr.get_adapters():
        for item in adapter.ips:
            ip = _ip(item.ip) if isinstance(item.ip, str) else None
            if isinstance(ip, ipaddress.IPv4Address) and not (ip.is_loopback or ip.is_link_local):
                found.append(str(ip))
    return sorted(set(found), key=lambda a: tuple(int(p) for p in a.split(".")))


def browser_urls(address: str | None, port: int, https: bool, lan: Iterable[str] = ()) -> list[str]:
    """Where to open the app: its address, or (bound to every interface) localhost and each
    LAN address."""
    scheme = "https" if https else "http"
    bind = (address or "").strip()
    if bind.lower() in WILDCARDS:
        hosts = ["localhost", *lan]
    else:
        ip = _ip(bind)
        hosts = [f"[{bind}]" if isinstance(ip, ipaddress.IPv6Address) else bind]
    return [f"{scheme}://{host}:{port}" for host in hosts]


def banner(urls: list[str], removed: int) -> str:
    """What the server prints when it starts."""
    lines = ["", f"  formcheck is running: open {urls[0]}"]
    if len(urls) > 1:
        lines.append("  From another device on your network: " + ", ".join(urls[1:]))
        if not urls[0].startswith("https"):
            lines.append("  (the camera needs HTTPS there: see .streamlit/config.toml)")
    if removed:
        lines.append(f"  Removed {removed} upload folder(s) left by a server that was stopped.")
    return "\n".join([*lines, ""])


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """At server start, before any request: remove leftover uploads, print where to open the
    app, and open it in the browser unless headless (as ``streamlit run`` does)."""
    from streamlit import cli_util, config

    removed = scratch.remove_leftovers()
    address = config.get_option("server.address")
    https = bool(config.get_option("server.sslCertFile"))
    wildcard = (address or "").strip().lower() in WILDCARDS
    urls = browser_urls(
        address, int(config.get_option("server.port")), https, lan_addresses() if wildcard else ()
    )
    print(banner(urls, len(removed)), file=sys.stderr, flush=True)
    if not config.get_option("server.headless"):
        cli_util.open_browser(urls[0])
    yield
