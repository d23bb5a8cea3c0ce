"""localcloud's JSON body reader refuses what no platform accepts, with a reason, and never raises
anything but ``BodyError`` (each platform turns it into its own 400)."""

from __future__ import annotations

import pytest

from aicompute.localcloud.jsonbody import MAX_DEPTH, BodyError, depth, loads


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"[" * 10_000 + b"]" * 10_000, "nests deeper than 64"),
        (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "nests deeper than 64"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nests deeper than 64"),
        (b"[" * 10_000, "nests deeper than 64"),
        (b'{"n": 1e999}', "out of range"),
        (b'{"n": -1e400}', "out of range"),
        (b'{"n": ' + b"9" * 5000 + b"}", "5000 digits is out of range"),
        (b'{"n": NaN}', "NaN is not JSON"),
        (b'{"n": -Infinity}', "-Infinity is not JSON"),
        (b'{"name": "\xff\xfe"}', "not UTF-8"),
        (b'{"name": "\\ud800"}', "unpaired UTF-16 surrogate"),
        (b'{"\\udc00": 1}', "unpaired UTF-16 surrogate"),
        (b"{", "not valid JSON"),
        (b"", "not valid JSON"),
    ],
)
def test_refused_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(BodyError, match=reason):
        loads(raw)


def test_accepted_documents() -> None:
    assert loads(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    assert loads(b'{"a": 1, "a": 2}') == {"a": 2}  # duplicate keys: the last wins, as Jackson's
    assert loads('{"emoji": "\\ud83d\\ude00", "中文": "名称"}'.encode()) == {"emoji": "😀", "中文": "名称"}
    assert loads(b'\xef\xbb\xbf{"bom": true}') == {"bom": True}
    assert loads(b'{"n": 1e308, "m": -12, "big": ' + b"9" * 64 + b"}")["big"] == int("9" * 64)
    assert loads("[1, 2.5]") == [1, 2.5]


def test_depth_counts_without_recursion() -> None:
    nested: list[object] = []
    for _ in range(100_000):
        nested = [nested]
    assert depth(nested) > MAX_DEPTH
    assert depth({"a": [1, {"b": []}]}) == 4
    assert depth(7) == 0
