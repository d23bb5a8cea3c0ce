"""Reading a JSON request body (or JSON in a query value) that a hostile client may have written.

Every platform's body reader goes through ``loads``; each turns ``BodyError`` into its own 400. It
refuses, with a message naming the problem:

* bytes that are not UTF-8 (RFC 8259 §8.1);
* text that is not JSON, including ``NaN``/``Infinity`` (not JSON, and not answerable: a response
  holding one cannot be encoded);
* numbers no platform field holds: a float that overflows to infinity (``1e999``), an integer of
  more than ``MAX_INTEGER_DIGITS`` digits (Python refuses past 4,300 anyway);
* nesting deeper than ``MAX_DEPTH`` arrays and objects (the platforms' own documents nest about ten
  deep; a 10,000-level body used to raise ``RecursionError``, a 500, in the parser or later in any
  code that walks the document recursively);
* strings with an unpaired surrogate escape (``"\\ud800"``): not Unicode text, and a response
  echoing one cannot be encoded as UTF-8.

Duplicate keys keep the last value, as the platforms' JSON parsers (Jackson, Go's encoding/json) do.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 64
MAX_INTEGER_DIGITS = 64


class BodyError(ValueError):
    """Why a body is not a JSON document localcloud accepts."""


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise BodyError(f"the number {text[:40]} is out of range")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise BodyError(f"an integer of {len(text.lstrip('-'))} digits is out of range")
    return int(text)


def _constant(text: str) -> Any:
    raise BodyError(f"{text} is not JSON")


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

_DECODER = json.JSONDecoder(parse_float=_float, parse_int=_int, parse_constant=_constant)


def depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (0 for a scalar), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def loads(raw: bytes | str) -> Any:
    """The JSON document in ``raw``; ``BodyError`` says why it is refused."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BodyError(f"the body is not UTF-8 (byte {error.start}: {error.reason})") from None
    else:
        text = raw
    text = text.removeprefix("\ufeff")
    try:
        value = _DECODER.decode(text)
    except BodyError:
        raise
    except RecursionError:
        raise BodyError(f"the body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:
        raise BodyError(f"the body is not valid JSON ({error})") from None
    # Cheap first: a document with fewer brackets than the limit cannot nest deeper than it.
    if text.count("[") + text.count("{") > MAX_DEPTH and depth(value) > MAX_DEPTH:
        raise BodyError(f"the body nests deeper than {MAX_DEPTH} levels")
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise BodyError("the body holds a string with an unpaired UTF-16 surrogate")
    return value
