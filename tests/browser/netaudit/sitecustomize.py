"""Network audit for a server under test: put this folder first on its PYTHONPATH and set
FORMCHECK_NET_AUDIT to a file. Python then loads this module at start-up, and an audit
hook (sys.addaudithook) sees every socket connect, send-to, bind and name lookup the
process (and any Python child of it) attempts, whether or not it would succeed.

Each distinct (event, host, port) is written to the file as a JSON line the first time
it happens; how often each happened is written as one "tally" line when the process
exits (SIGTERM included). The test decides which addresses are this machine's own.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import sys
import threading

_PATH = os.environ.get("FORMCHECK_NET_AUDIT")
_EVENTS = {
    "socket.connect",
    "socket.sendto",
    "socket.sendmsg",
    "socket.bind",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "socket.getnameinfo",
    "subprocess.Popen",
}
_lock = threading.Lock()
_counts: dict[tuple[str, str, str], int] = {}


def _where(event: str, args: tuple) -> tuple[str, str]:
    """(host, port) of an event, as text; host "unix" for a Unix socket."""
    if event in {"socket.connect", "socket.sendto", "socket.sendmsg", "socket.bind"}:
        sock, address = args[0], args[1]
        if getattr(sock, "family", None) == getattr(socket, "AF_UNIX", None) or isinstance(
            address, (str, bytes)
        ):
            return "unix", ""
        if address is None:  # sendmsg on a connected socket
            try:
                address = sock.getpeername()
            except OSError:
                return "", ""
        return str(address[0]), str(address[1])
    if event == "socket.getaddrinfo":
        host = args[0].decode() if isinstance(args[0], bytes) else args[0]
        return ("" if host is None else str(host)), str(args[1])
    if event == "socket.getnameinfo":
        return str(args[0][0]), str(args[0][1])
    if event == "subprocess.Popen":
        return os.path.basename(str(args[0])), ""
    return str(args[0]), ""


def _hook(event: str, args: tuple) -> None:
    if event not in _EVENTS:
        return
    try:
        host, port = _where(event, args)
        key = (event, host, port)
        with _lock:
            first = key not in _counts
            _counts[key] = _counts.get(key, 0) + 1
            if first:
                with open(_PATH, "a") as fh:  # type: ignore[arg-type]
                    fh.write(
                        json.dumps({"event": event, "host": host, "port": port, "pid": os.getpid()})
                        + "\n"
                    )
    except Exception:  # an audit hook must never break the code it watches
        pass


def _tally() -> None:
    with _lock, open(_PATH, "a") as fh:  # type: ignore[arg-type]
        rows = [[e, h, p, n] for (e, h, p), n in sorted(_counts.items())]
        fh.write(json.dumps({"tally": rows, "pid": os.getpid()}) + "\n")


def _on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # exit normally, so the tally gets written


if _PATH:
    sys.addaudithook(_hook)
    atexit.register(_tally)
    # uvicorn sends a SIGTERM it caught on to the handler it found here once it has shut
    # down; Python's default would end the process without running atexit.
    signal.signal(signal.SIGTERM, _on_sigterm)
