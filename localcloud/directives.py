""" "Fail the next transition" directives, as every platform's backend consumes them.

An admin arms one with ``POST /_localcloud/directives/fail-next`` for an object id, or with id
``*`` for the next object of a kind that is created. At creation a backend moves a ``*``
directive onto the new object (``arm_creation_failure``); before each transition it asks
``pop_failure`` (that mark, else a directive by id) or ``take_failure`` (a directive by id).
"""

from __future__ import annotations

from typing import Any

from aicompute.localcloud.store import Transaction

FAIL_MARK = "_fail"


def take_failure(tx: Transaction, project_id: str, kind: str, obj_id: str) -> str | None:
    """The message of an armed directive for this object, consuming it; None when none is armed."""
    directive = tx.pop_directive(project_id, kind, obj_id)
    return None if directive is None else str(directive.get("message", "injected failure"))


def arm_creation_failure(tx: Transaction, project_id: str, kind: str, obj: dict[str, Any]) -> None:
    """Move a directive for "the next new object of this kind" (id ``*``) onto the new object."""
    message = take_failure(tx, project_id, kind, "*")
    if message is not None:
        obj[FAIL_MARK] = message


def pop_failure(tx: Transaction, project_id: str, kind: str, obj: dict[str, Any], obj_id: str) -> str | None:
    """The failure armed for this object's transition: its creation mark, else a directive by id.

    The mark is removed from ``obj``; the caller stores ``obj`` afterwards so it stays consumed.
    """
    if FAIL_MARK in obj:
        return str(obj.pop(FAIL_MARK))
    return take_failure(tx, project_id, kind, obj_id)
