"""The type of a config value given as text, as Pulumi's ``config set`` decides it.

* ``--type string|int|bool|float`` parses the text as that type, with Go's ``strconv`` rules
  (``True``, ``t`` and ``1`` are booleans; ``+5`` an integer). An integer or float that does not
  parse is an error; a boolean that does not parse is ``false``, as Pulumi stores it.
* At the top of a key the value stays text, in the type's canonical form (``0.50`` → ``0.5``,
  ``True`` → ``true``); below it — a value set with ``--path`` inside an object — it is stored as
  the type itself.
* Untyped text set below the top of a path becomes a boolean (``true``/``false``) or an integer
  when it reads as one; ``0123`` (a leading zero) and ``0.5`` stay text.

(Pulumi: ``sdk/go/common/resource/config`` — ``Value.unmarshalObject``, ``coerce``, ``Map.Set``.)
"""

from __future__ import annotations

import math
import re

ConfigScalar = str | int | bool | float
CONFIG_TYPES = ("string", "int", "bool", "float")

_INTEGER = re.compile(r"[+-]?[0-9]+")
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


class ConfigTypeError(ValueError):
    """Text that is not a value of the type asked for."""


def parse_typed(text: str, type_: str) -> ConfigScalar:
    """``text`` as a value of ``type_`` (one of ``CONFIG_TYPES``)."""
    if type_ == "string":
        return text
    if type_ == "int":
        if not _INTEGER.fullmatch(text):
            raise ConfigTypeError(f"--type int: {text!r} is not an integer")
        return int(text)
    if type_ == "bool":
        return text in _TRUE
    if type_ == "float":
        number = _float(text)
        # Go writes an integral float64 as ``2``, which reads back as an integer.
        return int(number) if _integral(number) else number
    raise ConfigTypeError(f"invalid type {type_!r}; must be one of string, int, bool, or float")


def is_boolean_text(text: str) -> bool:
    """Whether ``--type bool`` reads ``text`` as a boolean (else it stores false)."""
    return text in _TRUE or text in _FALSE


def _float(text: str) -> float:
    try:
        if text != text.strip() or "_" in text:
            raise ValueError(text)
        return float(text)
    except ValueError:
        raise ConfigTypeError(f"--type float: {text!r} is not a number") from None


def canonical_text(value: ConfigScalar) -> str:
    """The text Pulumi writes for a typed value at the top of a key."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and _integral(value):
        return str(int(value))
    return str(value)


def _integral(number: float) -> bool:
    return math.isfinite(number) and number.is_integer() and abs(number) < 1e21


def coerced(text: str) -> ConfigScalar:
    """Untyped text set below the top of a path: a boolean or an integer where it reads as one."""
    if text in ("true", "false"):
        return text == "true"
    if len(text) > 1 and text.startswith("0"):
        return text
    if _INTEGER.fullmatch(text) and -(2**63) <= int(text) < 2**64:
        return int(text)
    return text
