"""read_toml: every way a file can fail is one SpecError line naming the file."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from formcheck.errors import SpecError
from formcheck.tomlfile import MAX_DEPTH, read_toml


def error_of(path: Path, **kw) -> str:
    with pytest.raises(SpecError) as exc:
        read_toml(path, **kw)
    msg = str(exc.value)
    assert "\n" not in msg, msg
    assert "Traceback" not in msg
    return msg


def test_reads_a_table(tmp_path: Path):
    f = tmp_path / "x.toml"
    f.write_text('a = 1\n[b]\nc = "d"\n', encoding="utf-8")
    assert read_toml(f) == {"a": 1, "b": {"c": "d"}}


def test_byte_order_mark_is_accepted(tmp_path: Path):
    f = tmp_path / "x.toml"
    f.write_bytes(codecs.BOM_UTF8 + b"a = 1\r\nb = 'x'\r\n")
    assert read_toml(f) == {"a": 1, "b": "x"}


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (b'name = "\xff"\n', ["x.toml", "not UTF-8", "0xff", "line 1"]),
        ("a = 1\n".encode("utf-16"), ["x.toml", "UTF-16"]),
        (b"a = 1\nb = \n", ["x.toml", "not valid TOML", "line 2"]),
        (b"a = 1\na = 2\n", ["x.toml", "not valid TOML"]),
        (b"a = " + b"[" * 2000 + b"]" * 2000 + b"\n", ["x.toml", "nested too deeply"]),
        (b"a = " + b"{b=" * 2000 + b"1" + b"}" * 2000 + b"\n", ["x.toml", "nested too deeply"]),
        (b"a" + b".b" * 3000 + b" = 1\n", ["x.toml", "nested more than", "a.b.b"]),
        (
            b"[t]\nx = 1\n[[r]]\n[[r]]\nsets = " + b"9" * 5000 + b"\n",
            ["x.toml", "r[1].sets", "line 5", "5000 digits"],
        ),
    ],
    ids=[
        "not-utf8",
        "utf16",
        "invalid",
        "duplicate-key",
        "deep-arrays",
        "deep-inline-tables",
        "deep-dotted-keys",
        "5000-digits",
    ],
)
def test_content_errors_are_one_line(tmp_path: Path, content: bytes, expect: list[str]):
    f = tmp_path / "x.toml"
    f.write_bytes(content)
    msg = error_of(f)
    assert msg.startswith("x.toml: "), msg
    for part in expect:
        assert part in msg, msg


def test_depth_limit_is_a_parameter(tmp_path: Path):
    f = tmp_path / "x.toml"
    f.write_text("a" + ".b" * MAX_DEPTH + " = 1\n")
    assert read_toml(f)  # exactly MAX_DEPTH + 1 tables deep: fine
    assert "nested more than 3 levels" in error_of(f, max_depth=3)


def test_file_level_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    missing = tmp_path / "nope.toml"
    assert error_of(missing) == f"{missing}: spec file not found"
    assert error_of(missing, what="routine") == f"{missing}: routine file not found"
    assert "is a folder" in error_of(tmp_path)
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * 100 + "\n")
    assert "larger than 50 bytes" in error_of(big, max_bytes=50)

    locked = tmp_path / "locked.toml"
    locked.write_text("a = 1\n")

    def refuse(self, *a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    assert error_of(locked) == f"{locked}: cannot read the spec file: Permission denied"


def test_anything_else_tomllib_throws_is_one_line(tmp_path: Path, monkeypatch):
    import tomllib

    def boom(text: str):
        raise MemoryError("out of\nmemory")

    monkeypatch.setattr(tomllib, "loads", boom)
    f = tmp_path / "x.toml"
    f.write_text("a = 1\n")
    assert error_of(f) == "x.toml: could not be read as TOML: MemoryError: out of memory"
