"""Input rules every platform's Args models share, with messages that state the rule."""

from __future__ import annotations

import re

from pydantic import AfterValidator


def matching(pattern: str, rule: str) -> AfterValidator:
    """A validator that accepts strings matching ``pattern`` in full and otherwise states ``rule``
    (and the value: never use it on a secret)."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if compiled.fullmatch(value) is None:
            raise ValueError(f"{value!r} breaks the rule: {rule}")
        return value

    return AfterValidator(check)
