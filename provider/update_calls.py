"""An in-place update made by the calls its inputs declare.

Each updatable input names the platform call that changes it (``Updatable(via=…)``); a provider
marks the method that makes a call with ``@makes(call)``. The generic update groups the changed
inputs by the method that makes their calls and runs each such method once, in the order the
calls are declared (the provider's ``call_order`` first, then the order of the Args fields),
handing it an ``Update`` whose ``body`` the inputs' ``ApiPath`` markers built. A declared call no
method makes is a schema error (``unmade_calls``), never an update silently skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from aicompute.provider.api_path import body_of
from aicompute.provider.schema import SchemaError
from aicompute.provider.waiters import time_left

ArgsT = TypeVar("ArgsT", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])
Sends = Literal["changed", "all"]


@dataclass(frozen=True)
class Update(Generic[ArgsT]):
    """What a method that makes an update call is given."""

    resource_id: str
    old: ArgsT
    new: ArgsT
    changed: frozenset[str]
    """The changed inputs this method's calls make."""
    body: dict[str, Any]
    """The body the ``ApiPath`` inputs build: the changed ones, or all the call's (``sends="all"``)."""
    deadline: float
    """The whole update's ``time.monotonic()`` deadline."""

    @property
    def timeout(self) -> float:
        return time_left(self.deadline)


@dataclass(frozen=True)
class Makes:
    """The marker ``@makes`` leaves on a method."""

    calls: tuple[str, ...]
    sends: Sends


def makes(*calls: str, sends: Sends = "changed") -> Callable[[F], F]:
    """Mark a provider method ``(self, api, update: Update) -> None`` as the code that makes the
    update calls ``calls`` (several when one piece of code settles them together). ``sends``: whether
    ``update.body`` carries the changed inputs only (a merge patch) or every input of the calls (a PUT
    that replaces the object's fields)."""

    def mark(method: F) -> F:
        method.__makes__ = Makes(calls, sends)  # type: ignore[attr-defined]
        return method

    return mark


def makers(cls: type) -> dict[str, tuple[str, Makes]]:
    """Each call a method of ``cls`` makes: ``{call: (method name, marker)}``."""
    found: dict[str, tuple[str, Makes]] = {}
    for name in dir(cls):
        marker = getattr(getattr(cls, name, None), "__makes__", None)
        if isinstance(marker, Makes):
            for call in marker.calls:
                found[call] = (name, marker)
    return found


def unmade_calls(cls: type, calls: Mapping[str, str]) -> list[str]:
    """What does not add up between the declared calls (``{input: via}``) and the methods of ``cls``."""
    declared = {via for via in calls.values() if via}
    made = makers(cls)
    problems = [f"{cls.__name__}: no method makes {call!r}" for call in sorted(declared - set(made))]
    problems += [
        f"{cls.__name__}.{made[call][0]} makes {call!r}, which no input declares"
        for call in sorted(set(made) - declared)
    ]
    return problems


@dataclass(frozen=True)
class Step:
    """One method to run, and the inputs it is given."""

    method: str
    changed: frozenset[str]
    sent: frozenset[str]


def update_steps(cls: type, calls: Mapping[str, str], order: Sequence[str], changed: frozenset[str]) -> list[Step]:
    """The methods an update of the ``changed`` inputs runs, in the declared order of their calls.

    ``calls`` maps each updatable input to its call (``""``: none), in field order; ``order`` puts
    some calls first."""
    ranked = list(dict.fromkeys([*order, *calls.values()]))
    made = makers(cls)
    steps: dict[str, tuple[int, set[str], Makes]] = {}
    for name in sorted(changed & set(calls), key=lambda key: ranked.index(calls[key])):
        via = calls[name]
        if not via:
            continue  # steers aicompute (a wait), makes no call
        if via not in made:
            raise SchemaError(f"{cls.__name__}: no method makes {via!r} (the call of {name!r})")
        method, marker = made[via]
        steps.setdefault(method, (ranked.index(via), set(), marker))[1].add(name)
    return [
        Step(method, frozenset(names), frozenset(names) if marker.sends == "changed" else _inputs_of(calls, marker))
        for method, (_, names, marker) in sorted(steps.items(), key=lambda item: item[1][0])
    ]


def _inputs_of(calls: Mapping[str, str], marker: Makes) -> frozenset[str]:
    return frozenset(name for name, via in calls.items() if via in marker.calls)


def run_steps(
    provider: Any, api: Any, steps: Sequence[Step], resource_id: str, old: BaseModel, new: BaseModel, deadline: float
) -> None:
    """Run each step's method on ``provider`` with its ``Update``."""
    for step in steps:
        update = Update(resource_id, old, new, step.changed, body_of(new, step.sent), deadline)
        getattr(provider, step.method)(api, update)


__all__ = ["Makes", "Step", "Update", "makers", "makes", "run_steps", "unmade_calls", "update_steps"]
