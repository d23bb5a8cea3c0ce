"""Pulumi's step semantics: which operation a registration needs, and the property-level diff.

Given a resource's old state, its new (checked) inputs and the provider's diff answer, decide
``same``, ``create``, ``update`` or ``replace`` (create-before-delete unless delete-before-replace
is asked by the provider or the program), honour ``ignore_changes`` and ``replace_on_changes``,
and compute the detailed diff shown by ``--diff`` and ``--json``: the dynamic provider server
forwards only ``changes``/``replaces``/``deleteBeforeReplace``, so — as Pulumi's engine does on
``DIFF_UNKNOWN`` — the engine diffs old inputs against new inputs itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from aicompute.engine.deploy.providers.base import DiffResult
from aicompute.engine.resource.checkpoint_values import UNKNOWN
from aicompute.engine.resource.property_paths import join_path, parse_path, path_matches, unwrap_secret
from aicompute.engine.resource.wire_values import PropertyMap, without_internal

Op = Literal[
    "same",
    "create",
    "update",
    "replace",
    "create-replacement",
    "delete-replaced",
    "delete",
    "read",
    "refresh",
    "discard",
    "discard-replaced",
    "import",
]
DiffKind = Literal["add", "add-replace", "delete", "delete-replace", "update", "update-replace"]

CHANGE_OPS: frozenset[str] = frozenset({"create", "update", "replace", "delete", "import", "discard-replaced"})
"""Ops that count as changes for ``--expect-no-changes`` (as Pulumi's ``HasChanges``: ``same``, ``read``
and ``discard`` do not)."""


def any_changes(summary: Mapping[str, int]) -> bool:
    """Whether a change summary (op → count) holds a change."""
    return any(op in CHANGE_OPS and count for op, count in summary.items())


# diff -----------------------------------------------------------------------------------------
def property_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, DiffKind]:
    """Property-level differences between two input maps, keyed by property path.

    Secrets compare by value (their display is masked elsewhere); an unknown new value is a change.
    ``__provider`` (the pickled provider) is left out: it changes with any code edit. A key absent
    (or null) on one side and empty (``""``, ``[]``, ``{}``) on the other is no difference: a
    refresh records the server's empty values for inputs the program leaves unset.
    """
    result: dict[str, DiffKind] = {}
    _diff_values("", without_internal(dict(old)), without_internal(dict(new)), result)
    return result


def _diff_values(path: str, old: Any, new: Any, out: dict[str, DiffKind]) -> None:
    old, new = unwrap_secret(old), unwrap_secret(new)
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            o, n = old.get(key), new.get(key)
            sub = join_path(path, key)
            if _blank(o) and _blank(n):
                continue
            if o is None:
                out[sub] = "add"
            elif n is None:
                out[sub] = "delete"
            else:
                _diff_values(sub, o, n, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            sub = join_path(path, index)
            if index >= len(old):
                out[sub] = "add"
            elif index >= len(new):
                out[sub] = "delete"
            else:
                _diff_values(sub, old[index], new[index], out)
        return
    if new == UNKNOWN or old != new or type(old) is bool is not type(new):
        out[path] = "update"


def _blank(value: Any) -> bool:
    return value is None or value in ("", [], {})


# planning ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StepPlan:
    op: Op
    detailed_diff: dict[str, DiffKind] = field(default_factory=dict)
    replace_reasons: tuple[str, ...] = ()
    delete_before_replace: bool = False

    @property
    def diff_reasons(self) -> tuple[str, ...]:
        """Top-level properties that changed (Pulumi's ``diffReasons``)."""
        return tuple(sorted({str(parse_path(path)[0]) for path in self.detailed_diff if path}))


def plan_update(
    old_inputs: PropertyMap,
    new_inputs: PropertyMap,
    provider_diff: DiffResult,
    replace_on_changes: Iterable[str] = (),
    delete_before_replace: bool = False,
) -> StepPlan:
    """same / update / replace for a resource that exists, from the provider's diff and the options."""
    detailed = property_diff(old_inputs, new_inputs)
    changes = provider_diff.changes
    if changes == "unknown":
        changes = "some" if detailed else "none"
    if changes == "none":
        return StepPlan("same")

    replaces = set(provider_diff.replaces)
    patterns = list(replace_on_changes)
    if patterns:
        changed_paths = set(detailed) | replaces
        replaces |= {str(parse_path(p)[0]) for p in changed_paths if any(path_matches(w, p) for w in patterns)}
    if replaces:
        for path, kind in list(detailed.items()):
            if str(parse_path(path)[0]) in replaces:
                detailed[path] = f"{kind}-replace"  # type: ignore[assignment]
        for key in replaces:
            if not any(str(parse_path(path)[0]) == key for path in detailed):
                detailed[key] = "update-replace"
        # As Pulumi: delete first when the provider or the program asks for it.
        dbr = provider_diff.delete_before_replace or bool(delete_before_replace)
        return StepPlan("replace", detailed, tuple(sorted(replaces)), dbr)
    return StepPlan("update", detailed)
