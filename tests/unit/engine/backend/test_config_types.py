"""How ``config set`` types text (Pulumi's ``coerce`` and ``--type``; the CLI parity is in
tests/e2e/test_config_parity.py)."""

from __future__ import annotations

import pytest

from aicompute.engine.backend.config_paths import with_value_at
from aicompute.engine.backend.config_types import ConfigTypeError, canonical_text, coerced, parse_typed
from aicompute.engine.backend.project import ObjectValue


def test_untyped_text_below_a_path_becomes_a_boolean_or_an_integer_where_it_reads_as_one() -> None:
    assert [coerced(t) for t in ("80", "-3", "true", "false", "0", "0123", "0.5", "True", "x")] == [
        80,
        -3,
        True,
        False,
        0,
        "0123",
        "0.5",
        "True",
        "x",
    ]
    value = with_value_at(None, ["server", "port"], coerced("80"))
    assert value == ObjectValue({"server": {"port": 80}})


def test_typed_text_follows_gos_strconv_and_is_canonical_at_the_top_of_a_key() -> None:
    assert parse_typed("+4", "int") == 4 and parse_typed("80", "string") == "80"
    assert parse_typed("T", "bool") is True and parse_typed("nope", "bool") is False
    assert parse_typed("2", "float") == 2 and parse_typed("0.50", "float") == 0.5
    assert [canonical_text(v) for v in (True, 2, 0.5, "x")] == ["true", "2", "0.5", "x"]
    for text, type_ in (("4.0", "int"), ("abc", "float"), (" 1", "float"), ("1", "double")):
        with pytest.raises(ConfigTypeError):
            parse_typed(text, type_)
