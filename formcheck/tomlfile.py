"""Read a small TOML file (an exercise spec, later a routine) with one-line errors.

:func:`read_toml` turns every way a file can fail to become a table into one
:class:`~formcheck.errors.SpecError` line that starts with the file and says
what is wrong and what to do, never a traceback:

* missing, a directory (or another non-file), unreadable, or larger than
  ``max_bytes`` (a spec is a few KB; a huge file is a mistake, not a spec);
* not UTF-8 (the byte and its line are named; UTF-16 is recognised and named);
* invalid TOML (tomllib's message, which carries the line and column);
* an integer too long for Python's int-string conversion limit (tomllib raises
  ``ValueError`` for those: the line and key are named);
* arrays or inline tables nested so deeply that tomllib recurses out
  (``RecursionError``), and tables nested more than ``max_depth`` levels deep
  (dotted keys such as ``a.b.c.d...`` nest without recursion in tomllib, but
  would later make validation recurse);
* anything else tomllib throws.

A UTF-8 byte-order mark at the very start is **accepted** and skipped: editors
on Windows write one, it carries no meaning, and the TOML spec's own parsers
disagree on it. Anywhere else a U+FEFF is just a character (and TOML rejects
it outside strings).

Only the standard library is used.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from pathlib import Path
from typing import Any

from formcheck.errors import SpecError

#: A spec or routine file is a few KB; past this it is a mistake (and reading it would stall).
MAX_BYTES = 1_000_000
#: Tables and lists nested deeper than this are a mistake (a spec nests 4 levels).
MAX_DEPTH = 32

_LONG_DIGITS = re.compile(r"[0-9A-Fa-f_]{200,}")
_KEY_BEFORE_EQUALS = re.compile(r"^\s*([A-Za-z0-9_.\-\"' ]{1,60}?)\s*=")
_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.\-]+)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]")


def read_toml(
    path: str | Path,
    what: str = "spec",
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> dict[str, Any]:
    """The TOML table in ``path``; :class:`SpecError` (one line) for anything else.

    ``what`` names the kind of file in messages ("spec", "routine", ...).
    Messages about the file itself (missing, a directory, unreadable) start with
    the path as given; messages about its content start with the file name, as
    spec validation messages do.
    """
    p = Path(path)
    raw = _read_bytes(p, what, max_bytes)
    name = _path_text(Path(p.name)) if p.name else _path_text(p)
    text = _decode(raw, name, what)
    data = _parse(text, name, what)
    _check_depth(data, name, what, max_depth)
    return data


def _read_bytes(p: Path, what: str, max_bytes: int) -> bytes:
    shown = _path_text(p)
    try:
        if not p.exists():
            raise SpecError(f"{shown}: {what} file not found")
        if p.is_dir():
            raise SpecError(f"{shown}: is a folder, not a {what} file")
        if not p.is_file():
            raise SpecError(f"{shown}: is not a regular file; a {what} file is a .toml text file")
        with p.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except SpecError:
        raise
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise SpecError(f"{shown}: cannot read the {what} file: {reason}") from None
    except ValueError as err:  # e.g. an embedded NUL byte in the path
        raise SpecError(f"{shown}: not a usable file path: {_one_line(str(err))}") from None
    if len(raw) > max_bytes:
        raise SpecError(
            f"{shown}: is larger than {max_bytes} bytes; a {what} file is a few KB of TOML text"
        )
    return raw


def _decode(raw: bytes, name: str, what: str) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]  # accepted: see the module docstring
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SpecError(f"{name}: is UTF-16 text; save the {what} file as UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        col = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        bad = raw[err.start : err.start + 1].hex()
        raise SpecError(
            f"{name}: not UTF-8 text: byte 0x{bad} at line {line}, column {col}; "
            f"save the {what} file as UTF-8"
        ) from None


def _parse(text: str, name: str, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{name}: not valid TOML: {_one_line(str(err))}") from None
    except RecursionError:
        raise SpecError(
            f"{name}: arrays or inline tables are nested too deeply to read "
            f"(a {what} nests at most a few levels)"
        ) from None
    except ValueError as err:
        # Python's int-string conversion limit (sys.get_int_max_str_digits()).
        # Its advice (raise the limit) is not for users: say what is wrong with the file.
        where = _long_number_at(text)
        digits = re.search(r"value has (\d+) digits", str(err))
        size = f"with {digits.group(1)} digits " if digits else ""
        raise SpecError(
            f"{name}: {where}an integer {size}is far too long; numbers in a {what} are short"
        ) from None
    except Exception as err:  # anything else tomllib throws: still one line
        raise SpecError(
            f"{name}: could not be read as TOML: {type(err).__name__}: {_one_line(str(err))}"
        ) from None


def _long_number_at(text: str) -> str:
    """'FIELD (line N): ' for the first very long run of digits, or ''.

    FIELD is the key on that line under the table header above it
    (``rules[1].min_s``, ``hold.min_s``), as spec errors name fields.
    """
    header = ""
    seen: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if m := _ARRAY_HEADER.match(line):
            seen[m.group(1)] = seen.get(m.group(1), -1) + 1
            header = f"{m.group(1)}[{seen[m.group(1)]}]"
        elif m := _TABLE_HEADER.match(line):
            header = m.group(1)
        elif _LONG_DIGITS.search(line):
            key = _KEY_BEFORE_EQUALS.match(line)
            if not key:
                return f"line {lineno}: "
            name = key.group(1).strip()
            return f"{header + '.' if header else ''}{name} (line {lineno}): "
    return ""


def _check_depth(data: dict[str, Any], name: str, what: str, max_depth: int) -> None:
    """Tables/arrays at most ``max_depth`` deep, checked without recursion."""
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    while stack:
        node, depth, where = stack.pop()
        if depth > max_depth:
            shown = where if len(where) <= 60 else where[:57] + "..."
            raise SpecError(
                f"{name}: {shown} is nested more than {max_depth} levels deep; "
                f"a {what} nests at most a few levels"
            )
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(v, (dict, list)):
                    stack.append((v, depth + 1, f"{where}.{k}" if where else str(k)))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, (dict, list)):
                    stack.append((v, depth + 1, f"{where}[{i}]"))


def _path_text(p: Path) -> str:
    """The path as given, quoted when it holds control characters (a NUL, a newline)."""
    text = str(p)
    return text if text.isprintable() else repr(text)


def _one_line(text: str) -> str:
    return " ".join(text.split())


__all__ = ["MAX_BYTES", "MAX_DEPTH", "read_toml"]
