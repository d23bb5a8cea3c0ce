"""Polling until an object reaches a target state, fails, or a deadline passes.

A wait names its pending, target and failure states (taken from each API's lifecycle), polls
with exponential backoff between the provider's ``pollInterval`` and ``max_poll_interval``, and
reports the last state it saw when the deadline passes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from aicompute.provider.config import ProviderSettings
from aicompute.provider.errors import WaitFailed, WaitTimeout

T = TypeVar("T")


@dataclass
class Waiter(Generic[T]):
    """How to watch one object: fetch it (None when gone) and read its state and failure reason."""

    what: str
    fetch: Callable[[], T | None]
    state: Callable[[T], str]
    target: Collection[str]
    pending: Collection[str] = ()
    failure: Collection[str] = ()
    reason: Callable[[T], str] = field(default=lambda _: "")
    done: Callable[[T], bool] | None = None
    """Optional extra condition on an object in a target state (e.g. "all new nodes available")."""


def _sleep_schedule(settings: ProviderSettings) -> Callable[[], float]:
    interval = settings.poll_interval

    def next_sleep() -> float:
        nonlocal interval
        current = interval
        interval = min(interval * 1.5, settings.max_poll_interval)
        return current

    return next_sleep


def wait_for(waiter: Waiter[T], settings: ProviderSettings, timeout: float) -> T:
    """Poll until the object is in a target state (and ``done``); raise on failure or deadline."""
    deadline = time.monotonic() + timeout
    next_sleep = _sleep_schedule(settings)
    last = "<not yet seen>"
    target = "/".join(waiter.target)
    while True:
        current = waiter.fetch()
        if current is None:
            raise WaitFailed(waiter.what, "deleted", f"it disappeared while in state {last!r}")
        else:
            last = waiter.state(current)
            if last in waiter.failure:
                raise WaitFailed(waiter.what, last, waiter.reason(current))
            if last in waiter.target and (waiter.done is None or waiter.done(current)):
                return current
            if waiter.pending and last not in waiter.pending and last not in waiter.target:
                raise WaitFailed(waiter.what, last, f"unexpected state (expected {target})")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WaitTimeout(waiter.what, target, timeout, last)
        time.sleep(min(next_sleep(), remaining))


def wait_until_gone(
    what: str,
    fetch: Callable[[], T | None],
    state: Callable[[T], str],
    settings: ProviderSettings,
    timeout: float,
) -> None:
    """Poll until ``fetch`` returns None (the object is gone)."""
    deadline = time.monotonic() + timeout
    next_sleep = _sleep_schedule(settings)
    while (current := fetch()) is not None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WaitTimeout(what, "deleted", timeout, state(current))
        time.sleep(min(next_sleep(), remaining))


def time_left(deadline: float) -> float:
    """Seconds until an operation's ``time.monotonic()`` deadline (a tiny positive value once it has
    passed, so that a wait still looks once and reports what it saw)."""
    return max(deadline - time.monotonic(), 0.001)
